// Pairing never repeats a model, follows the weights, and puts each model on either side.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/lib/rating/prng';
import { pairModels } from './arena-pairing';

const seeded = (seed: number) => {
	const rng = createRng(seed);
	return () => rng.next();
};

describe('pairModels', () => {
	it('needs two different models with a positive weight', () => {
		expect(pairModels([], Math.random)).toBeNull();
		expect(pairModels([{ id: 'a', weight: 1 }], Math.random)).toBeNull();
		expect(pairModels([{ id: 'a', weight: 1 }, { id: 'a', weight: 1 }], Math.random)).toBeNull();
		expect(pairModels([{ id: 'a', weight: 1 }, { id: 'b', weight: 0 }], Math.random)).toBeNull();
	});

	it('never pairs a model with itself, and samples by weight with random sides', () => {
		const rng = seeded(7);
		const models = [
			{ id: 'heavy', weight: 8 },
			{ id: 'light', weight: 1 },
			{ id: 'mid', weight: 3 }
		];
		const appearances = new Map<string, number>();
		let heavyOnA = 0;
		const n = 4000;
		for (let i = 0; i < n; i++) {
			const pair = pairModels(models, rng)!;
			expect(pair[0]).not.toBe(pair[1]);
			for (const m of pair) appearances.set(m, (appearances.get(m) ?? 0) + 1);
			if (pair[0] === 'heavy') heavyOnA++;
		}
		expect(appearances.get('heavy')!).toBeGreaterThan(appearances.get('mid')!);
		expect(appearances.get('mid')!).toBeGreaterThan(appearances.get('light')!);
		const heavyShare = heavyOnA / appearances.get('heavy')!;
		expect(heavyShare).toBeGreaterThan(0.45);
		expect(heavyShare).toBeLessThan(0.55);
	});
});
