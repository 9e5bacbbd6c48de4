// One leaderboard, whoever asks: the page over this browser's votes, the coordinator over its stored
// votes (GET /api/arena/leaderboard) — the counted battles (anonymous, clean), a category and the
// filters, then either the raw Bradley-Terry board or the style-controlled one beside it.
import { filterCounted, type Battle } from './battle';
import { availableCategories, filterBattles, type BattleFilterOptions, type CategoryInfo } from './categories';
import { computeLeaderboard, type LeaderboardRow } from './leaderboard';
import { computeStyleControlLeaderboard, type StyleControlBoard } from './style-control';

export type BoardOptions = BattleFilterOptions & { styleControl?: boolean; bootstrapRounds: number; seed?: number };

export type RatedBoard = {
	/** Best first; with style control, the style-controlled ratings (Elo is not computed: NaN). */
	rows: LeaderboardRow[];
	/** Battles rated (with style control, those with conv_metadata). */
	battles: number;
	/** The categories the counted battles offer, with their counts. */
	categories: CategoryInfo[];
	/** The counted battles after the category and filters, before style control leaves any out. */
	inCategory: Battle[];
	style?: StyleControlBoard;
};

/** Throws (filterBattles' message) on an unknown category. */
export function buildBoard(battles: readonly Battle[], options: BoardOptions): RatedBoard {
	const counted = filterCounted(battles);
	const inCategory = filterBattles(counted, { category: options.category ?? 'full', excludeModels: options.excludeModels, excludeTies: options.excludeTies });
	const categories = availableCategories(counted);
	const fit = { bootstrapRounds: options.bootstrapRounds, seed: options.seed };
	if (options.styleControl) {
		const style = computeStyleControlLeaderboard(inCategory, fit);
		const rows = style.rows.map((r): LeaderboardRow => ({ model: r.model, rating: r.rating, ci: r.ci, elo: NaN, votes: r.votes, rank: r.rank }));
		return { rows, battles: inCategory.length - style.leftOut, categories, inCategory, style };
	}
	return { rows: computeLeaderboard(inCategory, fit), battles: inCategory.length, categories, inCategory };
}
