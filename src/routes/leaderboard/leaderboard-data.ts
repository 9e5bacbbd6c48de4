// Where the leaderboard's numbers come from: this browser's votes (rated here, FastChat's way) or
// the coordinator's GET /api/arena/leaderboard. Failures come back as sentences a person can act on.
import { LeaderboardResponseSchema, type LeaderboardRowWire } from '$lib/protocol/arena';
import { LumenError } from '$lib/protocol/errors';
import { OpenAIClient } from '$lib/protocol/openai-client';
import { HttpStatusError } from '$lib/protocol/openai-client-errors';
import { computeLeaderboard, filterAnonymous, observedPairwise, type ObservedPairwise } from '$lib/rating';
import type { ArenaVote } from '$lib/protocol/arena';

export const LOCAL_BOOTSTRAP_ROUNDS = 200;

export type Board = {
	rows: LeaderboardRowWire[];
	battles: number;
	bootstrapRounds: number;
	/** Only for this browser's votes: the coordinator does not publish its battles. */
	pairwise?: ObservedPairwise;
};

export function localBoard(votes: readonly ArenaVote[]): Board {
	const rated = filterAnonymous(votes);
	const rows = computeLeaderboard(rated, { bootstrapRounds: LOCAL_BOOTSTRAP_ROUNDS });
	return {
		rows,
		battles: rated.length,
		bootstrapRounds: LOCAL_BOOTSTRAP_ROUNDS,
		pairwise: observedPairwise(rated, rows.map((r) => r.model))
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
