// Bradley-Terry ratings by maximum likelihood, FastChat's leaderboard method.
//
//   P(i beats j) = σ(θ_i − θ_j) = 1 / (1 + e^{−(θ_i − θ_j)}) = 1 / (1 + 10^{(R_j − R_i)/400})
//   R_i = c + (400 / ln 10)·θ_i                    (SCALE / ln BASE; c sets the offset, below)
//
// A tie counts as half a win and half a loss. With s_ij = wins of i over j + ties/2 and
// n_ij = battles between i and j, the penalised log-likelihood of the pairwise table is
//
//   ℓ(θ) = Σ_{i<j} [ s_ij·log σ(θ_i − θ_j) + (n_ij − s_ij)·log σ(θ_j − θ_i) ] − (λ/2)·Σ_i θ_i²
//   ∂ℓ/∂θ_i = Σ_j (s_ij − n_ij·σ(θ_i − θ_j)) − λ·θ_i
//   −∂²ℓ/∂θ² = L + λ·I,  L the Laplacian with edge weights n_ij·σ_ij·(1 − σ_ij)   (positive definite)
//
// Fitted by Newton's method (Cholesky solve, step halving if ℓ would fall) to |Δθ| < 1e-10, a few
// iterations from a warm start. λ = 1e-6 per battle-unit is FastChat's "no penalty" made safe: it
// moves ratings by ~1e-4 points on real data, but keeps a model that won every vote finite and
// makes the optimum unique. Because ℓ is unchanged by adding a constant to every θ, the penalty
// puts the optimum at Σθ = 0; FastChat's unpenalised fit lands there too (its optimiser starts
// at 0 and every gradient sums to 0), so its raw offset +1000 is a mean of 1000. We centre the
// same way: mean rating 1000 over the rated models, unless an anchor model (FastChat:
// mixtral-8x7b-instruct-v0.1 = 1114) is configured and present, which then gets its rating.
import type { Battle } from './battle';
import { indexBattles } from './battle';
import { countPairs, type PairCounts } from './pair-counts';

export const SCALE = 400;
export const BASE = 10;
export const INIT_RATING = 1000;
/** Rating points per natural-log unit of strength. */
export const POINTS_PER_NAT = SCALE / Math.log(BASE);
export const DEFAULT_L2 = 1e-6;

export type Anchor = { model: string; rating: number };

export type FitOptions = {
	/** L2 penalty λ on θ (natural-log units). */
	l2?: number;
	/** Stop when no θ moves more than this (natural-log units). */
	tolerance?: number;
	maxIterations?: number;
	/** Warm start (copied, not changed). */
	initial?: Float64Array;
};

/** The pairwise table as the fit sees it: score s = wins + ties/2 and games n per pair. */
export type PairScores = { n: number; pairI: Int32Array; pairJ: Int32Array; score: Float64Array; games: Float64Array };

export function pairScores(counts: PairCounts): PairScores {
	const p = counts.pairI.length;
	const score = new Float64Array(p);
	const games = new Float64Array(p);
	for (let k = 0; k < p; k++) {
		score[k] = counts.winsI[k] + 0.5 * counts.ties[k];
		games[k] = counts.winsI[k] + counts.winsJ[k] + counts.ties[k];
	}
	return { n: counts.models.length, pairI: counts.pairI, pairJ: counts.pairJ, score, games };
}

function logSigmoid(d: number): number {
	return d >= 0 ? -Math.log1p(Math.exp(-d)) : d - Math.log1p(Math.exp(d));
}

function objective(data: PairScores, theta: Float64Array, l2: number): number {
	const { pairI, pairJ, score, games } = data;
	let f = 0;
	for (let k = 0; k < score.length; k++) {
		if (games[k] === 0) continue;
		const d = theta[pairI[k]] - theta[pairJ[k]];
		f += score[k] * logSigmoid(d) + (games[k] - score[k]) * logSigmoid(-d);
	}
	let sq = 0;
	for (let i = 0; i < theta.length; i++) sq += theta[i] * theta[i];
	return f - 0.5 * l2 * sq;
}

