// How much one more vote on each pair of models would narrow the leaderboard's intervals: the
// weights of pairing.ts's `active` policy.
//
// The Chatbot Arena paper (arXiv 2403.04132, §5) samples pair a with probability ∝
// sqrt(Σ_aa / n_a) − sqrt(Σ_aa / (n_a + 1)): the expected shrinkage of that pair's interval from one
// more vote. We apply the same idea to what the leaderboard shows, the Bradley-Terry ratings:
//
//   Fisher information  F = Σ_{i<j} (n_ij + prior)·h_ij·(e_i − e_j)(e_i − e_j)ᵀ,   h_ij = p_ij(1 − p_ij)
//   rating covariance   Σ = F⁺ (centred ratings, as the board centres them) = (F + J/n)⁻¹ − J/n
//
// with p_ij from the current fit (ties count half, as in the fit). One more vote on {i, j} adds
// h·e·eᵀ (e = e_i − e_j), so by Sherman–Morrison each variance drops by h·(Σe)_k² / (1 + h·eᵀΣe).
// The pair's gain is the drop of Σ_k sqrt(Σ_kk), i.e. of the mean interval width (a bootstrap
// interval is ≈ ±1.96 standard deviations). It is large for pairs with few votes (big Σ) and for
// close pairs (h near 1/4), and it accounts for what other pairs already say about the two models.
// `prior` pseudo-votes per pair keep Σ finite before every pair has met (a new model).
//
// Cost for n models: one fit per vote snapshot (~0.1 s for 100k votes, most of it counting them), then
// one n×n inverse and O(n³) for all pairs, cached per model list (under 1 ms for 8 models, 5-100 ms
// for 100 on a busy 2-core machine); a draw from the cache is O(n²).
import type { Battle } from './battle';
import { indexBattles } from './battle';
import { fitBradleyTerry } from './bradley-terry';
import { countPairs, type PairCounts } from './pair-counts';
import type { NarrowingSource } from './pairing';

export type ActivePairingOptions = {
	/** Pseudo-votes per pair (at the fitted win probability); keeps an unplayed pair finite. */
	prior?: number;
	/** L2 penalty of the rating fit: keeps a model that won everything finite. */
	l2?: number;
};

export class ActivePairing implements NarrowingSource {
	private readonly index = new Map<string, number>();
	private readonly theta: Float64Array;
	private readonly prior: number;
	private cache: { key: string; gain: Float64Array } | undefined;

	constructor(
		private readonly counts: PairCounts | null,
		options: ActivePairingOptions = {}
	) {
		this.prior = options.prior ?? 0.5;
		if (!(this.prior > 0)) throw new Error(`ActivePairing prior must be positive (got ${this.prior}).`);
		counts?.models.forEach((m, i) => this.index.set(m, i));
		this.theta = counts && counts.total > 0 ? fitBradleyTerry(counts, { l2: options.l2 ?? 0.01 }) : new Float64Array(counts?.models.length ?? 0);
	}

	static fromBattles(battles: readonly Battle[], options?: ActivePairingOptions): ActivePairing {
		return new ActivePairing(battles.length === 0 ? null : countPairs(indexBattles(battles)), options);
	}

	/** Current strength (natural-log units, mean 0 over voted models) of a model; 0 if it has no votes. */
	strength(model: string): number {
		const i = this.index.get(model);
		return i === undefined ? 0 : this.theta[i];
	}

	/** Votes between two models so far (either order, ties included). */
	games(a: string, b: string): number {
		const c = this.counts;
		const i = this.index.get(a);
		const j = this.index.get(b);
		if (!c || i === undefined || j === undefined) return 0;
		let n = 0;
		for (let k = 0; k < c.pairI.length; k++)
			if ((c.pairI[k] === i && c.pairJ[k] === j) || (c.pairI[k] === j && c.pairJ[k] === i)) n += c.winsI[k] + c.winsJ[k] + c.ties[k];
		return n;
	}

	narrowing(models: readonly string[]): Float64Array {
		const key = models.join('\u0000');
		if (this.cache?.key === key) return this.cache.gain;
		const gain = this.compute(models);
		this.cache = { key, gain };
		return gain;
	}

