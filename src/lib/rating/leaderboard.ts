// The leaderboard, as FastChat's report_elo_analysis_results builds it: anonymous battles only,
// in tstamp order; rating = Bradley-Terry point estimate on all of them; ci = bootstrap 2.5th and
// 97.5th percentiles; elo = online Elo; votes = battles the model took part in (ties included).
//
// Rank (FastChat's rule): a model is outranked only by models whose whole interval lies above its
// interval, rank = 1 + #{m : lower(m) > upper(this)}. Models whose intervals overlap share ranks,
// so ranks can repeat and skip. With no bootstrap rounds the interval is the point itself.
import { filterCounted, indexBattles, sortByTimestamp, type Battle } from './battle';
import { bootstrapBradleyTerry, DEFAULT_ROUNDS } from './bootstrap';
import { type Anchor, fitBradleyTerry, toRatingScale } from './bradley-terry';
import { eloFromIndexed } from './elo';
import { countPairs } from './pair-counts';

export type LeaderboardOptions = {
	/** Bootstrap rounds for the intervals (FastChat's default: 100); 0 for none. */
	bootstrapRounds?: number;
	seed?: number;
	anchor?: Anchor;
	l2?: number;
};

export type LeaderboardRow = {
	model: string;
	rating: number;
	ci: [number, number];
	elo: number;
	votes: number;
	rank: number;
};

/** Rows best first. Battles marked `anony: false` are left out (see battle.ts). */
export function computeLeaderboard(battles: readonly Battle[], options: LeaderboardOptions = {}): LeaderboardRow[] {
	const { bootstrapRounds = DEFAULT_ROUNDS, seed, anchor, l2 } = options;
	const indexed = indexBattles(sortByTimestamp(filterCounted(battles)));
	const elo = eloFromIndexed(indexed);
	const counts = countPairs(indexed);
	const theta = fitBradleyTerry(counts, { l2 });
	const ratings = toRatingScale(theta, counts.models, anchor);
	const intervals: Array<[number, number]> =
		bootstrapRounds > 0
			? (() => {
					const boot = bootstrapBradleyTerry(counts, theta, { rounds: bootstrapRounds, seed, anchor, l2 });
					return counts.models.map((_, i): [number, number] => [boot.lower[i], boot.upper[i]]);
				})()
			: counts.models.map((_, i): [number, number] => [ratings[i], ratings[i]]);
	const ranks = rankByIntervals(intervals);
	const rows = counts.models.map(
		(model, i): LeaderboardRow => ({ model, rating: ratings[i], ci: intervals[i], elo: elo[i], votes: counts.votes[i], rank: ranks[i] })
	);
	return rows.sort((x, y) => y.rating - x.rating || (x.model < y.model ? -1 : x.model > y.model ? 1 : 0));
}

/** rank_i = 1 + #{j : lower_j > upper_i}, in O(n log n). */
export function rankByIntervals(intervals: ReadonlyArray<readonly [number, number]>): number[] {
	const lowers = intervals.map(([low]) => low).sort((x, y) => x - y);
	return intervals.map(([, high]) => {
		// Count lowers strictly greater than `high`: binary search for the first such.
		let lo = 0;
		let hi = lowers.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (lowers[mid] > high) hi = mid;
			else lo = mid + 1;
		}
		return 1 + lowers.length - lo;
	});
}
