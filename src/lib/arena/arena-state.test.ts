// ArenaState with scripted engines: votes open only when both answers are done, names stay hidden
// until the vote, each side keeps its own history, and the recorded vote carries FastChat's fields.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog, type CatalogModel } from '$lib/catalog/catalog';
import type { Engine } from '$lib/engine/types';
import type { ChatCompletionChunk, ChatCompletionRequest } from '$lib/protocol/openai';
import { ArenaState } from './arena-state.svelte';
import type { SideEngines } from './battle-side.svelte';
import { seededRng } from '$lib/rating/pairing';
import { listVotes } from './votes';

beforeAll(() => {
	globalThis.requestAnimationFrame ??= (cb: FrameRequestCallback) => setTimeout(() => cb(0), 0) as unknown as number;
});

const models: CatalogModel[] = catalog.filter((m) => ['lumen-tiny-a', 'lumen-tiny-b', 'lumen-bench'].includes(m.id));

/** Engines whose answers wait for `release()`, so a test can look at the state mid-answer. */
function scripted() {
	const requests: ChatCompletionRequest[] = [];
	let release: () => void = () => undefined;
	const fake = {
		modelId: models[0].id,
		models,
		status: 'idle',
		progress: null,
		error: null,
		init: async () => undefined,
		select(id: string) {
			fake.modelId = id;
		},
		load: async () => true,
		cancelLoad: () => undefined,
		routeFor: () => null,
		release: async () => undefined,
		chatEngine: {
			kind: 'scripted',
			load: async () => ({}) as never,
			unload: async () => undefined,
			embed: async () => ({}) as never,
			async *chat(request: ChatCompletionRequest): AsyncGenerator<ChatCompletionChunk> {
				requests.push(request);
				await new Promise<void>((r) => (release = r));
				yield { id: 'x', object: 'chat.completion.chunk', created: 0, model: request.model, choices: [{ index: 0, delta: { content: `answer ${requests.length}` }, finish_reason: 'stop' }] };
			}
		} satisfies Engine
	};
	return { engines: fake as unknown as SideEngines, requests, release: () => release() };
}

async function settle(): Promise<void> {
	await new Promise((r) => setTimeout(r, 5));
}

describe('ArenaState', () => {
	it('opens votes only when both answers are done, reveals names after the vote and records it', async () => {
		const fakes = [scripted(), scripted()];
		let i = 0;
		const arena = new ArenaState({ mode: 'anonymous', pool: ['lumen-tiny-a', 'lumen-tiny-b'], rng: seededRng(5), engines: () => fakes[i++].engines });
		await arena.init();
		const [a, b] = arena.sides.map((s) => s.modelId);
		expect([a, b].sort()).toEqual(['lumen-tiny-a', 'lumen-tiny-b']);
		expect(arena.revealed).toBe(false);
		expect(arena.canVote).toBe(false);

		const sent = arena.send('Hi');
		await settle();
		fakes[0].release();
		await settle();
		expect(arena.sides[0].complete).toBe(true);
		expect(arena.canVote, 'one side is still answering').toBe(false);
		fakes[1].release();
		await sent;
		expect(arena.canVote).toBe(true);

		// Multi-turn: each side sends its own history.
		const second = arena.send('More');
		await settle();
		fakes.forEach((f) => f.release());
		await second;
		expect(fakes[1].requests[1].messages.map((m) => m.content)).toEqual(['Hi', 'answer 1', 'More']);

		await arena.castVote('model_b');
		expect(arena.revealed).toBe(true);
		expect(arena.canVote).toBe(false);
		const votes = await listVotes();
		expect(votes).toHaveLength(1);
		expect(votes[0]).toMatchObject({ battle_id: arena.battleId, model_a: a, model_b: b, winner: 'model_b', anony: true, turn: 2 });
		expect(Math.abs(votes[0].tstamp - Date.now() / 1000)).toBeLessThan(5);

		const oldId = arena.battleId;
		arena.newRound();
		expect(arena.battleId).not.toBe(oldId);
		expect(arena.sides[0].messages).toEqual([]);
		expect(arena.revealed).toBe(false);
	});

	it('side by side keeps the picked models and records the vote as not anonymous', async () => {
		const fakes = [scripted(), scripted()];
		let i = 0;
		const arena = new ArenaState({ mode: 'named', engines: () => fakes[i++].engines });
		await arena.init();
		arena.pick('lumen-tiny-b', 'lumen-tiny-a');
		expect(arena.revealed).toBe(true);
		const sent = arena.send('Hi');
		await settle();
		fakes.forEach((f) => f.release());
		await sent;
		await arena.castVote('tie');
		const vote = (await listVotes()).find((v) => v.battle_id === arena.battleId);
		expect(vote).toMatchObject({ model_a: 'lumen-tiny-b', model_b: 'lumen-tiny-a', winner: 'tie', anony: false, turn: 1 });
	});

	it('says so when fewer than two models can be drawn', async () => {
		const arena = new ArenaState({ mode: 'anonymous', pool: ['lumen-tiny-a'], engines: () => scripted().engines });
		await arena.init();
		expect(arena.error).toMatch(/two different models/);
	});
});
