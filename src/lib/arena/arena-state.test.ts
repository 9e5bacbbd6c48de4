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
import type { ArenaServer } from './arena-server';
import type { ModerateResponse } from '$lib/protocol/arena-integrity';

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
		expect(arena.error?.message).toMatch(/two different models/);
	});

	describe('with a coordinator', () => {
		function server(flag: (text: string) => boolean, limits = { max_turns: 2, max_prompt_chars: 20, max_battle_chars: 30 }) {
			const calls: string[] = [];
			const fake: ArenaServer = {
				name: 'the coordinator at http://coord.test',
				issueBattle: async (pair) => {
					calls.push(`issue ${pair.model_a} ${pair.model_b} ${pair.anony}`);
					return { battle_id: `issued-${calls.length}`, ...pair, created_at: 0, limits };
				},
				moderate: async (battleId, text): Promise<ModerateResponse> => {
					calls.push(`moderate ${battleId} ${text}`);
					return flag(text) ? { flagged: true, categories: ['word_list'], message: 'Not sent: against the rules.' } : { flagged: false, categories: [] };
				}
			};
			return { fake, calls };
		}

		async function answered(arena: ArenaState, fakes: ReturnType<typeof scripted>[], text: string) {
			const sent = arena.send(text);
			await settle();
			fakes.forEach((f) => f.release());
			await sent;
		}

		it('gets the battle id from the coordinator before the first prompt, moderates each prompt, and votes with that id and its flags', async () => {
			const fakes = [scripted(), scripted()];
			let i = 0;
			const { fake, calls } = server(() => false);
			const arena = new ArenaState({ mode: 'named', engines: () => fakes[i++].engines, server: async () => fake });
			await arena.init();
			arena.pick('lumen-tiny-a', 'lumen-tiny-b');
			await answered(arena, fakes, 'Are you llama?');
			expect(calls).toEqual(['issue lumen-tiny-a lumen-tiny-b false', 'moderate issued-1 Are you llama?']);
			expect(arena.battleId).toBe('issued-1');
			await arena.castVote('model_a');
			const vote = (await listVotes()).find((v) => v.battle_id === 'issued-1');
			expect(vote).toMatchObject({ model_a: 'lumen-tiny-a', model_b: 'lumen-tiny-b', anony: false, identity_leak: true });
		});

		it('does not send a flagged prompt, and says why', async () => {
			const fakes = [scripted(), scripted()];
			let i = 0;
			const { fake } = server((t) => t.includes('bad'));
			const arena = new ArenaState({ mode: 'named', engines: () => fakes[i++].engines, server: async () => fake });
			await arena.init();
			expect(await arena.send('something bad')).toBe(false); // the page keeps the draft
			expect(arena.error?.message).toBe('Not sent: against the rules.');
			expect(arena.error?.i18n).toEqual({ key: 'error.text.moderation' });
			expect(arena.turns).toBe(0);
			expect(fakes[0].requests).toHaveLength(0);
		});

		it("keeps to the coordinator's turn and character limits", async () => {
			const fakes = [scripted(), scripted()];
			let i = 0;
			const { fake, calls } = server(() => false);
			const arena = new ArenaState({ mode: 'named', engines: () => fakes[i++].engines, server: async () => fake });
			await arena.init();
			await answered(arena, fakes, 'zero');
			expect(arena.canVote).toBe(true);
			const checking = arena.send('next');
			expect(arena.canVote, 'no vote while the next prompt is being checked').toBe(false);
			await settle();
			fakes.forEach((f) => f.release());
			await checking;
			arena.newRound();
			const before = calls.length;
			await arena.send('x'.repeat(21));
			expect(arena.error?.message).toMatch(/at most 20/);
			expect(arena.turns).toBe(0);
			await answered(arena, fakes, 'one');
			await answered(arena, fakes, 'two');
			await arena.send('three');
			expect(arena.error?.message).toMatch(/limit of 2 turns/);
			expect(arena.error?.i18n).toEqual({ key: 'error.text.arenaTurns', values: { limit: 2 } });
			expect(arena.turns).toBe(2);
			expect(calls.slice(before).filter((c) => c.startsWith('moderate'))).toHaveLength(2);
		});

		it('keeps the battle in this browser when the coordinator cannot issue an id', async () => {
			const fakes = [scripted(), scripted()];
			let i = 0;
			const offline: ArenaServer = {
				name: 'x',
				issueBattle: async () => {
					throw new TypeError('Failed to fetch');
				},
				moderate: async () => {
					throw new Error('must not be asked');
				}
			};
			const arena = new ArenaState({ mode: 'named', engines: () => fakes[i++].engines, server: async () => offline });
			await arena.init();
			const local = arena.battleId;
			await answered(arena, fakes, 'Hi');
			expect(arena.error).toBeNull();
			expect(arena.battleId).toBe(local);
			expect(arena.issued).toBeNull();
		});
	});
});
