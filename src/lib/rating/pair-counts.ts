// Battles aggregated per unordered model pair: for pair k = {i, j} (i < j), how often i won, j
// won, and they tied. Bradley-Terry has no position effect, so which side was "model_a" does not
// matter and this table is a sufficient statistic for the likelihood; the bootstrap resamples it.
// Invariant: only pairs that met at least once are listed, in order of first meeting.
import type { IndexedBattles } from './battle';
import { A_WINS, B_WINS } from './battle';

export type PairCounts = {
	models: string[];
	/** Lower and higher model index of each pair. */
	pairI: Int32Array;
	pairJ: Int32Array;
	winsI: Float64Array;
	winsJ: Float64Array;
	ties: Float64Array;
	/** Battles each model took part in (ties included), like FastChat's num_battles. */
	votes: Float64Array;
	/** Total battles. */
	total: number;
};

export function countPairs(battles: IndexedBattles): PairCounts {
	const n = battles.models.length;
	const { a, b, outcome } = battles;
	// Dense n×n slot table while it is small (fast, no hashing); a Map beyond.
	const dense = n * n <= 1 << 22 ? new Int32Array(n * n).fill(-1) : undefined;
	const sparse = dense ? undefined : new Map<number, number>();
	const pi: number[] = [];
	const pj: number[] = [];
	const wi: number[] = [];
	const wj: number[] = [];
	const t: number[] = [];
	const votes = new Float64Array(n);
	for (let k = 0; k < a.length; k++) {
		const x = a[k];
		const y = b[k];
		const i = x < y ? x : y;
		const j = x < y ? y : x;
		const key = i * n + j;
		let slot = dense ? dense[key] : (sparse as Map<number, number>).get(key) ?? -1;
		if (slot === -1) {
			slot = pi.length;
			pi.push(i);
			pj.push(j);
			wi.push(0);
			wj.push(0);
			t.push(0);
			if (dense) dense[key] = slot;
			else (sparse as Map<number, number>).set(key, slot);
		}
		const o = outcome[k];
		if (o === A_WINS) {
			if (x === i) wi[slot]++;
			else wj[slot]++;
		} else if (o === B_WINS) {
			if (y === i) wi[slot]++;
			else wj[slot]++;
		} else {
			t[slot]++;
		}
		votes[x]++;
		votes[y]++;
	}
	return {
		models: battles.models,
		pairI: Int32Array.from(pi),
		pairJ: Int32Array.from(pj),
		winsI: Float64Array.from(wi),
		winsJ: Float64Array.from(wj),
		ties: Float64Array.from(t),
		votes,
		total: a.length
	};
}
