// Style control: Bradley-Terry with style covariates, FastChat's compute_style_control
// (fastchat/serve/monitor/rating_systems.py: preprocess_for_style, contextual_bt_loss_and_grad,
// fit_contextual_bt, compute_bootstrap_style_control), reimplemented.
//
// Features (preprocess_for_style, STYLE_CONTROL_ELEMENTS_V1): for each battle and each of
// assistant tokens, header count, list count and bold count (a count object is summed over its
// kinds), f = (a − b) / (a + b + 1); each column is then standardised over the battles
// (mean 0, population std 1). A column with std 0 (the feature never differs) would be 0/0 in
// FastChat; here it is all zeros, so its coefficient is 0.
//
// Model (contextual_bt_loss_and_grad): with θ in log10 units and α = ln 10,
//   P(A wins) = σ(α(θ_a − θ_b) + x·β),   y = 1 (A won), 0 (B won), 0.5 (either tie)
//   loss(θ, β) = −Σ [y log p + (1 − y) log(1 − p)] + (reg/2)·(|θ|² + |β|²),  reg = 0.5
// (FastChat: half_reg·⟨params, params⟩ with half_reg = reg/2, gradient reg·params). Start at 0.
// FastChat minimises with L-BFGS-B (gtol 1e-6, ≤100 iterations); we use Newton's method on the same
// strictly convex loss to |step| < 1e-10, i.e. the same optimum, more tightly. Because every battle
// adds +g to θ_a and −g to θ_b, the optimum has Σθ = 0: the mean rating is 1000.
// Ratings: R = 1000 + 400·θ (scale_and_offset), or the anchor model pinned to its rating.
//
// Bootstrap (compute_bootstrap_style_control): refit on N battles drawn with replacement (here: a
// multinomial count per battle, the same distribution), features kept as standardised on the full
// data, each round warm-started at the full fit. Intervals are the 2.5/97.5 percentiles; a model
// that drew no battle in a round is left out of that round (FastChat would report the prior, 1000).
import { filterCounted, indexBattles, sortByTimestamp, type Battle } from './battle';
import { DEFAULT_ROUNDS, DEFAULT_SEED, quantileSorted } from './bootstrap';
import type { Anchor } from './bradley-terry';
import { totalCount } from './conv-metadata';
import { computeLeaderboard, rankByIntervals } from './leaderboard';
import { createRng, sampleMultinomial } from './prng';

export const STYLE_ELEMENTS = [
	['sum_assistant_a_tokens', 'sum_assistant_b_tokens'],
	['header_count_a', 'header_count_b'],
	['list_count_a', 'list_count_b'],
	['bold_count_a', 'bold_count_b']
] as const;
/** Coefficient names, in FastChat's order. */
export const STYLE_FEATURE_NAMES = ['length', 'header', 'list', 'bold'] as const;
export const STYLE_REG = 0.5;
const ALPHA = Math.LN10;

export type StyleData = {
	models: string[];
	a: Int32Array;
	b: Int32Array;
	/** 1, 0.5 or 0: A's score. */
	y: Float64Array;
	/** N × k standardised features, row-major. */
	x: Float64Array;
	k: number;
	mean: Float64Array;
	std: Float64Array;
};

/** Battles with `conv_metadata` and those without (style control can only use the first). */
export function splitByStyleMetadata(battles: readonly Battle[]): { withMetadata: Battle[]; without: number } {
	const withMetadata = battles.filter((b) => b.conv_metadata !== undefined);
	return { withMetadata, without: battles.length - withMetadata.length };
}

