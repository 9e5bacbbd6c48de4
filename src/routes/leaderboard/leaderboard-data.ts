// Where the leaderboard's numbers come from: this browser's votes (rated here, FastChat's way) or
// the coordinator's GET /api/arena/leaderboard. Failures come back as sentences a person can act on.
import { LeaderboardResponseSchema, type LeaderboardRowWire } from '$lib/protocol/arena';
import { LumenError } from '$lib/protocol/errors';
import { OpenAIClient } from '$lib/protocol/openai-client';
import { HttpStatusError } from '$lib/protocol/openai-client-errors';
import {
	buildBoard,
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
	/** The categories the votes offer (with battle counts); absent from an older coordinator. */
	categories?: CategoryInfo[];
	/** With style control: each row's raw rank and rank change, the coefficients, and battles left out for want of conv_metadata. */
	style?: { rows: StyleControlRow[]; coefficients: StyleCoefficient[]; leftOut: number };
};

export type LocalBoardOptions = { category?: string; styleControl?: boolean };

export function localBoard(votes: readonly ArenaVote[], options: LocalBoardOptions = {}): Board {
	const board = buildBoard(votes, { category: options.category, styleControl: options.styleControl, bootstrapRounds: LOCAL_BOOTSTRAP_ROUNDS });
	return {
		rows: board.rows,
		battles: board.battles,
		bootstrapRounds: LOCAL_BOOTSTRAP_ROUNDS,
		categories: board.categories,
		...(board.style ? { style: board.style } : { pairwise: observedPairwise(board.inCategory, board.rows.map((r) => r.model)) })
	};
}

/** The coordinator's board for the same view (category, style control): it rates its own stored votes with the same code. */
export async function coordinatorBoard(url: string, apiKey: string | undefined, fetcher: typeof fetch = fetch, options: LocalBoardOptions = {}): Promise<Board> {
	const client = new OpenAIClient({ url, apiKey, label: 'coordinator', keyHint: 'Check it in Settings.', fetch: fetcher });
	const query = new URLSearchParams();
	if (options.category && options.category !== 'full') query.set('category', options.category);
	if (options.styleControl) query.set('style_control', '1');
	const path = `/api/arena/leaderboard${query.size ? `?${query}` : ''}`;
	try {
		const board = await client.getJSON(path, LeaderboardResponseSchema, { timeoutMs: 30_000 });
		const style = board.style && {
			rows: board.style.rows.map(
				(r): StyleControlRow => ({ ...r, rawRating: r.raw_rating ?? NaN, rawRank: r.raw_rank ?? NaN, rankChange: r.rank_change ?? NaN })
			),
			coefficients: board.style.coefficients,
			leftOut: board.style.left_out
		};
		return { rows: board.rows, battles: board.battles, bootstrapRounds: board.bootstrap_rounds, categories: board.categories, ...(style ? { style } : {}) };
	} catch (err) {
		// The URL reached a server (any /v1 suffix is already dropped), but one without the arena API.
		if (err instanceof HttpStatusError && err.status === 404)
			throw new LumenError('unavailable', `The coordinator at ${client.root} has no arena leaderboard (it may be an older version).`, false, { cause: err });
		throw err;
	}
}
