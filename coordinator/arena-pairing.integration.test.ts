// The coordinator's arena pairing settings over a real socket: a model in outage is never drawn though
// served, and the `active` policy pairs from the stored votes (a pair that never met is drawn more often
// than pairs with many votes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BattleSchema, type Battle } from '#protocol/arena';
import type { RunningCoordinator } from './server';
import { spawnStub, startTestCoordinator, until, type StubProcess } from './testing/processes';

const SECRET = 'worker-secret';
const MODELS = ['alpha', 'beta', 'gamma', 'delta'];
let coordinator: RunningCoordinator;
let stub: StubProcess;

beforeAll(async () => {
	// One test client casts many votes: the per-voter caps and the anomaly test are off here (arena-integrity tests cover them).
	coordinator = await startTestCoordinator({
		worker_secret: SECRET,
		arena_pairing: 'active',
		arena_outage_models: ['gamma'],
		arena_votes_per_day: 0,
		arena_votes_per_day_per_address: 0,
		arena_votes_per_minute: 0,
		arena_battles_per_minute: 0,
		arena_anomaly_alpha: 0
	});
	stub = await spawnStub({ coordinator: coordinator.url, secret: SECRET, model: MODELS, heartbeatMs: 100 });
	await until(() => coordinator.registry.modelIds().length === MODELS.length, 10_000, 'stub registration');
});
afterAll(async () => {
	await stub?.kill();
	await coordinator?.close({ graceMs: 0 });
});

const post = (path: string, body: object) => fetch(`${coordinator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function battle(): Promise<Battle> {
	const res = await post('/api/arena/battles', {});
	expect(res.status).toBe(200);
	return BattleSchema.parse(await res.json());
}

describe('arena pairing settings', () => {
	it('never draws a model in outage and, under active, favours the pair that has not met', async () => {
		// Vote on every battle that pairs alpha or beta with delta until both pairs have 30 votes; alpha-beta gets none.
		const votes = new Map<string, number>();
		const key = (b: Battle) => [b.model_a, b.model_b].sort().join('+');
		for (let i = 0; i < 400 && !((votes.get('alpha+delta') ?? 0) >= 30 && (votes.get('beta+delta') ?? 0) >= 30); i++) {
			const b = await battle();
			expect([b.model_a, b.model_b]).not.toContain('gamma');
			if (key(b) === 'alpha+beta' || (votes.get(key(b)) ?? 0) >= 30) continue;
			const res = await post('/api/arena/votes', { battle_id: b.battle_id, model_a: b.model_a, model_b: b.model_b, winner: 'tie', anony: true, tstamp: Date.now() / 1000, turn: 1 });
			expect(res.status).toBe(200);
			votes.set(key(b), (votes.get(key(b)) ?? 0) + 1);
		}
		expect(votes.get('alpha+delta')).toBe(30);
		expect(votes.get('beta+delta')).toBe(30);
		// The statistics are rebuilt once 1% of the time allows (well under a second here): then the pair that
		// never met is the most useful: P = 0.568 (pairDistribution), so 170 ± 8.6 of 300 draws, against 100 ± 8.2
		// if the votes were ignored (each of the three pairs 1/3). 135 is over 4σ from both.
		await new Promise((r) => setTimeout(r, 200));
		const drawn = new Map<string, number>();
		for (let i = 0; i < 300; i++) {
			const b = await battle();
			expect([b.model_a, b.model_b]).not.toContain('gamma');
			drawn.set(key(b), (drawn.get(key(b)) ?? 0) + 1);
		}
		expect(drawn.get('alpha+beta') ?? 0).toBeGreaterThan(135);
	});
});
