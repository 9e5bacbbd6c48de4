// The arena over a real socket: pairing live models, idempotent votes, local-model votes, the
// leaderboard over anonymous votes only (cached until a vote), the JSONL export, and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { BattleSchema, LeaderboardResponseSchema, VoteResponseSchema, type ArenaVote, type Battle } from '#protocol/arena';
import { parseBattlesJsonl } from '#rating/jsonl';
import type { RunningCoordinator } from './server';
import { spawnStub, startTestCoordinator, until, type StubProcess } from './testing/processes';

const SECRET = 'worker-secret';
const KEY = 'sk-lumen-test';
const ORIGIN = 'http://app.example';
const MODELS = ['alpha', 'beta', 'gamma'];
let coordinator: RunningCoordinator;
let stub: StubProcess;

beforeAll(async () => {
	coordinator = await startTestCoordinator({ worker_secret: SECRET, api_keys: [KEY], rate_limit_per_minute: 0, cors_origins: [ORIGIN], arena_votes_per_minute: 0 });
	stub = await spawnStub({ coordinator: coordinator.url, secret: SECRET, model: MODELS, heartbeatMs: 100 });
	await until(() => coordinator.registry.modelIds().length === MODELS.length, 10_000, 'stub registration');
});
afterAll(async () => {
	await stub?.kill();
	await coordinator?.close({ graceMs: 0 });
});

const request = (path: string, init: { method?: string; body?: string | object; headers?: Record<string, string> } = {}) =>
	fetch(`${coordinator.url}${path}`, {
		method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
		headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, origin: ORIGIN, ...init.headers },
		body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
	});

async function createBattle(body: object = {}): Promise<Battle> {
	const res = await request('/api/arena/battles', { body });
	expect(res.status).toBe(200);
	return BattleSchema.parse(await res.json());
}

const voteFor = (battle: Battle, winner: ArenaVote['winner'] = 'model_a'): ArenaVote => ({
	battle_id: battle.battle_id,
	model_a: battle.model_a,
	model_b: battle.model_b,
	winner,
	anony: battle.anony,
	tstamp: Date.now() / 1000,
	turn: 1
});

async function leaderboard(bootstrap = 10) {
	const res = await request(`/api/arena/leaderboard?bootstrap=${bootstrap}`);
	expect(res.status).toBe(200);
	return LeaderboardResponseSchema.parse(await res.json());
}

const storedVotes = (battleId: string) =>
	(coordinator.db.prepare('SELECT COUNT(*) AS n FROM arena_votes WHERE battle_id = ?').get(battleId) as { n: number }).n;

async function expectError(res: Response, status: number, expected: { code?: string; param?: string | null }) {
	expect(res.status).toBe(status);
	const body = await res.json();
	expect(body.error).toMatchObject(expected);
	expect(typeof body.error.message).toBe('string');
	return body.error as { message: string };
}

describe('arena battles', () => {
	it('pairs two different live models at random, anonymously, with CORS for the browser app', async () => {
		const seen = new Set<string>();
		for (let i = 0; i < 12; i++) {
			const battle = await createBattle();
			expect(battle.anony).toBe(true);
			expect(battle.model_a).not.toBe(battle.model_b);
			expect(MODELS).toContain(battle.model_a);
			expect(MODELS).toContain(battle.model_b);
			seen.add(`${battle.model_a}>${battle.model_b}`);
		}
		expect(seen.size).toBeGreaterThan(1);
		const res = await request('/api/arena/battles', { body: {} });
		expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
	});

	it('restricts pairing to the requested models', async () => {
		const battle = await createBattle({ models: ['alpha', 'gamma'] });
		expect([battle.model_a, battle.model_b].sort()).toEqual(['alpha', 'gamma']);
	});

	it('makes a named battle (not anonymous) and answers an unknown named model with 404', async () => {
		const battle = await createBattle({ model_a: 'beta', model_b: 'alpha' });
		expect(battle).toMatchObject({ model_a: 'beta', model_b: 'alpha', anony: false });
		await expectError(await request('/api/arena/battles', { body: { model_a: 'alpha', model_b: 'nope' } }), 404, { code: 'model_not_found', param: 'model_b' });
		await expectError(await request('/api/arena/battles', { body: { model_a: 'alpha' } }), 400, { param: 'model_b' });
	});

	it('requires the API key like /v1', async () => {
		const res = await request('/api/arena/battles', { body: {}, headers: { authorization: '' } });
		await expectError(res, 401, { code: 'invalid_api_key' });
	});
});

