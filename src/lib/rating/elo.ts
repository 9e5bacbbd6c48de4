// Online Elo in battle order, FastChat's `compute_elo` (the leaderboard's "elo" column):
//
//   E_a = 1 / (1 + 10^{(R_b − R_a)/400}),   S_a = 1 (A won), 0 (B won), 1/2 (either kind of tie)
//   R_a ← R_a + K·(S_a − E_a),   R_b ← R_b + K·((1 − S_a) − (1 − E_a))
//
// with K = 4 and every model starting at 1000. Updates are zero-sum, so the mean stays 1000. The
// result depends on order (recent battles weigh more): the leaderboard feeds it in tstamp order.
import type { Battle, IndexedBattles } from './battle';
import { A_WINS, B_WINS, indexBattles } from './battle';

export type EloOptions = { k?: number; scale?: number; base?: number; initRating?: number };

export function eloFromIndexed(battles: IndexedBattles, options: EloOptions = {}): Float64Array {
	const { k = 4, scale = 400, base = 10, initRating = 1000 } = options;
	const alpha = Math.log(base) / scale;
	const ratings = new Float64Array(battles.models.length).fill(initRating);
	const { a, b, outcome } = battles;
	for (let t = 0; t < a.length; t++) {
		const i = a[t];
		const j = b[t];
		const expected = 1 / (1 + Math.exp(alpha * (ratings[j] - ratings[i])));
		const o = outcome[t];
		const actual = o === A_WINS ? 1 : o === B_WINS ? 0 : 0.5;
		const delta = k * (actual - expected);
		ratings[i] += delta;
		ratings[j] -= delta;
	}
	return ratings;
}

export function computeElo(battles: readonly Battle[], options: EloOptions = {}): Map<string, number> {
	const indexed = indexBattles(battles);
	const ratings = eloFromIndexed(indexed, options);
	return new Map(indexed.models.map((m, i) => [m, ratings[i]]));
}