/** preprocess_for_style. Every battle must carry conv_metadata. */
export function styleData(battles: readonly Battle[]): StyleData {
	const { models, a, b, outcome } = indexBattles(battles);
	const n = battles.length;
	const k = STYLE_ELEMENTS.length;
	const y = new Float64Array(n);
	const x = new Float64Array(n * k);
	for (let r = 0; r < n; r++) {
		y[r] = outcome[r] === 0 ? 1 : outcome[r] === 1 ? 0 : 0.5;
		const meta = battles[r].conv_metadata as Record<string, unknown> | undefined;
		if (!meta) throw new Error(`battle ${r + 1} (${battles[r].model_a} vs ${battles[r].model_b}) has no conv_metadata; style control needs the answers' token and markdown counts.`);
		for (let f = 0; f < k; f++) {
			const [ka, kb] = STYLE_ELEMENTS[f];
			const va = feature(meta, ka, r);
			const vb = feature(meta, kb, r);
			x[r * k + f] = (va - vb) / (va + vb + 1);
		}
	}
	const mean = new Float64Array(k);
	const std = new Float64Array(k);
	for (let f = 0; f < k; f++) {
		let s = 0;
		for (let r = 0; r < n; r++) s += x[r * k + f];
		mean[f] = n > 0 ? s / n : 0;
		let v = 0;
		for (let r = 0; r < n; r++) v += (x[r * k + f] - mean[f]) ** 2;
		std[f] = n > 0 ? Math.sqrt(v / n) : 0;
		for (let r = 0; r < n; r++) x[r * k + f] = std[f] > 0 ? (x[r * k + f] - mean[f]) / std[f] : 0;
	}
	return { models, a, b, y, x, k, mean, std };
}

function feature(meta: Record<string, unknown>, key: string, row: number): number {
	const v = meta[key];
	if (typeof v === 'number') return v;
	if (v && typeof v === 'object') return totalCount(v as Record<string, number>);
	throw new Error(`battle ${row + 1}: conv_metadata.${key} is missing; expected a count or an object of counts.`);
}

export type ContextualFitOptions = { reg?: number; weights?: Float64Array; initial?: Float64Array; tolerance?: number; maxIterations?: number };

/** Minimise FastChat's contextual BT loss; returns [θ (models, log10 units) …, β (features) …]. */
export function fitContextualBT(data: StyleData, options: ContextualFitOptions = {}): Float64Array {
	const { models, a, b, y, x, k } = data;
	const { reg = STYLE_REG, weights, tolerance = 1e-10, maxIterations = 100 } = options;
	const m = models.length;
	const d = m + k;
	const n = y.length;
	let params: Float64Array = options.initial ? Float64Array.from(options.initial) : new Float64Array(d);
	const grad = new Float64Array(d);
	const hess = new Float64Array(d * d);
	const g = new Float64Array(k);
	let f = loss(data, params, reg, weights);
	for (let iter = 0; iter < maxIterations; iter++) {
		hess.fill(0);
		for (let i = 0; i < d; i++) {
			grad[i] = reg * params[i];
			hess[i * d + i] = reg;
		}
		for (let r = 0; r < n; r++) {
			const w = weights ? weights[r] : 1;
			if (w === 0) continue;
			const ia = a[r];
			const ib = b[r];
			let logit = ALPHA * (params[ia] - params[ib]);
			for (let j = 0; j < k; j++) logit += x[r * k + j] * params[m + j];
			const p = 1 / (1 + Math.exp(-logit));
			const e = w * (y[r] - p);
			const h = w * p * (1 - p);
			// ∂logit/∂params: +α at a, −α at b, x at the features.
			grad[ia] -= ALPHA * e;
			grad[ib] += ALPHA * e;
			for (let j = 0; j < k; j++) g[j] = x[r * k + j];
			for (let j = 0; j < k; j++) grad[m + j] -= g[j] * e;
			const hAA = h * ALPHA * ALPHA;
			hess[ia * d + ia] += hAA;
			hess[ib * d + ib] += hAA;
			hess[ia * d + ib] -= hAA;
			hess[ib * d + ia] -= hAA;
			for (let j = 0; j < k; j++) {
				const c = h * ALPHA * g[j];
				hess[ia * d + m + j] += c;
				hess[(m + j) * d + ia] += c;
				hess[ib * d + m + j] -= c;
				hess[(m + j) * d + ib] -= c;
				for (let l = 0; l < k; l++) hess[(m + j) * d + m + l] += h * g[j] * g[l];
			}
		}
		const step = solveSpd(hess, grad, d);
		let t = 1;
		let trial: Float64Array;
		let fNew: number;
		for (;;) {
			trial = params.map((v, i) => v - t * step[i]);
			fNew = loss(data, trial, reg, weights);
			if (fNew <= f + 1e-12 * (1 + Math.abs(f)) || t < 1e-10) break;
			t *= 0.5;
		}
		params = trial;
		f = fNew;
		let moved = 0;
		for (let i = 0; i < d; i++) moved = Math.max(moved, Math.abs(t * step[i]));
		if (moved < tolerance) break;
	}
	return params;
}