/** Maximise ℓ(θ); returns θ in natural-log units (Σθ ≈ 0). */
export function fitStrengths(data: PairScores, options: FitOptions = {}): Float64Array {
	const { n, pairI, pairJ, score, games } = data;
	const l2 = Math.max(options.l2 ?? DEFAULT_L2, 1e-12); // λ > 0 keeps the Newton system definite
	const tolerance = options.tolerance ?? 1e-10;
	const maxIterations = options.maxIterations ?? 200;
	let theta = options.initial ? Float64Array.from(options.initial) : new Float64Array(n);
	let trial = new Float64Array(n);
	const hessian = new Float64Array(n * n);
	const grad = new Float64Array(n);
	let f = objective(data, theta, l2);
	for (let iter = 0; iter < maxIterations; iter++) {
		hessian.fill(0);
		for (let i = 0; i < n; i++) {
			grad[i] = -l2 * theta[i];
			hessian[i * n + i] = l2;
		}
		for (let k = 0; k < score.length; k++) {
			const m = games[k];
			if (m === 0) continue;
			const i = pairI[k];
			const j = pairJ[k];
			const s = 1 / (1 + Math.exp(theta[j] - theta[i]));
			const r = score[k] - m * s;
			grad[i] += r;
			grad[j] -= r;
			const h = m * s * (1 - s);
			hessian[i * n + i] += h;
			hessian[j * n + j] += h;
			hessian[i * n + j] -= h;
			hessian[j * n + i] -= h;
		}
		const step = choleskySolve(hessian, grad, n, l2);
		let t = 1;
		let fNew: number;
		for (;;) {
			for (let i = 0; i < n; i++) trial[i] = theta[i] + t * step[i];
			fNew = objective(data, trial, l2);
			// Accept unless ℓ clearly fell; differences at rounding level mean we are at the optimum.
			if (fNew >= f - 1e-12 * (1 + Math.abs(f)) || t < 1e-10) break;
			t *= 0.5;
		}
		[theta, trial] = [trial, theta];
		f = fNew;
		// Converged when the step, less its common part, is below tolerance: a shift of every θ
		// changes no rating (the scale is re-centred) and carries the rounding noise of the nearly
		// singular direction (1,…,1), so it must not keep the loop going.
		let common = 0;
		for (let i = 0; i < n; i++) common += step[i] / n;
		let moved = 0;
		for (let i = 0; i < n; i++) moved = Math.max(moved, Math.abs(t * (step[i] - common)));
		if (moved < tolerance) break;
	}
	return theta;
}

/** Solve A·x = b for symmetric positive definite A (overwritten by its Cholesky factor). */
function choleskySolve(a: Float64Array, b: Float64Array, n: number, floor: number): Float64Array {
	for (let j = 0; j < n; j++) {
		const rowJ = j * n;
		let d = a[rowJ + j];
		for (let k = 0; k < j; k++) d -= a[rowJ + k] * a[rowJ + k];
		// The Laplacian part is singular along (1,…,1); only λ lifts that direction, so rounding
		// could leave a tiny negative pivot on huge counts. Clamp to λ, which is what it should be.
		const pivot = Math.sqrt(d > floor * 1e-3 ? d : floor);
		a[rowJ + j] = pivot;
		for (let i = j + 1; i < n; i++) {
			const rowI = i * n;
			let s = a[rowI + j];
			for (let k = 0; k < j; k++) s -= a[rowI + k] * a[rowJ + k];
			a[rowI + j] = s / pivot;
		}
	}
	const x = Float64Array.from(b);
	for (let i = 0; i < n; i++) {
		let s = x[i];
		for (let k = 0; k < i; k++) s -= a[i * n + k] * x[k];
		x[i] = s / a[i * n + i];
	}
	for (let i = n - 1; i >= 0; i--) {
		let s = x[i];
		for (let k = i + 1; k < n; k++) s -= a[k * n + i] * x[k];
		x[i] = s / a[i * n + i];
	}
	return x;
}

export function fitBradleyTerry(counts: PairCounts, options: FitOptions = {}): Float64Array {
	return fitStrengths(pairScores(counts), options);
}

/**
 * Ratings on the Elo scale: R = c + θ·400/ln 10, with c putting `anchor` at its rating when it is
 * among `models`, else making the mean 1000.
 */
export function toRatingScale(theta: Float64Array, models: readonly string[], anchor?: Anchor): Float64Array {
	const ratings = theta.map((t) => t * POINTS_PER_NAT);
	const a = anchor ? models.indexOf(anchor.model) : -1;
	let shift: number;
	if (a >= 0 && anchor) {
		shift = anchor.rating - ratings[a];
	} else {
		let mean = 0;
		for (const r of ratings) mean += r / ratings.length;
		shift = INIT_RATING - mean;
	}
	return ratings.map((r) => r + shift);
}

/** Bradley-Terry ratings of every model in `battles` (all of them: filter first if needed). */
export function computeBradleyTerry(battles: readonly Battle[], options: { anchor?: Anchor } & FitOptions = {}): Map<string, number> {
	const counts = countPairs(indexBattles(battles));
	const ratings = toRatingScale(fitBradleyTerry(counts, options), counts.models, options.anchor);
	return new Map(counts.models.map((m, i) => [m, ratings[i]]));
}
