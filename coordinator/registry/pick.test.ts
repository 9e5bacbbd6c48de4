import { describe, expect, it } from 'vitest';
import { pick, pickLottery, pickShortestQueue, type Candidate } from './pick';

const w = (id: string, speed = 1, queue_length = 0, in_flight = 0): Candidate => ({ id, speed, queue_length, in_flight });

/** Deterministic rng cycling through the given values. */
const seq = (...values: number[]) => {
	let i = 0;
	return () => values[i++ % values.length];
};

describe('pickLottery', () => {
	it('returns undefined when no worker is eligible', () => {
		expect(pickLottery([], Math.random)).toBeUndefined();
	});

	it('maps the ticket onto speed-weighted ranges', () => {
		const workers = [w('slow', 1), w('fast', 3)];
		expect(pickLottery(workers, () => 0.2)?.id).toBe('slow'); // ticket 0.8 < 1
		expect(pickLottery(workers, () => 0.3)?.id).toBe('fast'); // ticket 1.2 ≥ 1
		expect(pickLottery(workers, () => 0.999)?.id).toBe('fast');
	});

	it('wins in proportion to speed over many draws', () => {
		const workers = [w('a', 1), w('b', 3)];
		let state = 42;
		const rng = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
		let b = 0;
		for (let i = 0; i < 20_000; i++) if (pickLottery(workers, rng)?.id === 'b') b++;
		expect(b / 20_000).toBeGreaterThan(0.72);
		expect(b / 20_000).toBeLessThan(0.78);
	});
});

describe('pickShortestQueue', () => {
	it('prefers the worker with the least work per unit of speed', () => {
		const workers = [w('busy', 1, 3, 0), w('idle', 1, 0, 0)];
		expect(pickShortestQueue(workers, () => 0)?.id).toBe('idle');
	});

	it('counts the coordinator’s own in-flight requests, not just the stale heartbeat queue', () => {
		const workers = [w('a', 1, 0, 2), w('b', 1, 1, 0)];
		expect(pickShortestQueue(workers, () => 0)?.id).toBe('b');
	});

	it('divides the backlog by speed', () => {
		// a: 4/4 = 1, b: 2/1 = 2 → a, although it has more work queued
		const workers = [w('a', 4, 4, 0), w('b', 1, 2, 0)];
		expect(pickShortestQueue(workers, () => 0)?.id).toBe('a');
	});

	it('breaks ties at random so equal workers share the load', () => {
		const workers = [w('a'), w('b'), w('c')];
		expect(pickShortestQueue(workers, () => 0)?.id).toBe('a');
		expect(pickShortestQueue(workers, () => 0.5)?.id).toBe('b');
		expect(pickShortestQueue(workers, () => 0.99)?.id).toBe('c');
	});
});

describe('pick', () => {
	it('dispatches by the named policy', () => {
		const workers = [w('fast-but-busy', 10, 50, 0), w('slow-idle', 1, 0, 0)];
		expect(pick(workers, 'shortest_queue', seq(0))?.id).toBe('slow-idle');
		expect(pick(workers, 'lottery', seq(0))?.id).toBe('fast-but-busy');
	});
});
