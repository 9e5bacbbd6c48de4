// Where the leaderboard's numbers come from: this browser's votes (rated here, FastChat's way) or
// the coordinator's GET /api/arena/leaderboard. Failures come back as sentences a person can act on.
import { LeaderboardResponseSchema, type LeaderboardRowWire } from '$lib/protocol/arena';
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
	let response: Response;
	try {
		response = await fetcher(`${url.replace(/\/+$/, '')}/api/arena/leaderboard`, {
			headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
			signal: AbortSignal.timeout(15_000)
		});
	} catch (err) {
		if (err instanceof DOMException && err.name === 'TimeoutError') throw new Error('The coordinator did not answer within 15 seconds.', { cause: err });
		throw new Error(`The coordinator at ${url} could not be reached. Check the address in Settings and that it is running.`, { cause: err });
	}
	if (response.status === 401 || response.status === 403) throw new Error('The coordinator refused the API key. Check it in Settings.');
	if (response.status === 404) throw new Error('This coordinator has no arena leaderboard (it may be an older version).');
	if (!response.ok) throw new Error(`The coordinator could not build its leaderboard (HTTP ${response.status}). Try again in a moment.`);
	const parsed = LeaderboardResponseSchema.safeParse(await response.json().catch(() => undefined));
	if (!parsed.success) throw new Error('The coordinator sent a leaderboard this page cannot read.');
	return { rows: parsed.data.rows, battles: parsed.data.battles, bootstrapRounds: parsed.data.bootstrap_rounds };
}
