// Where the leaderboard's numbers come from: this browser's votes (rated here, FastChat's way) or
// the coordinator's GET /api/arena/leaderboard. Failures come back as sentences a person can act on.
import { LeaderboardResponseSchema, type LeaderboardRowWire } from '$lib/protocol/arena';
import { LumenError } from '$lib/protocol/errors';
import { OpenAIClient } from '$lib/protocol/openai-client';
import { HttpStatusError } from '$lib/protocol/openai-client-errors';
import {
	availableCategories,
	computeLeaderboard,
	computeStyleControlLeaderboard,
	filterAnonymous,
	filterBattles,
	observedPairwise,
	type CategoryInfo,
	type ObservedPairwise,
	type StyleCoefficient,
	type StyleControlRow
} from '$lib/rating';
import type { ArenaVote } from '$lib/protocol/arena';

export const LOCAL_BOOTSTRAP_ROUNDS = 200;

export type Board = {
	rows: LeaderboardRowWire[];
	battles: number;
	bootstrapRounds: number;
	/** Only for this browser's votes: the coordinator does not publish its battles. */
	pairwise?: ObservedPairwise;
	/** This browser's votes only: the categories they offer (with battle counts). */
	categories?: CategoryInfo[];
	/** With style control: each row's raw rank and rank change, the coefficients, and battles left out for want of conv_metadata. */
	style?: { rows: StyleControlRow[]; coefficients: StyleCoefficient[]; leftOut: number };
};

export type LocalBoardOptions = { category?: string; styleControl?: boolean };

export function localBoard(votes: readonly ArenaVote[], options: LocalBoardOptions = {}): Board {
	const anonymous = filterAnonymous(votes);
	const rated = filterBattles(anonymous, { category: options.category ?? 'full' });
	const categories = availableCategories(anonymous);
	if (options.styleControl) {
		const style = computeStyleControlLeaderboard(rated, { bootstrapRounds: LOCAL_BOOTSTRAP_ROUNDS });
		const rows = style.rows.map((r) => ({ model: r.model, rating: r.rating, ci: r.ci, elo: NaN, votes: r.votes, rank: r.rank }));
		return { rows, battles: rated.length - style.leftOut, bootstrapRounds: LOCAL_BOOTSTRAP_ROUNDS, categories, style };
	}
	const rows = computeLeaderboard(rated, { bootstrapRounds: LOCAL_BOOTSTRAP_ROUNDS });
	return {
		rows,
		battles: rated.length,
		bootstrapRounds: LOCAL_BOOTSTRAP_ROUNDS,
		pairwise: observedPairwise(rated, rows.map((r) => r.model)),
		categories
	};
}

export async function coordinatorBoard(url: string, apiKey: string | undefined, fetcher: typeof fetch = fetch): Promise<Board> {
	const client = new OpenAIClient({ url, apiKey, label: 'coordinator', keyHint: 'Check it in Settings.', fetch: fetcher });
	try {
		const board = await client.getJSON('/api/arena/leaderboard', LeaderboardResponseSchema, { timeoutMs: 15_000 });
		return { rows: board.rows, battles: board.battles, bootstrapRounds: board.bootstrap_rounds };
	} catch (err) {
		// The URL reached a server (any /v1 suffix is already dropped), but one without the arena API.
		if (err instanceof HttpStatusError && err.status === 404)
			throw new LumenError('unavailable', `The coordinator at ${client.root} has no arena leaderboard (it may be an older version).`, false, { cause: err });
		throw err;
	}
}
