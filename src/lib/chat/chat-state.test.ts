// ChatState over a scripted engine and a real (fake-indexeddb) store: what is saved when the person
// switches or deletes conversations mid-answer, and what a finished turn costs in storage reads.
import 'fake-indexeddb/auto';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineState } from './engine-state.svelte';
import {
	ConversationSchema,
	defaultConversationStore,
	getConversation,
	listConversations,
	newConversation,
	saveConversation,
	type KeyValueStore
} from '$lib/storage';
import { freshStore } from '$lib/storage/test-utils';
import { LumenError, contextLengthExceeded } from '$lib/protocol/errors';
import { ChatState } from './chat-state.svelte';
import { ScriptedEngine, scriptedEngines } from './test-support';

beforeAll(() => {
	globalThis.requestAnimationFrame ??= (cb: FrameRequestCallback) => setTimeout(() => cb(0), 0) as unknown as number;
});

beforeEach(async () => {
	await defaultConversationStore.delMany(await defaultConversationStore.keys());
});

function chatOver(engine: ScriptedEngine, store?: KeyValueStore): ChatState {
	return new ChatState(scriptedEngines(engine) as unknown as EngineState, store);
}

/** Counts every stored record handed back to the app, whichever call read it. */
function countingStore(inner: KeyValueStore) {
	const counts = { records: 0 };
	const store: KeyValueStore = {
		...inner,
		get: async (key) => {
			counts.records++;
			return inner.get(key);
		},
		getMany: async (keys) => {
			counts.records += keys.length;
			return inner.getMany(keys);
		},
		entries: async () => {
			const all = await inner.entries();
			counts.records += all.length;
			return all;
		}
	};
	return { store, counts };
}

