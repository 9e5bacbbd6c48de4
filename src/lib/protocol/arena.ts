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
	limits: ArenaLimitsSchema.optional(),
	/** The coordinator keeps the conversations of voters who agree (its operator turned logging on); the page asks. */
	log_conversations: z.boolean().optional()
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
	/**
	 * Optional analysis fields (language, conv_metadata, …: protocol/battle-fields.ts), kept through import
	 * and export, with the integrity flags the page computes from the answers (identity_leak, answer_error,
	 * unfinished: FastChat's clean_battle_data.py drops such battles).
	 */
	...BATTLE_EXTRA_SHAPE
});
export type ArenaVote = z.infer<typeof ArenaVoteSchema>;

/** One turn of a shared conversation, as FastChat's released `conversation_a`/`conversation_b` hold it. */
export const ReleaseMessageSchema = z.object({ role: z.enum(['user', 'assistant']), content: z.string() });
/**
 * Both sides of a battle, sent with the vote only when the person agreed and the coordinator logs them
 * (issue 11 item 6). A battle has at most 50 turns (FastChat's limit), so each side at most 100 messages.
 */
export const SharedConversationSchema = z.object({
	conversation_a: z.array(ReleaseMessageSchema).min(1).max(100),
	conversation_b: z.array(ReleaseMessageSchema).min(1).max(100)
});
export type SharedConversation = z.infer<typeof SharedConversationSchema>;

export const VoteResponseSchema = z.object({
	battle_id: z.string(),
	duplicate: z.boolean(),
	/** Whether the coordinator kept the conversation sent with the vote (false when it does not log them). */
	conversation_kept: z.boolean().optional()
});
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

/** A row of the style-controlled board: its raw rating and rank on the same battles beside it. */
export const StyleRowSchema = LeaderboardRowSchema.omit({ elo: true }).extend({
	raw_rating: z.number().nullable(),
	raw_rank: z.number().int().nullable(),
	/** raw_rank − rank: positive when style control moves the model up. */
	rank_change: z.number().int().nullable()
});
export const StyleCoefficientSchema = z.object({ name: z.string(), value: z.number(), ci: z.tuple([z.number(), z.number()]) });

/** GET /api/arena/leaderboard[?category=…&style_control=1&exclude_models=a,b&exclude_ties=1&bootstrap=N] */
export const LeaderboardResponseSchema = z.object({
	rows: z.array(LeaderboardRowSchema),
	battles: z.number().int(),
	bootstrap_rounds: z.number().int(),
	computed_at: z.number(),
	/** The category rated ('full' for all counted battles). */
	category: z.string().optional(),
	/** The categories the counted battles offer, with their battle counts. */
	categories: z.array(z.object({ name: z.string(), label: z.string(), battles: z.number().int() })).optional(),
	/** With style_control=1: the style-controlled rows, the fitted coefficients and the battles left out for want of conv_metadata. */
	style: z.object({ rows: z.array(StyleRowSchema), coefficients: z.array(StyleCoefficientSchema), left_out: z.number().int() }).optional()
});
export type LeaderboardResponse = z.infer<typeof LeaderboardResponseSchema>;
