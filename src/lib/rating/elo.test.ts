import { describe, expect, it } from 'vitest';
import type { Battle } from './battle';
import { computeElo } from './elo';
import { generateBattles } from './synthetic';
import { shuffled } from './test-support';

describe('computeElo', () => {
	it('follows the K=4 update by hand', () => {
		const battles: Battle[] = [
			{ model_a: 'A', model_b: 'B', winner: 'model_a' }, // E = 0.5: A 1002, B 998
			{ model_a: 'B', model_b: 'A', winner: 'tie' }, // E_A = 1/(1+10^(-4/400)) = 0.5057560
			{ model_a: 'C', model_b: 'A', winner: 'model_a' }
		];
		const elo = computeElo(battles);
		// After battle 2: A = 1002 + 4·(0.5 − 0.5057560) = 1001.9769761, B = 998.0230239.
		// Battle 3: E_C = 1/(1+10^(1.9769761/400)) = 0.4971543, C = 1000 + 4·(1 − 0.4971543) = 1002.0113828.
		expect(elo.get('A')).toBeCloseTo(1001.9769761 - 2.0113828, 5);
		expect(elo.get('B')).toBeCloseTo(998.0230239, 5);
		expect(elo.get('C')).toBeCloseTo(1002.0113828, 5);
	});

	it("scores 'tie (bothbad)' exactly like 'tie'", () => {
		const tie = computeElo([{ model_a: 'A', model_b: 'B', winner: 'model_a' }, { model_a: 'A', model_b: 'B', winner: 'tie' }]);
		const bad = computeElo([{ model_a: 'A', model_b: 'B', winner: 'model_a' }, { model_a: 'A', model_b: 'B', winner: 'tie (bothbad)' }]);
		expect(bad).toEqual(tie);
	});

	it('is zero-sum (mean stays 1000) and depends on battle order', () => {
		const { battles } = generateBattles({ models: 6, battles: 2000, seed: 5 });
		const mean = (m: Map<string, number>) => [...m.values()].reduce((s, x) => s + x, 0) / m.size;
		const inOrder = computeElo(battles);
		const reordered = computeElo(shuffled(battles, 1));
		expect(mean(inOrder)).toBeCloseTo(1000, 9);
		expect(mean(reordered)).toBeCloseTo(1000, 9);
		const moved = Math.max(...[...inOrder].map(([m, r]) => Math.abs(r - (reordered.get(m) as number))));
		expect(moved).toBeGreaterThan(1);
	});

	it('takes K, scale and starting rating as options', () => {
		const elo = computeElo([{ model_a: 'A', model_b: 'B', winner: 'model_b' }], { k: 32, initRating: 1500 });
		expect(elo.get('A')).toBe(1484);
		expect(elo.get('B')).toBe(1516);
	});
});