describe('ChatState: leaving a conversation while its answer streams', () => {
	it('New chat mid-answer saves the streamed conversation and writes no blank one', async () => {
		const engine = new ScriptedEngine({ words: ['a ', 'b ', 'c ', 'd ', 'e '], everyMs: 15 });
		const chat = chatOver(engine);
		await chat.init();
		const sending = chat.send('Hi there');
		await engine.untilYielded(2);
		chat.startNew();
		await sending;

		expect(chat.conversation.messages, 'the new chat stays empty').toEqual([]);
		const list = await listConversations();
		expect(list.map((c) => c.title)).toEqual(['Hi there']);
		const saved = await getConversation(list[0].id);
		expect(saved?.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
		expect(saved?.messages[1].content).toMatch(/^a b/);
		expect(saved?.messages[1].stats?.finishReason).toBe('abort');
	});

	it('deleting the open chat mid-answer does not bring it back', async () => {
		const engine = new ScriptedEngine({ words: ['a ', 'b ', 'c ', 'd ', 'e '], everyMs: 15 });
		const chat = chatOver(engine);
		await chat.init();
		await chat.send('First turn');
		const id = chat.conversation.id;
		const sending = chat.send('Second turn');
		await engine.untilYielded(7);
		await chat.remove(id);
		await sending;

		expect(await getConversation(id)).toBeUndefined();
		expect(await listConversations()).toEqual([]);
		expect(chat.summaries).toEqual([]);
		expect(chat.conversation.id).not.toBe(id);
	});
});

describe('ChatState: the cost of a finished turn', () => {
	it('saves a turn without re-reading or re-validating the other conversations, and keeps the list current', async () => {
		const { store, counts } = countingStore(freshStore('conversations'));
		for (let i = 0; i < 20; i++) await saveConversation({ ...newConversation('', 1000 + i), title: `Old ${i}` }, store);
		const chat = chatOver(new ScriptedEngine(), store);
		await chat.init();
		chat.startNew();

		counts.records = 0;
		const validate = vi.spyOn(ConversationSchema, 'safeParse');
		await chat.send('Hello');
		await chat.send('Again');
		const validations = validate.mock.calls.length;
		validate.mockRestore();

		expect(counts.records, 'stored records read while saving two turns').toBe(0);
		expect(validations, 'one validation per saved turn').toBe(2);
		expect(chat.summaries).toHaveLength(21);
		expect(chat.summaries[0]).toMatchObject({ id: chat.conversation.id, title: 'Hello', messageCount: 4 });
		expect(chat.summaries.map((c) => c.id)).toEqual((await listConversations(store)).map((c) => c.id));
	});
});

describe('ChatState: dropping the oldest turns when the conversation outgrows the context', () => {
	/** An engine that refuses, as the runtimes do, any request of more than `limit` messages. */
	function limitedEngine() {
		const engine = new ScriptedEngine({ words: ['ok'] });
		let limit = Infinity;
		engine.options.refuse = (r) => (r.messages.length > limit ? contextLengthExceeded(r.messages.length * 100, limit * 100) : null);
		return { engine, setLimit: (n: number) => void (limit = n) };
	}

	const store = freshStore('conversations');
	async function chatWithTurns(engine: ScriptedEngine, turns: number): Promise<ChatState> {
		const chat = chatOver(engine, store);
		chat.params.systemPrompt = 'Be brief.';
		for (let i = 1; i <= turns; i++) await chat.send(`u${i}`);
		return chat;
	}

	it('shows the error, then drops the oldest pairs one at a time and retries until the request fits', async () => {
		const { engine, setLimit } = limitedEngine();
		const chat = await chatWithTurns(engine, 4);
		setLimit(6); // system + 2 full turns + the new question
		await chat.send('u5');
		expect(chat.error).toMatchObject({ code: 'context_length_exceeded', message: expect.stringMatching(/maximum context length is 600 tokens/) });
		expect(chat.canDropOldest).toBe(true);

		const before = engine.requests.length;
		await chat.dropOldestTurns();
		expect(chat.error).toBeNull();
		expect(engine.requests.length - before, 'one retry per dropped turn: u1 then u2').toBe(2);
		const last = engine.requests.at(-1)!;
		expect(last.messages.map((m) => m.content)).toEqual(['Be brief.', 'u3', 'ok', 'u4', 'ok', 'u5']);
		expect(chat.conversation.messages.map((m) => m.content)).toEqual(['u3', 'ok', 'u4', 'ok', 'u5', 'ok']);
		const saved = await getConversation(chat.conversation.id, store);
		expect(saved?.messages.map((m) => m.content)).toEqual(['u3', 'ok', 'u4', 'ok', 'u5', 'ok']);
	});

	it('stops when only the last user message is left and still says why', async () => {
		const { engine, setLimit } = limitedEngine();
		const chat = await chatWithTurns(engine, 3);
		setLimit(1); // not even the system prompt and one question fit
		await chat.send('u4');
		await chat.dropOldestTurns();
		expect(chat.error?.code).toBe('context_length_exceeded');
		expect(chat.canDropOldest).toBe(false);
		expect(engine.requests.at(-1)!.messages.map((m) => m.content)).toEqual(['Be brief.', 'u4']);
		expect(chat.conversation.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
		expect(chat.conversation.messages[1].error).toMatch(/maximum context length/);
	});

	it('offers no drop for other errors', async () => {
		const engine = new ScriptedEngine();
		engine.options.refuse = () => new LumenError('generation_failed', 'boom');
		const chat = await chatWithTurns(engine, 2);
		expect(chat.error?.code).toBe('generation_failed');
		expect(chat.canDropOldest).toBe(false);
	});
});

describe('ChatState: reopening the latest conversation on start', () => {
	it('picks the conversation’s model once the engines know their models, even when they learn them after the conversation is read', async () => {
		const store = freshStore('conversations');
		await saveConversation({ ...newConversation('gpu-only-model', 1000), title: 'Earlier' }, store);
		const engines = scriptedEngines(new ScriptedEngine());
		const known = [...engines.models];
		engines.models = []; // the coordinator's models are not listed yet
		let listed!: () => void;
		const modelsKnown = new Promise<void>((resolve) => (listed = resolve));
		const chat = new ChatState(engines as unknown as EngineState, store);
		const starting = chat.init(modelsKnown);
		await new Promise((r) => setTimeout(r, 20));
		expect(chat.conversation.title, 'the conversation is shown before the models are known').toBe('Earlier');
		engines.models = [...known, { ...known[0], id: 'gpu-only-model', name: 'gpu-only-model', runtime: 'remote' }];
		listed();
		await starting;
		expect(engines.modelId).toBe('gpu-only-model');
	});
});
