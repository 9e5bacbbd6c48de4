// The chat page's template settings reach the engine: the chosen chat template and the system prompt as
// the system override, only for a model this browser formats prompts for; the choice outlives switching chats.
import 'fake-indexeddb/auto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultConversationStore } from '$lib/storage';
import { ChatState } from './chat-state.svelte';
import type { EngineState } from './engine-state.svelte';
import { ScriptedEngine, scriptedEngines } from './test-support';

beforeAll(() => {
	globalThis.requestAnimationFrame ??= (cb: FrameRequestCallback) => setTimeout(() => cb(0), 0) as unknown as number;
});
beforeEach(async () => {
	await defaultConversationStore.delMany(await defaultConversationStore.keys());
});

function chatOver(engine: ScriptedEngine, formatsPrompts: boolean) {
	const engines = scriptedEngines(engine);
	engines.formatsPrompts = formatsPrompts;
	return new ChatState(engines as unknown as EngineState);
}

describe('chat template settings', () => {
	it('are sent with each request when the model is formatted in this browser', async () => {
		const engine = new ScriptedEngine();
		const chat = chatOver(engine, true);
		await chat.init();
		await chat.send('Hi');
		expect(engine.formats[0]).toEqual({ chatTemplate: undefined, systemMessage: 'You are a helpful assistant.' });
		chat.params.chatTemplate = 'vicuna';
		chat.params.systemPrompt = '  ';
		await chat.send('Again');
		// An empty system prompt means no system message at all, not the template's default one.
		expect(engine.formats[1]).toEqual({ chatTemplate: 'vicuna', systemMessage: '' });
		expect(engine.requests[1].messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
	});

	it('are not sent to an engine that formats its own prompts (web-llm, a coordinator)', async () => {
		const engine = new ScriptedEngine();
		const chat = chatOver(engine, false);
		await chat.init();
		chat.params.chatTemplate = 'vicuna';
		await chat.send('Hi');
		expect(engine.formats).toEqual([undefined]);
	});

	it('keep the chosen template when another conversation is opened', async () => {
		const engine = new ScriptedEngine();
		const chat = chatOver(engine, true);
		await chat.init();
		await chat.send('First');
		const first = chat.conversation.id;
		chat.startNew();
		chat.params.chatTemplate = 'plain';
		await chat.send('Second');
		await chat.open(first);
		expect(chat.params.chatTemplate).toBe('plain');
		await chat.send('Back');
		expect(engine.formats.at(-1)?.chatTemplate).toBe('plain');
	});
});
