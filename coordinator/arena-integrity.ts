// Arena integrity at the coordinator: who a voter is (salted hashes, never the address itself), the
// per-voter daily caps and per-minute rate limits, and the operator's settings read from the config.
import type { Context } from 'hono';
import { createHash, randomBytes } from 'node:crypto';
import type { ArenaLimits } from '#protocol/arena-integrity';
import type { CoordinatorConfig } from './config';
import type { AppEnv } from './env';
import { ApiError, rateLimited } from './errors';
import { errorText } from '#protocol/errors';
import { createRateLimiter } from './middleware';
import { createModerator, type Moderator } from './arena-moderation';

export type ArenaIntegrity = {
	unverifiedVotes: 'refuse' | 'keep';
	salt: string;
	votesPerDay: number;
	votesPerDayPerAddress: number;
	votesPerMinute: number;
	battlesPerMinute: number;
	/** Significance of the anomalous-voter test; 0: off. */
	anomalyAlpha: number;
	limits: ArenaLimits;
	moderate: Moderator;
	/** Keep conversations voters agree to share (the page asks only when this is on). */
	logConversations: boolean;
	/** deduplication.py's percentile for the release. */
	dedupPercentile: number;
};

/** The integrity settings of a coordinator config; without a configured salt, a random one for this process. */
export function arenaIntegrity(config: CoordinatorConfig): ArenaIntegrity {
	return {
		unverifiedVotes: config.arena_unverified_votes,
		salt: config.arena_voter_salt ?? randomBytes(16).toString('hex'),
		votesPerDay: config.arena_votes_per_day,
		votesPerDayPerAddress: config.arena_votes_per_day_per_address,
		votesPerMinute: config.arena_votes_per_minute,
		battlesPerMinute: config.arena_battles_per_minute,
		anomalyAlpha: config.arena_anomaly_alpha,
		limits: { max_turns: config.arena_max_turns, max_prompt_chars: config.arena_max_prompt_chars, max_battle_chars: config.arena_max_battle_chars },
		moderate: createModerator({ url: config.moderation_url, apiKey: config.moderation_api_key, model: config.moderation_model, words: config.moderation_words }),
		logConversations: config.arena_log_conversations,
		dedupPercentile: config.arena_dedup_percentile
	};
}

export type Voter = { voter: string; address: string };

const hash = (salt: string, text: string) => createHash('sha256').update(salt).update('\0').update(text).digest('hex').slice(0, 32);

/** The voter (address + the browser's anonymous id) and the address alone, both as salted hashes. */
export function voterOf(c: Context<AppEnv>, salt: string, voterId: string | undefined): Voter {
	const address = c.get('clientAddress') ?? 'unknown';
	return { voter: hash(salt, `${address}\0${voterId ?? ''}`), address: hash(salt, address) };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Refuses with 429 and a plain message once a per-minute budget is spent. */
export function perMinuteLimiter(perMinute: number, what: string, clock: () => number) {
	const limiter = createRateLimiter(perMinute, clock);
	return (id: string): void => {
		if (perMinute <= 0) return;
		const r = limiter.take(id);
		if (!r.ok)
			throw rateLimited(`Too many ${what}: at most ${perMinute} a minute. Wait ${r.retryAfterS} s and try again.`, perMinute, r.retryAfterS);
	};
}

/** Refuses with 429 when this voter or address already cast its votes of the last 24 hours. */
export function checkDailyCap(
	integrity: Pick<ArenaIntegrity, 'votesPerDay' | 'votesPerDayPerAddress'>,
	voter: Voter,
	now: number,
	count: { byVoter: (hash: string, since: number) => number; byAddress: (hash: string, since: number) => number }
): void {
	const since = now - DAY_MS;
	const cap = (limit: number, n: number, who: 'voter' | 'address') => {
		if (limit > 0 && n >= limit)
			throw new ApiError(
				429,
				'rate_limit_error',
				'daily_vote_limit',
				`${who === 'voter' ? 'You have' : 'Your network address has'} cast ${limit} arena votes in the last 24 hours, the most this arena takes. Thank you! Come back tomorrow to vote again.`,
				null,
				{ 'Retry-After': '3600' }
			).localized(errorText('error.text.dailyVoteLimit', { limit, who }));
	};
	cap(integrity.votesPerDay, count.byVoter(voter.voter, since), 'voter');
	cap(integrity.votesPerDayPerAddress, count.byAddress(voter.address, since), 'address');
}