function loss(data: StyleData, params: Float64Array, reg: number, weights?: Float64Array): number {
	const { models, a, b, y, x, k } = data;
	const m = models.length;
	let f = 0;
	for (let r = 0; r < y.length; r++) {
		const w = weights ? weights[r] : 1;
		if (w === 0) continue;
		let logit = ALPHA * (params[a[r]] - params[b[r]]);
		for (let j = 0; j < k; j++) logit += x[r * k + j] * params[m + j];
		// −[y log σ(z) + (1−y) log σ(−z)], stably
		f += w * (y[r] * softplus(-logit) + (1 - y[r]) * softplus(logit));
	}
	let sq = 0;
	for (const v of params) sq += v * v;
	return f + 0.5 * reg * sq;
}

function softplus(z: number): number {
	return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Solve A·x = b, A symmetric positive definite (copied), by Cholesky. */
function solveSpd(matrix: Float64Array, rhs: Float64Array, n: number): Float64Array {
	const l = Float64Array.from(matrix);
	for (let j = 0; j < n; j++) {
		let s = l[j * n + j];
		for (let q = 0; q < j; q++) s -= l[j * n + q] ** 2;
		const pivot = Math.sqrt(Math.max(s, 1e-300));
		l[j * n + j] = pivot;
		for (let i = j + 1; i < n; i++) {
			let v = l[i * n + j];
			for (let q = 0; q < j; q++) v -= l[i * n + q] * l[j * n + q];
			l[i * n + j] = v / pivot;
		}
	}
	const z = Float64Array.from(rhs);
	for (let i = 0; i < n; i++) {
		let s = z[i];
		for (let q = 0; q < i; q++) s -= l[i * n + q] * z[q];
		z[i] = s / l[i * n + i];
	}
	for (let i = n - 1; i >= 0; i--) {
		let s = z[i];
		for (let q = i + 1; q < n; q++) s -= l[q * n + i] * z[q];
		z[i] = s / l[i * n + i];
	}
	return z;
}

/** scale_and_offset: 1000 + 400·θ, then the anchor (if present) moved to its rating. */
export function scaleStyleRatings(theta: ArrayLike<number>, models: readonly string[], anchor?: Anchor): Float64Array {
	const out = Float64Array.from({ length: models.length }, (_, i) => 1000 + 400 * theta[i]);
	const ai = anchor ? models.indexOf(anchor.model) : -1;
	if (anchor && ai >= 0) {
		const shift = anchor.rating - out[ai];
		for (let i = 0; i < out.length; i++) out[i] += shift;
	}
	return out;
}

export type StyleCoefficient = { name: string; value: number; ci: [number, number] };

export type StyleControlOptions = { bootstrapRounds?: number; seed?: number; anchor?: Anchor; reg?: number };

export type StyleControlFit = {
	models: string[];
	ratings: Float64Array;
	lower: Float64Array;
	upper: Float64Array;
	coefficients: StyleCoefficient[];
	votes: Float64Array;
};

/** compute_style_control + compute_bootstrap_style_control on exactly these battles (filter first). */
export function computeStyleControl(battles: readonly Battle[], options: StyleControlOptions = {}): StyleControlFit {
	const { bootstrapRounds = DEFAULT_ROUNDS, seed = DEFAULT_SEED, anchor, reg = STYLE_REG } = options;
	const data = styleData(battles);
	const m = data.models.length;
	const k = data.k;
	const n = data.y.length;
	const full = fitContextualBT(data, { reg });
	const ratings = scaleStyleRatings(full, data.models, anchor);
	const votes = new Float64Array(m);
	for (let r = 0; r < n; r++) {
		votes[data.a[r]]++;
		votes[data.b[r]]++;
	}
	const lower = Float64Array.from(ratings);
	const upper = Float64Array.from(ratings);
	const coefLow = Float64Array.from(full.subarray(m));
	const coefHigh = Float64Array.from(full.subarray(m));
	if (bootstrapRounds > 0 && n > 0) {
		const rng = createRng(seed);
		const ones = new Float64Array(n).fill(1);
		const weights = new Float64Array(n);
		const modelSamples: number[][] = Array.from({ length: m }, () => []);
		const coefSamples: number[][] = Array.from({ length: k }, () => []);
		const present = new Float64Array(m);
		for (let round = 0; round < bootstrapRounds; round++) {
			sampleMultinomial(rng, n, ones, weights);
			present.fill(0);
			for (let r = 0; r < n; r++) {
				if (weights[r] === 0) continue;
				present[data.a[r]] = 1;
				present[data.b[r]] = 1;
			}
			const params = fitContextualBT(data, { reg, weights, initial: full });
			const scaled = scaleStyleRatings(params, data.models, anchor);
			for (let i = 0; i < m; i++) if (present[i]) modelSamples[i].push(scaled[i]);
			for (let j = 0; j < k; j++) coefSamples[j].push(params[m + j]);
		}
		for (let i = 0; i < m; i++) {
			const s = modelSamples[i].sort((p, q) => p - q);
			lower[i] = quantileSorted(s, 0.025);
			upper[i] = quantileSorted(s, 0.975);
		}
		for (let j = 0; j < k; j++) {
			const s = coefSamples[j].sort((p, q) => p - q);
			coefLow[j] = quantileSorted(s, 0.025);
			coefHigh[j] = quantileSorted(s, 0.975);
		}
	}
	const coefficients = STYLE_FEATURE_NAMES.map((name, j): StyleCoefficient => ({ name, value: full[m + j], ci: [coefLow[j], coefHigh[j]] }));
	return { models: data.models, ratings, lower, upper, coefficients, votes };
}

export type StyleControlRow = {
	model: string;
	rating: number;
	ci: [number, number];
	votes: number;
	rank: number;
	rawRating: number;
	rawRank: number;
	/** rawRank − rank: positive when style control moves the model up. */
	rankChange: number;
};

export type StyleControlBoard = { rows: StyleControlRow[]; coefficients: StyleCoefficient[]; leftOut: number };

/**
 * The style-controlled leaderboard beside the raw one, on the same battles: anonymous ones with
 * conv_metadata (`leftOut` counts anonymous battles without it), in tstamp order. Rows best first.
 */
export function computeStyleControlLeaderboard(battles: readonly Battle[], options: StyleControlOptions = {}): StyleControlBoard {
	const { withMetadata, without } = splitByStyleMetadata(sortByTimestamp(filterCounted(battles)));
	const fit = computeStyleControl(withMetadata, options);
	const raw = computeLeaderboard(withMetadata, { bootstrapRounds: options.bootstrapRounds, seed: options.seed, anchor: options.anchor });
	const rawBy = new Map(raw.map((r) => [r.model, r]));
	const ranks = rankByIntervals(fit.models.map((_, i): [number, number] => [fit.lower[i], fit.upper[i]]));
	const rows = fit.models.map((model, i): StyleControlRow => {
		const r = rawBy.get(model);
		const rawRank = r?.rank ?? NaN;
		return {
			model,
			rating: fit.ratings[i],
			ci: [fit.lower[i], fit.upper[i]],
			votes: fit.votes[i],
			rank: ranks[i],
			rawRating: r?.rating ?? NaN,
			rawRank,
			rankChange: rawRank - ranks[i]
		};
	});
	rows.sort((p, q) => q.rating - p.rating || (p.model < q.model ? -1 : p.model > q.model ? 1 : 0));
	return { rows, coefficients: fit.coefficients, leftOut: without };
}
