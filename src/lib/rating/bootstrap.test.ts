import { describe, expect, it } from 'vitest';
import { indexBattles } from './battle';
import { bootstrapBradleyTerry, quantileSorted, resamplePairCounts } from './bootstrap';
import { fitBradleyTerry, toRatingScale } from './bradley-terry';
import { naiveBootstrap, naiveResample } from './naive';
import { countPairs, type PairCounts } from './pair-counts';
import { createRng } from './prng';
import { generateBattles } from './synthetic';
import { repeat } from './test-support';

function prepare(battles: number, seed = 21) {
	const counts = countPairs(indexBattles(generateBattles({ models: 6, battles, seed }).battles));
	const theta = fitBradleyTerry(counts);
	return { counts, theta, point: toRatingScale(theta, counts.models) };
}

function moments(xs: number[]) {
	const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
	return { mean, variance: xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) };
}

describe('bootstrapBradleyTerry', () => {
	it('gives 95% intervals that contain the point estimate', () => {
		const { counts, theta, point } = prepare(3000);
		const boot = bootstrapBradleyTerry(counts, theta, { rounds: 200, seed: 1 });
		expect(boot.samples).toHaveLength(200);
		counts.models.forEach((_, i) => {
			expect(boot.lower[i]).toBeLessThan(point[i]);
			expect(boot.upper[i]).toBeGreaterThan(point[i]);
		});
	});

	it('gives narrower intervals with more data (about 1/√10 for 10× the battles)', () => {
		const width = (n: number) => {
			const { counts, theta } = prepare(n);
			const boot = bootstrapBradleyTerry(counts, theta, { rounds: 200, seed: 1 });
			return boot.upper.reduce((s, u, i) => s + u - boot.lower[i], 0) / boot.upper.length;
		};
		const ratio = width(30_000) / width(3000);
		expect(ratio).toBeGreaterThan(0.2);
		expect(ratio).toBeLessThan(0.45);
	});

	it('is reproducible for a seed and varies between seeds', () => {
		const { counts, theta } = prepare(2000);
		const a = bootstrapBradleyTerry(counts, theta, { rounds: 30, seed: 5 });
		const b = bootstrapBradleyTerry(counts, theta, { rounds: 30, seed: 5 });
		const c = bootstrapBradleyTerry(counts, theta, { rounds: 30, seed: 6 });
		expect(a).toEqual(b);
		expect(a.lower).not.toEqual(c.lower);
	});

	it('agrees with the naive per-battle bootstrap on interval widths', () => {
		const battles = generateBattles({ models: 5, battles: 4000, seed: 9 }).battles;
		const indexed = indexBattles(battles);
		const counts = countPairs(indexed);
		const fast = bootstrapBradleyTerry(counts, fitBradleyTerry(counts), { rounds: 300, seed: 2 });
		const naive = naiveBootstrap(indexed, { rounds: 300, seed: 3, tolerance: 1e-9 });
		counts.models.forEach((_, i) => {
			const w = fast.upper[i] - fast.lower[i];
			const v = naive.upper[i] - naive.lower[i];
			// Percentile widths from 300 rounds carry ~10% sampling noise each.
			expect(w / v).toBeGreaterThan(0.75);
			expect(w / v).toBeLessThan(1.33);
		});
	});

	it('pins an anchor model and leaves a model missing from a round out of that round', () => {
		// C played only once: many rounds draw no battle of C at all.
		const battles = [...repeat('A', 'B', 'model_a', 30), ...repeat('B', 'A', 'model_a', 20), ...repeat('A', 'C', 'model_b', 1)];
		const counts = countPairs(indexBattles(battles));
		const theta = fitBradleyTerry(counts);
		const boot = bootstrapBradleyTerry(counts, theta, { rounds: 100, seed: 4, anchor: { model: 'B', rating: 1114 } });
		const b = counts.models.indexOf('B');
		const c = counts.models.indexOf('C');
		expect(boot.lower[b]).toBeCloseTo(1114, 9);
		expect(boot.upper[b]).toBeCloseTo(1114, 9);
		const missing = boot.samples.filter((s) => Number.isNaN(s[c])).length;
		expect(missing).toBeGreaterThan(10);
		expect(Number.isFinite(boot.lower[c])).toBe(true);
	});
});

describe('resamplePairCounts', () => {
	it('matches per-battle resampling in distribution (mean and variance of a cell count)', () => {
		const battles = generateBattles({ models: 4, battles: 400, seed: 30 }).battles;
		const indexed = indexBattles(battles);
		const counts = countPairs(indexed);
		const cell = (c: PairCounts) => c.winsI[0];
		const rounds = 6000;
		const fast: number[] = [];
		const naive: number[] = [];
		const rngFast = createRng(1);
		const rngNaive = createRng(2);
		for (let r = 0; r < rounds; r++) {
			fast.push(cell(resamplePairCounts(counts, rngFast)));
			// Same pair slot: resampled battles are recounted in the original model numbering.
			const re = countPairs(naiveResample(indexed, rngNaive));
			const k = [...re.pairI].findIndex((i, s) => i === counts.pairI[0] && re.pairJ[s] === counts.pairJ[0]);
			naive.push(k >= 0 ? re.winsI[k] : 0);
		}
		const p = cell(counts) / counts.total;
		const theory = { mean: counts.total * p, variance: counts.total * p * (1 - p) };
		const f = moments(fast);
		const n = moments(naive);
		const se = Math.sqrt(theory.variance / rounds);
		expect(Math.abs(f.mean - theory.mean)).toBeLessThan(5 * se);
		expect(Math.abs(n.mean - theory.mean)).toBeLessThan(5 * se);
		expect(f.variance / theory.variance).toBeCloseTo(1, 1);
		expect(f.variance / n.variance).toBeCloseTo(1, 1);
	});
});

describe('quantileSorted', () => {
	it('interpolates linearly like numpy and pandas', () => {
		const xs = [1, 2, 3, 4, 10];
		expect(quantileSorted(xs, 0.5)).toBe(3);
		expect(quantileSorted(xs, 0.975)).toBeCloseTo(4 + 0.9 * 6, 12);
		expect(quantileSorted(xs, 0.025)).toBeCloseTo(1.1, 12);
		expect(quantileSorted([], 0.5)).toBeNaN();
	});
});
