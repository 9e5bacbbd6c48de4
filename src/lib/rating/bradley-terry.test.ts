import { describe, expect, it } from 'vitest';
import { indexBattles, type Battle } from './battle';
import { computeBradleyTerry, fitBradleyTerry, POINTS_PER_NAT } from './bradley-terry';
import { naiveBradleyTerry } from './naive';
import { countPairs } from './pair-counts';
import { createRng } from './prng';
import { generateBattles } from './synthetic';
import { repeat, shuffled } from './test-support';

const mean = (m: Map<string, number>) => [...m.values()].reduce((s, x) => s + x, 0) / m.size;
const get = (m: Map<string, number>, k: string) => m.get(k) as number;

describe('computeBradleyTerry', () => {
	it('puts a model that wins 3 of 4 exactly 400·log10(3) above, centred on 1000', () => {
		const bt = computeBradleyTerry([...repeat('A', 'B', 'model_a', 2), ...repeat('B', 'A', 'model_b', 1), ...repeat('A', 'B', 'model_b', 1)]);
		expect(get(bt, 'A') - get(bt, 'B')).toBeCloseTo(400 * Math.log10(3), 2);
		expect(mean(bt)).toBeCloseTo(1000, 9);
	});

	it('counts a tie as half a win and half a loss, both kinds alike', () => {
		// 2 wins + 2 ties = a score of 3 out of 4.
		const withTies = computeBradleyTerry([...repeat('A', 'B', 'model_a', 2), ...repeat('A', 'B', 'tie', 1), ...repeat('B', 'A', 'tie (bothbad)', 1)]);
		expect(get(withTies, 'A') - get(withTies, 'B')).toBeCloseTo(400 * Math.log10(3), 2);
		const allTies = computeBradleyTerry(repeat('A', 'B', 'tie', 5));
		expect(get(allTies, 'A')).toBeCloseTo(1000, 9);
	});

	it('solves a three-model chain by hand: A 3:1 over B, B 3:1 over C, A–C never met', () => {
		const bt = computeBradleyTerry([...repeat('A', 'B', 'model_a', 3), ...repeat('A', 'B', 'model_b', 1), ...repeat('B', 'C', 'model_a', 3), ...repeat('C', 'B', 'model_a', 1)]);
		const step = 400 * Math.log10(3);
		expect(get(bt, 'A') - get(bt, 'B')).toBeCloseTo(step, 2);
		expect(get(bt, 'B') - get(bt, 'C')).toBeCloseTo(step, 2);
		expect(get(bt, 'B')).toBeCloseTo(1000, 6);
	});

	it('centres the mean on 1000 for any data', () => {
		const { battles } = generateBattles({ models: 9, battles: 3000, seed: 3 });
		expect(mean(computeBradleyTerry(battles))).toBeCloseTo(1000, 8);
	});

	it('anchors a named model at its rating without changing the differences', () => {
		const { battles } = generateBattles({ models: 5, battles: 2000, seed: 4 });
		const centred = computeBradleyTerry(battles);
		const anchored = computeBradleyTerry(battles, { anchor: { model: 'model-02', rating: 1114 } });
		expect(get(anchored, 'model-02')).toBeCloseTo(1114, 9);
		const shift = 1114 - get(centred, 'model-02');
		for (const [m, r] of centred) expect(get(anchored, m)).toBeCloseTo(r + shift, 9);
		// An anchor that never played falls back to the mean of 1000, as FastChat does.
		expect(computeBradleyTerry(battles, { anchor: { model: 'absent', rating: 1114 } })).toEqual(centred);
	});

	it('does not depend on the order of the battles', () => {
		const { battles } = generateBattles({ models: 8, battles: 4000, seed: 8 });
		const a = computeBradleyTerry(battles);
		const b = computeBradleyTerry(shuffled(battles, 2));
		for (const [m, r] of a) expect(get(b, m)).toBeCloseTo(r, 7);
	});

	it('keeps a model that won every battle finite and on top', () => {
		const bt = computeBradleyTerry([...repeat('A', 'B', 'model_a', 4), ...repeat('B', 'C', 'model_a', 3), ...repeat('C', 'B', 'model_a', 1)]);
		const a = get(bt, 'A');
		expect(Number.isFinite(a)).toBe(true);
		expect(a).toBeGreaterThan(get(bt, 'B') + 1000);
	});

	it('recovers the true ratings of synthetic Bradley-Terry votes', () => {
		const { battles, trueRatings } = generateBattles({ models: 10, battles: 200_000, seed: 12 });
		const bt = computeBradleyTerry(battles);
		for (const [m, r] of trueRatings) expect(Math.abs(get(bt, m) - r)).toBeLessThan(8);
	});
});

describe('fitBradleyTerry against plain gradient ascent on the per-battle likelihood', () => {
	it.each([1, 2, 3])('agrees to 0.01 rating points on random data (seed %d)', (seed) => {
		const rng = createRng(seed);
		const models = Array.from({ length: 7 }, (_, i) => `m${i}`);
		const strength = models.map(() => rng.next() * 3 - 1.5);
		const battles: Battle[] = [];
		for (let k = 0; k < 1500; k++) {
			const i = Math.floor(rng.next() * models.length);
			const j = (i + 1 + Math.floor(rng.next() * (models.length - 1))) % models.length;
			const p = 1 / (1 + Math.exp(strength[j] - strength[i]));
			const u = rng.next();
			battles.push({ model_a: models[i], model_b: models[j], winner: u < 0.15 ? 'tie' : u < 0.2 ? 'tie (bothbad)' : rng.next() < p ? 'model_a' : 'model_b' });
		}
		const indexed = indexBattles(battles);
		const fast = fitBradleyTerry(countPairs(indexed));
		const reference = naiveBradleyTerry(indexed, { tolerance: 1e-13 });
		const centre = (t: Float64Array) => {
			const m = t.reduce((s, x) => s + x, 0) / t.length;
			return [...t].map((x) => (x - m) * POINTS_PER_NAT);
		};
		const a = centre(fast);
		const b = centre(reference);
		for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(0.01);
	});
});
