// Matrices for the leaderboard's heatmaps, rows and columns in the order given (usually by rating):
// - predicted: P(row beats column) = 1 / (1 + 10^{(R_col − R_row)/400}) from ratings
//   (FastChat's predict_win_rate); the diagonal is NaN (a model never meets itself).
// - observed: as FastChat's compute_pairwise_win_fraction, the fraction of decisive battles the
//   row model won against the column model, both positions pooled; ties of either kind are left
//   out (FastChat computes these heatmaps on `battles_no_ties`). NaN where no decisive battle.
//   `decisive` counts those battles (FastChat's battle-count heatmap); `battles` counts all,
//   ties included.
import type { Battle } from './battle';
import { SCALE, BASE } from './bradley-terry';

export type Matrix = number[][];

export function predictWinRate(ratings: ReadonlyMap<string, number>, models: readonly string[] = [...ratings.keys()]): Matrix {
	return models.map((row) =>
		models.map((col) => {
			if (row === col) return NaN;
			const rr = ratings.get(row);
			const rc = ratings.get(col);
			if (rr === undefined || rc === undefined) return NaN;
			return 1 / (1 + Math.pow(BASE, (rc - rr) / SCALE));
		})
	);
}

export type ObservedPairwise = { models: string[]; winFraction: Matrix; decisive: Matrix; battles: Matrix };

export function observedPairwise(battles: readonly Battle[], models?: readonly string[]): ObservedPairwise {
	const order: string[] = models ? [...models] : [];
	const index = new Map(order.map((m, i) => [m, i]));
	if (!models) {
		for (const b of battles) {
			for (const m of [b.model_a, b.model_b]) if (!index.has(m)) index.set(m, order.push(m) - 1);
		}
	}
	const n = order.length;
	const square = () => Array.from({ length: n }, () => new Array<number>(n).fill(0));
	const wins = square();
	const all = square();
	for (const b of battles) {
		const i = index.get(b.model_a);
		const j = index.get(b.model_b);
		if (i === undefined || j === undefined) continue;
		all[i][j]++;
		all[j][i]++;
		if (b.winner === 'model_a') wins[i][j]++;
		else if (b.winner === 'model_b') wins[j][i]++;
	}
	const decisive = square();
	const winFraction = square();
	for (let i = 0; i < n; i++) {
		for (let j = 0; j < n; j++) {
			decisive[i][j] = wins[i][j] + wins[j][i];
			winFraction[i][j] = decisive[i][j] > 0 ? wins[i][j] / decisive[i][j] : NaN;
		}
	}
	return { models: order, winFraction, decisive, battles: all };
}
