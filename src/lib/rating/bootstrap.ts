// Bootstrap 95% intervals for Bradley-Terry ratings (FastChat's get_bootstrap_result /
// compute_bootstrap_bt): refit on N battles drawn with replacement, many times; the interval is
// the 2.5th to 97.5th percentile of each model's rating over the rounds (linear interpolation,
// like pandas' quantile).
//
// Why this is cheap: the likelihood depends on the battles only through the counts of each
// (pair, outcome) cell. Drawing N battles with replacement and counting them is exactly a draw of
// the cell counts from Multinomial(N, observed cell frequencies), so a round costs O(cells)
// (3 per pair that ever met), not O(N): the draw is a chain of exact binomials (prng.ts), and each
// refit is a Newton solve warm-started at the full-data θ, typically 3-4 iterations.
//
// A model can draw no battles in a round (only when it has very few); like FastChat's original
// per-battle bootstrap it is then missing (NaN) from that round and its percentiles skip it. Each
// round is placed on the scale like the point estimate: the anchor at its rating if configured
// and present, otherwise the round's mean over the models present equals the point estimate's
// mean over those same models (which is 1000 whenever all are present).
import { type Anchor, fitStrengths, pairScores, POINTS_PER_NAT, toRatingScale } from './bradley-terry';
import type { PairCounts } from './pair-counts';
import { createRng, type Rng, sampleMultinomial } from './prng';

export type BootstrapOptions = { rounds?: number; seed?: number; anchor?: Anchor; l2?: number };

export type BootstrapResult = {
	models: string[];
	/** One Float64Array of ratings per round (NaN: model absent from that round). */
	samples: Float64Array[];
	lower: Float64Array;
	upper: Float64Array;
};

export const DEFAULT_ROUNDS = 100;
export const DEFAULT_SEED = 42;

/** Multinomial resample of the (pair, outcome) cells: returns counts shaped like the input. */
export function resamplePairCounts(counts: PairCounts, rng: Rng): PairCounts {
	const p = counts.pairI.length;
	const cells = new Float64Array(3 * p);
	for (let k = 0; k < p; k++) {
		cells[3 * k] = counts.winsI[k];
		cells[3 * k + 1] = counts.winsJ[k];
		cells[3 * k + 2] = counts.ties[k];
	}
	const drawn = new Float64Array(3 * p);
	sampleMultinomial(rng, counts.total, cells, drawn);
	const winsI = new Float64Array(p);
	const winsJ = new Float64Array(p);
	const ties = new Float64Array(p);
	const votes = new Float64Array(counts.models.length);
	for (let k = 0; k < p; k++) {
		winsI[k] = drawn[3 * k];
		winsJ[k] = drawn[3 * k + 1];
		ties[k] = drawn[3 * k + 2];
		const games = winsI[k] + winsJ[k] + ties[k];
		votes[counts.pairI[k]] += games;
		votes[counts.pairJ[k]] += games;
	}
	return { ...counts, winsI, winsJ, ties, votes };
}

export function bootstrapBradleyTerry(counts: PairCounts, fullTheta: Float64Array, options: BootstrapOptions = {}): BootstrapResult {
	const { rounds = DEFAULT_ROUNDS, seed = DEFAULT_SEED, anchor, l2 } = options;
	const n = counts.models.length;
	const rng = createRng(seed);
	const point = toRatingScale(fullTheta, counts.models, anchor);
	const anchorIndex = anchor ? counts.models.indexOf(anchor.model) : -1;
	const samples: Float64Array[] = [];
	for (let r = 0; r < rounds; r++) {
		const drawn = resamplePairCounts(counts, rng);
		const theta = fitStrengths(pairScores(drawn), { initial: fullTheta, l2 });
		const ratings = new Float64Array(n);
		let shift: number;
		if (anchorIndex >= 0 && drawn.votes[anchorIndex] > 0 && anchor) {
			shift = anchor.rating - theta[anchorIndex] * POINTS_PER_NAT;
		} else {
			let diff = 0;
			let present = 0;
			for (let i = 0; i < n; i++) {
				if (drawn.votes[i] === 0) continue;
				diff += point[i] - theta[i] * POINTS_PER_NAT;
				present++;
			}
			shift = diff / present;
		}
		for (let i = 0; i < n; i++) ratings[i] = drawn.votes[i] > 0 ? theta[i] * POINTS_PER_NAT + shift : NaN;
		samples.push(ratings);
	}
	const lower = new Float64Array(n);
	const upper = new Float64Array(n);
	const column: number[] = [];
	for (let i = 0; i < n; i++) {
		column.length = 0;
		for (const s of samples) if (!Number.isNaN(s[i])) column.push(s[i]);
		column.sort((x, y) => x - y);
		lower[i] = quantileSorted(column, 0.025);
		upper[i] = quantileSorted(column, 0.975);
	}
	return { models: counts.models, samples, lower, upper };
}

/** q-quantile of ascending values, linear between order statistics (numpy's default); NaN if empty. */
export function quantileSorted(sorted: readonly number[], q: number): number {
	if (sorted.length === 0) return NaN;
	const pos = q * (sorted.length - 1);
	const lo = Math.floor(pos);
	const hi = Math.min(lo + 1, sorted.length - 1);
	return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}
