// FastChat's deduplication.py for released battles: a prompt asked far more often than others (bots,
// copy-pasted tests) is tagged `high_freq`, and only a sample of its battles is tagged `sampled`, so a
// consumer can keep `sampled` battles and no single prompt dominates.
//
// The rule, as deduplication.py applies it over a whole release:
// - the key of a battle is its user turns joined (FastChat: each followed by "\n", cut at 10,000
//   characters; the coordinator keys on a chained hash of the prompts instead, the same identity
//   without keeping the text);
// - count battles per key; the cutoff is the `percentile` quantile (default 0.9999) of those counts,
//   by pandas' linear interpolation;
// - keys counted more often than the cutoff are high-frequency: all their battles get
//   {high_freq: true, sampled: false}, then floor(cutoff) of them, drawn at random with a fixed seed,
//   get {high_freq: true, sampled: true};
// - every other battle gets {high_freq: false, sampled: true}.
// pandas' draw (random_state=42) cannot be reproduced outside numpy, so which battles are sampled
// differs from FastChat's; how many, and which prompts are high-frequency, do not.
import { createRng } from './prng';

export type DedupTag = { high_freq: boolean; sampled: boolean };
export const DEDUP_PERCENTILE = 0.9999;

/** pandas `Series.quantile(q)` (numpy's "linear" method) of the values. NaN for none. */
export function quantile(values: readonly number[], q: number): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((x, y) => x - y);
	const pos = (sorted.length - 1) * q;
	const lo = Math.floor(pos);
	const hi = Math.min(lo + 1, sorted.length - 1);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Tags for battles keyed by their prompts (one key per battle, in any order). A battle without a key
 * (its prompts were never seen) counts as a prompt of its own.
 */
export function dedupTags(keys: readonly (string | null)[], percentile = DEDUP_PERCENTILE, seed = 42): DedupTag[] {
	const groups = new Map<string, number[]>();
	keys.forEach((key, i) => {
		if (key === null) return;
		const group = groups.get(key);
		if (group) group.push(i);
		else groups.set(key, [i]);
	});
	const unkeyed = keys.filter((k) => k === null).length;
	const counts = [...[...groups.values()].map((g) => g.length), ...Array<number>(unkeyed).fill(1)];
	const cutoff = quantile(counts, percentile);
	const tags: DedupTag[] = keys.map(() => ({ high_freq: false, sampled: true }));
	const rng = createRng(seed);
	for (const group of groups.values()) {
		if (!(group.length > cutoff)) continue;
		// A partial Fisher-Yates shuffle: the first floor(cutoff) of the group are the sample.
		const order = [...group];
		const keep = Math.floor(cutoff);
		for (let k = 0; k < keep; k++) {
			const j = k + Math.floor(rng.next() * (order.length - k));
			[order[k], order[j]] = [order[j], order[k]];
		}
		order.forEach((i, k) => (tags[i] = { high_freq: true, sampled: k < keep }));
	}
	return tags;
}