describe('arena votes and leaderboard', () => {
	it('counts a vote on a paired battle in the leaderboard, for both models', async () => {
		const battle = await createBattle({ models: ['alpha', 'beta'] });
		const res = await request('/api/arena/votes', { body: voteFor(battle) });
		expect(res.status).toBe(200);
		expect(VoteResponseSchema.parse(await res.json())).toEqual({ battle_id: battle.battle_id, duplicate: false });
		const board = await leaderboard();
		const rows = new Map(board.rows.map((r) => [r.model, r]));
		expect(rows.get('alpha')!.votes).toBeGreaterThanOrEqual(1);
		expect(rows.get('beta')!.votes).toBeGreaterThanOrEqual(1);
		expect(board.bootstrap_rounds).toBe(10);
	});

	it('treats a repeated vote as a no-op and refuses a changed winner with 409', async () => {
		const battle = await createBattle();
		const vote = voteFor(battle, 'tie');
		expect(await (await request('/api/arena/votes', { body: vote })).json()).toEqual({ battle_id: battle.battle_id, duplicate: false });
		const again = await request('/api/arena/votes', { body: vote });
		expect(again.status).toBe(200);
		expect(await again.json()).toEqual({ battle_id: battle.battle_id, duplicate: true });
		expect(storedVotes(battle.battle_id)).toBe(1);
		await expectError(await request('/api/arena/votes', { body: { ...vote, winner: 'model_b' } }), 409, { code: 'vote_conflict' });
		expect(storedVotes(battle.battle_id)).toBe(1);
	});

	it("refuses a vote whose models or anony differ from the battle's", async () => {
		const battle = await createBattle({ models: ['alpha', 'beta'] });
		const swapped = { ...voteFor(battle), model_a: battle.model_b, model_b: battle.model_a };
		const err = await expectError(await request('/api/arena/votes', { body: swapped }), 400, { param: 'model_a', code: 'battle_mismatch' });
		expect(err.message).toContain('model_a');
		await expectError(await request('/api/arena/votes', { body: { ...voteFor(battle), model_b: 'gamma' } }), 400, { param: 'model_b' });
		await expectError(await request('/api/arena/votes', { body: { ...voteFor(battle), anony: false } }), 400, { param: 'anony' });
		expect(storedVotes(battle.battle_id)).toBe(0);
	});

	it("issues a battle id for the browser's local models and counts its vote", async () => {
		const battle = await createBattle({ local: true, model_a: 'local-1', model_b: 'local-2' });
		expect(battle).toMatchObject({ model_a: 'local-1', model_b: 'local-2', anony: true, limits: { max_turns: 50, max_prompt_chars: 12_000 } });
		const vote: ArenaVote = { ...voteFor(battle, 'model_b'), turn: 2 };
		expect(await (await request('/api/arena/votes', { body: vote })).json()).toEqual({ battle_id: vote.battle_id, duplicate: false });
		expect(await (await request('/api/arena/votes', { body: vote })).json()).toEqual({ battle_id: vote.battle_id, duplicate: true });
		expect(storedVotes(vote.battle_id)).toBe(1);
		expect((await leaderboard()).rows.map((r) => r.model)).toEqual(expect.arrayContaining(['local-1', 'local-2']));
	});

	it('keeps named votes but leaves them out of the leaderboard, and caches it until a vote arrives', async () => {
		const before = await leaderboard();
		expect(await leaderboard()).toEqual(before);
		const named = await createBattle({ model_a: 'gamma', model_b: 'beta' });
		await request('/api/arena/votes', { body: voteFor(named, 'model_a') });
		expect(storedVotes(named.battle_id)).toBe(1);
		const after = await leaderboard();
		expect(after.battles).toBe(before.battles);
		expect(after.rows.map((r) => [r.model, r.votes])).toEqual(before.rows.map((r) => [r.model, r.votes]));
		const local = await createBattle({ local: true, anony: false, model_a: 'named-only-a', model_b: 'named-only-b' });
		expect((await request('/api/arena/votes', { body: { ...voteFor(local, 'tie'), tstamp: 1 } })).status).toBe(200);
		expect((await leaderboard()).rows.map((r) => r.model)).not.toContain('named-only-a');
	});

	it('exports every vote as clean-battle JSON lines that parseBattlesJsonl reads back', async () => {
		const res = await request('/api/arena/battles.jsonl');
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('ndjson');
		const { battles, errors } = parseBattlesJsonl(await res.text());
		expect(errors).toEqual([]);
		const stored = coordinator.db.prepare('SELECT model_a, model_b, winner, anony, tstamp, turn FROM arena_votes ORDER BY tstamp, received_at').all() as Array<
			Record<string, unknown> & { anony: number }
		>;
		expect(battles).toEqual(stored.map((r) => ({ ...r, anony: r.anony === 1 })));
		expect(battles.some((b) => b.anony === false)).toBe(true);
	});
});

describe('arena bad input', () => {
	it('answers bad JSON, a bad vote and a bad bootstrap with 400', async () => {
		await expectError(await request('/api/arena/votes', { body: '{"battle_id": ' }), 400, { code: 'invalid_json' });
		await expectError(await request('/api/arena/battles', { body: 'nope' }), 400, { code: 'invalid_json' });
		const vote = { battle_id: randomUUID(), model_a: 'x', model_b: 'y', winner: 'both', anony: true, tstamp: 1, turn: 1 };
		await expectError(await request('/api/arena/votes', { body: vote }), 400, { param: 'winner' });
		await expectError(await request('/api/arena/votes', { body: { ...vote, winner: 'tie', model_b: 'x' } }), 400, { param: 'model_b' });
		await expectError(await request('/api/arena/leaderboard?bootstrap=abc'), 400, { param: 'bootstrap' });
		expect(storedVotes(vote.battle_id)).toBe(0);
	});

	it('answers 503 when fewer than two models are live', async () => {
		const lonely = await startTestCoordinator();
		try {
			const res = await fetch(`${lonely.url}/api/arena/battles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
			const err = await expectError(res, 503, { code: 'not_enough_models' });
			expect(err.message).toContain('two live models');
			expect(res.headers.get('retry-after')).toBe('5');
		} finally {
			await lonely.close({ graceMs: 0 });
		}
	});
});
