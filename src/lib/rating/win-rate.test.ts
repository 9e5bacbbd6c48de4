import { describe, expect, it } from 'vitest';
import type { Battle } from './battle';
import { observedPairwise, predictWinRate } from './win-rate';

describe('predictWinRate', () => {
	it('turns rating gaps into win probabilities: 400 points is 10 to 1', () => {
		const m = predictWinRate(new Map([['A', 1400], ['B', 1000], ['C', 1000]]));
		expect(m[0][1]).toBeCloseTo(10 / 11, 12);
		expect(m[1][0]).toBeCloseTo(1 / 11, 12);
		expect(m[1][2]).toBe(0.5);
		expect(m[0][0]).toBeNaN();
	});

	it('follows the requested order', () => {
		const m = predictWinRate(new Map([['A', 1400], ['B', 1000]]), ['B', 'A']);
		expect(m[0][1]).toBeCloseTo(1 / 11, 12);
	});
});

describe('observedPairwise', () => {
	const battles: Battle[] = [
		{ model_a: 'A', model_b: 'B', winner: 'model_a' },
		{ model_a: 'B', model_b: 'A', winner: 'model_a' },
		{ model_a: 'B', model_b: 'A', winner: 'model_b' },
		{ model_a: 'A', model_b: 'B', winner: 'tie' },
		{ model_a: 'A', model_b: 'C', winner: 'tie (bothbad)' }
	];

	it('pools both positions and leaves ties out of the win fraction, as FastChat does', () => {
		const { models, winFraction, decisive, battles: all } = observedPairwise(battles);
		expect(models).toEqual(['A', 'B', 'C']);
		expect(winFraction[0][1]).toBeCloseTo(2 / 3, 12);
		expect(winFraction[1][0]).toBeCloseTo(1 / 3, 12);
		expect(decisive[0][1]).toBe(3);
		expect(all[0][1]).toBe(4);
		expect(all[2][0]).toBe(1);
		expect(winFraction[0][2]).toBeNaN();
		expect(winFraction[0][0]).toBeNaN();
	});

	it('restricts to and orders by the given models', () => {
		const { models, winFraction } = observedPairwise(battles, ['B', 'A']);
		expect(models).toEqual(['B', 'A']);
		expect(winFraction[0][1]).toBeCloseTo(1 / 3, 12);
	});
});
