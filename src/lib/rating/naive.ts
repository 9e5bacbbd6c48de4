// Straightforward yardsticks, deliberately simple and slow: Bradley-Terry by plain gradient ascent
// on the per-battle log-likelihood (the same penalised ℓ as bradley-terry.ts, summed battle by
// battle), and a bootstrap that resamples every battle each round. Tests check the fast code
// against these; the bench times them as the same-run baseline.
import type { IndexedBattles } from './battle';
import { A_WINS, B_WINS } from './battle';
import { DEFAULT_L2, POINTS_PER_NAT } from './bradley-terry';
import { quantileSorted } from './bootstrap';
import { createRng, type Rng } from './prng';

export type NaiveFitOptions = { l2?: number; tolerance?: number; maxIterations?: number };

/** θ (natural-log units) maximising Σ_battles [S·log σ(θ_a − θ_b) + (1 − S)·log σ(θ_b − θ_a)] − λ/2·|θ|². */
export function naiveBradleyTerry(battles: IndexedBattles, options: NaiveFitOptions = {}): Float64Array {
	const { l2 = DEFAULT_L2, tolerance = 1e-12, maxIterations = 1_000_000 } = options;
	const n = battles.models.length;
	const { a, b, outcome } = battles;
	const votes = new Float64Array(n);
	for (let t = 0; t < a.length; t++) {
		votes[a[t]]++;
		votes[b[t]]++;
	}
	// The Hessian of −ℓ is at most ¼·Laplacian + λ ≼ (½·max votes + λ)·I, so this step never overshoots.
	const step = 1 / (0.5 * Math.max(1, ...votes) + l2);
	const theta = new Float64Array(n);
	const grad = new Float64Array(n);
	for (let iter = 0; iter < maxIterations; iter++) {
		for (let i = 0; i < n; i++) grad[i] = -l2 * theta[i];
		for (let t = 0; t < a.length; t++) {
			const i = a[t];
			const j = b[t];
			const o = outcome[t];
			const s = o === A_WINS ? 1 : o === B_WINS ? 0 : 0.5;
			const r = s - 1 / (1 + Math.exp(theta[j] - theta[i]));
			grad[i] += r;
			grad[j] -= r;
		}
		let moved = 0;
		for (let i = 0; i < n; i++) {
			theta[i] += step * grad[i];
			moved = Math.max(moved, Math.abs(step * grad[i]));
		}
		if (moved < tolerance) break;
	}
	return theta;
}

/** N battles drawn with replacement, battle by battle. */
export function naiveResample(battles: IndexedBattles, rng: Rng): IndexedBattles {
	const n = battles.a.length;
	const a = new Int32Array(n);
	const b = new Int32Array(n);
	const outcome = new Uint8Array(n);
	for (let t = 0; t < n; t++) {
		const k = Math.floor(rng.next() * n);
		a[t] = battles.a[k];
		b[t] = battles.b[k];
		outcome[t] = battles.outcome[k];
	}
	return { models: battles.models, a, b, outcome };
}

/** Per-battle bootstrap with per-battle refits; ratings mean-centred at 1000 in every round. */
export function naiveBootstrap(
	battles: IndexedBattles,
	options: { rounds: number; seed?: number } & NaiveFitOptions
): { lower: Float64Array; upper: Float64Array } {
	const rng = createRng(options.seed ?? 1);
	const n = battles.models.length;
	const columns: number[][] = Array.from({ length: n }, () => []);
	for (let r = 0; r < options.rounds; r++) {
		const theta = naiveBradleyTerry(naiveResample(battles, rng), options);
		let mean = 0;
		for (let i = 0; i < n; i++) mean += theta[i] / n;
		for (let i = 0; i < n; i++) columns[i].push(1000 + (theta[i] - mean) * POINTS_PER_NAT);
	}
	const lower = new Float64Array(n);
	const upper = new Float64Array(n);
	columns.forEach((c, i) => {
		c.sort((x, y) => x - y);
		lower[i] = quantileSorted(c, 0.025);
		upper[i] = quantileSorted(c, 0.975);
	});
	return { lower, upper };
}