	private compute(models: readonly string[]): Float64Array {
		const n = models.length;
		const gain = new Float64Array(n * n);
		if (n < 2) return gain;
		const theta = models.map((m) => this.strength(m));
		const games = new Float64Array(n * n);
		const c = this.counts;
		if (c) {
			const local = c.models.map((m) => models.indexOf(m));
			for (let k = 0; k < c.pairI.length; k++) {
				const i = local[c.pairI[k]];
				const j = local[c.pairJ[k]];
				if (i < 0 || j < 0) continue;
				const g = c.winsI[k] + c.winsJ[k] + c.ties[k];
				games[i * n + j] += g;
				games[j * n + i] += g;
			}
		}
		const h = (i: number, j: number) => {
			const p = 1 / (1 + Math.exp(theta[j] - theta[i]));
			return p * (1 - p);
		};
		// F + J/n, then Σ = (F + J/n)⁻¹ − J/n.
		const m = new Float64Array(n * n).fill(1 / n);
		for (let i = 0; i < n; i++) {
			for (let j = i + 1; j < n; j++) {
				const w = (games[i * n + j] + this.prior) * h(i, j);
				m[i * n + i] += w;
				m[j * n + j] += w;
				m[i * n + j] -= w;
				m[j * n + i] -= w;
			}
		}
		const sigma = invertSymmetric(m, n);
		for (let k = 0; k < n * n; k++) sigma[k] -= 1 / n;
		const sd = new Float64Array(n);
		for (let k = 0; k < n; k++) sd[k] = Math.sqrt(Math.max(0, sigma[k * n + k]));
		const u = new Float64Array(n);
		for (let i = 0; i < n; i++) {
			for (let j = i + 1; j < n; j++) {
				for (let k = 0; k < n; k++) u[k] = sigma[k * n + i] - sigma[k * n + j];
				const hij = h(i, j);
				const shrink = hij / (1 + hij * (u[i] - u[j]));
				let g = 0;
				for (let k = 0; k < n; k++) g += sd[k] - Math.sqrt(Math.max(0, sigma[k * n + k] - shrink * u[k] * u[k]));
				gain[i * n + j] = g;
				gain[j * n + i] = g;
			}
		}
		return gain;
	}
}

/** Inverse of a symmetric positive definite matrix by Gauss–Jordan elimination (n is small). */
function invertSymmetric(a: Float64Array, n: number): Float64Array {
	const m = Float64Array.from(a);
	const inv = new Float64Array(n * n);
	for (let i = 0; i < n; i++) inv[i * n + i] = 1;
	for (let col = 0; col < n; col++) {
		let pivotRow = col;
		for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[pivotRow * n + col])) pivotRow = r;
		if (pivotRow !== col) {
			for (let k = 0; k < n; k++) {
				[m[col * n + k], m[pivotRow * n + k]] = [m[pivotRow * n + k], m[col * n + k]];
				[inv[col * n + k], inv[pivotRow * n + k]] = [inv[pivotRow * n + k], inv[col * n + k]];
			}
		}
		const d = m[col * n + col];
		for (let k = 0; k < n; k++) {
			m[col * n + k] /= d;
			inv[col * n + k] /= d;
		}
		for (let r = 0; r < n; r++) {
			if (r === col) continue;
			const f = m[r * n + col];
			if (f === 0) continue;
			for (let k = 0; k < n; k++) {
				m[r * n + k] -= f * m[col * n + k];
				inv[r * n + k] -= f * inv[col * n + k];
			}
		}
	}
	return inv;
}

/**
 * An ActivePairing over a vote store, rebuilt once votes have come in and the last build is old enough:
 * `costShare` keeps rebuilding under that share of the time (a build that took 2 ms may be redone after
 * 200 ms at 1%), and never more than `refreshMs` apart. A small arena sees each vote at the next draw;
 * a big one pays for reading its votes at most about 1% of the time.
 */
export function cachedActivePairing(
	source: { countVotes(): number; battles(): readonly Battle[] },
	options: ActivePairingOptions & { refreshMs?: number; costShare?: number } = {}
): (now: number) => ActivePairing {
	const refreshMs = options.refreshMs ?? 30_000;
	const costShare = options.costShare ?? 0.01;
	let current: { pairing: ActivePairing; votes: number; at: number; period: number } | undefined;
	return (now) => {
		if (current && now - current.at < current.period) return current.pairing;
		const votes = source.countVotes();
		if (current && votes === current.votes) return current.pairing;
		const started = performance.now();
		const pairing = ActivePairing.fromBattles(source.battles(), options);
		const buildMs = performance.now() - started;
		current = { pairing, votes, at: now, period: Math.min(refreshMs, buildMs / costShare) };
		return pairing;
	};
}
