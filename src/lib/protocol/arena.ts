// Arena wire types shared by the browser and the coordinator: battles, votes and the leaderboard.
// A vote is FastChat's clean-battle record plus a battle id, which makes sending it idempotent.
import { z } from 'zod';
import { BATTLE_EXTRA_SHAPE } from './battle-fields';
import { ArenaLimitsSchema } from './arena-integrity';

export const ArenaWinnerSchema = z.enum(['model_a', 'model_b', 'tie', 'tie (bothbad)']);
export type ArenaWinner = z.infer<typeof ArenaWinnerSchema>;

/** POST /api/arena/battles: the coordinator pairs two of its models (server-side pairing for remote models). */
export const CreateBattleRequestSchema = z.object({
	/** Restrict pairing to these models (optional); otherwise all live models. */
	models: z.array(z.string().min(1)).min(2).optional(),
	/** Named side-by-side: the person picked both models, so the battle is not anonymous. */
	model_a: z.string().min(1).optional(),
	model_b: z.string().min(1).optional(),
	// Integrity (issue 11): a battle the browser drew among its own models is issued an id too.
	/** The page ran the pairing over its LOCAL models and names both; the coordinator issues the id without serving them. */
	local: z.boolean().optional(),
	/** With `local`: whether the page's battle is anonymous (default true). */
	anony: z.boolean().optional(),
	/** The browser's anonymous id (random, kept in this browser), hashed with the client's address. */
	voter_id: z.string().min(1).max(100).optional()
});
export type CreateBattleRequest = z.infer<typeof CreateBattleRequestSchema>;

export const BattleSchema = z.object({
	battle_id: z.string().min(1).max(100),
	model_a: z.string().min(1),
	model_b: z.string().min(1),
	anony: z.boolean(),
	created_at: z.number(),
	/** The coordinator's limits on this battle's turns and characters (issued battles only). */
	limits: ArenaLimitsSchema.optional()
});
export type Battle = z.infer<typeof BattleSchema>;

/** POST /api/arena/votes. `battle_id` makes a retried vote a no-op (the outbox may send it twice). */
export const ArenaVoteSchema = z.object({
	battle_id: z.string().min(1).max(100),
	model_a: z.string().min(1),
	model_b: z.string().min(1),
	winner: ArenaWinnerSchema,
	anony: z.boolean(),
	/** Seconds since the epoch, as FastChat writes it. */
	tstamp: z.number(),
	/** Number of turns in the conversation when the vote was cast. */
	turn: z.number().int().positive(),
	/** Optional analysis fields (language, conv_metadata, …: rating/battle.ts), kept through import and export. */
	...BATTLE_EXTRA_SHAPE,
	// Integrity flags computed by the page from the answers (FastChat's clean_battle_data.py drops such
	// battles); identity_leak (an answer or prompt names a model or maker) is among the fields above.
	/** An answer ended in an error. */
	answer_error: z.boolean().optional(),
	/** An answer was stopped or is empty. */
	unfinished: z.boolean().optional()
});
export type ArenaVote = z.infer<typeof ArenaVoteSchema>;

export const VoteResponseSchema = z.object({ battle_id: z.string(), duplicate: z.boolean() });
export type VoteResponse = z.infer<typeof VoteResponseSchema>;

export const LeaderboardRowSchema = z.object({
	model: z.string(),
	rating: z.number(),
	ci: z.tuple([z.number(), z.number()]),
	elo: z.number(),
	votes: z.number().int(),
	rank: z.number().int()
});
export type LeaderboardRowWire = z.infer<typeof LeaderboardRowSchema>;

/** GET /api/arena/leaderboard */
export const LeaderboardResponseSchema = z.object({
	rows: z.array(LeaderboardRowSchema),
	battles: z.number().int(),
	bootstrap_rounds: z.number().int(),
	computed_at: z.number()
});
export type LeaderboardResponse = z.infer<typeof LeaderboardResponseSchema>;
