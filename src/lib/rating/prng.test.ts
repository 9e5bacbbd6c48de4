import { describe, expect, it } from 'vitest';
import { createRng, logFactorial, sampleBinomial, sampleMultinomial } from './prng';

function moments(xs: number[]) {
	const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
	const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
	return { mean, variance };
}

describe('createRng', () => {
	it('repeats its sequence for a seed and differs between seeds', () => {
		const draw = (seed: number) => {
			const rng = createRng(seed);
			return Array.from({ length: 5 }, () => rng.next());
		};
		expect(draw(7)).toEqual(draw(7));
		expect(draw(7)).not.toEqual(draw(8));
	});

	it('is uniform on [0, 1)', () => {
		const rng = createRng(1);
		const xs = Array.from({ length: 100_000 }, () => rng.next());
		expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
		expect(Math.max(...xs)).toBeLessThan(1);
		const { mean, variance } = moments(xs);
		expect(mean).toBeCloseTo(0.5, 2);
		expect(variance).toBeCloseTo(1 / 12, 3);
	});
});

describe('logFactorial', () => {
	it('matches the sum of logs on both sides of the table/Stirling switch', () => {
		let exact = 0;
		for (let k = 1; k <= 2000; k++) {
			exact += Math.log(k);
			if (k % 97 === 0 || k === 255 || k === 256) expect(logFactorial(k)).toBeCloseTo(exact, 9);
		}
	});
});

describe('sampleBinomial', () => {
	// Inversion below n·p = 10, BTRS above, and the p > 1/2 reflection.
	const cases: Array<[number, number]> = [
		[20, 0.3],
		[1000, 0.004],
		[40, 0.35],
		[1000, 0.3],
		[1_000_000, 0.2],
		[60, 0.9],
		[1_000_000, 0.999]
	];
	it.each(cases)('Binomial(%d, %d) has mean n·p and variance n·p·(1−p)', (n, p) => {
		const rng = createRng(n + Math.round(p * 1000));
		const draws = 40_000;
		const xs = Array.from({ length: draws }, () => sampleBinomial(rng, n, p));
		expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x <= n)).toBe(true);
		const { mean, variance } = moments(xs);
		const v = n * p * (1 - p);
		expect(Math.abs(mean - n * p)).toBeLessThan(5 * Math.sqrt(v / draws));
		// The sample variance has relative standard error ≈ √(2 / draws) ≈ 0.7%.
		expect(Math.abs(variance / v - 1)).toBeLessThan(0.04);
	});

	it.each([
		[40, 0.35],
		[25, 0.2]
	])('Binomial(%d, %d) matches the pmf (chi-square)', (n, p) => {
		const rng = createRng(99);
		const draws = 200_000;
		const hist = new Array<number>(n + 1).fill(0);
		for (let i = 0; i < draws; i++) hist[sampleBinomial(rng, n, p)]++;
		let chi2 = 0;
		let bins = 0;
		for (let k = 0; k <= n; k++) {
			const expected = draws * Math.exp(logFactorial(n) - logFactorial(k) - logFactorial(n - k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
			if (expected < 5) continue;
			chi2 += (hist[k] - expected) ** 2 / expected;
			bins++;
		}
		// Mean of chi-square is the degrees of freedom; 3× that is far in the tail.
		expect(chi2).toBeLessThan(3 * bins);
	});

	it('handles the edges', () => {
		const rng = createRng(3);
		expect(sampleBinomial(rng, 0, 0.5)).toBe(0);
		expect(sampleBinomial(rng, 10, 0)).toBe(0);
		expect(sampleBinomial(rng, 10, 1)).toBe(10);
	});
});

describe('sampleMultinomial', () => {
	it('draws counts that sum to n, never into empty cells, with multinomial moments', () => {
		const weights = [5, 0, 30, 65, 0];
		const n = 100;
		const rng = createRng(11);
		const out = new Float64Array(weights.length);
		const cols: number[][] = weights.map(() => []);
		for (let r = 0; r < 20_000; r++) {
			sampleMultinomial(rng, n, weights, out);
			expect(out.reduce((s, x) => s + x, 0)).toBe(n);
			out.forEach((x, i) => cols[i].push(x));
		}
		expect(cols[1].every((x) => x === 0) && cols[4].every((x) => x === 0)).toBe(true);
		weights.forEach((w, i) => {
			const p = w / 100;
			const { mean, variance } = moments(cols[i]);
			expect(mean).toBeCloseTo(n * p, 0);
			if (p > 0) expect(variance / (n * p * (1 - p))).toBeCloseTo(1, 1);
		});
	});
});
