// Chatbot Arena over HTTP: the coordinator pairs its live models, stores one vote per battle and
// serves the leaderboard (anonymous, counted votes only, cached until the next vote) and a battle export.
//
// Integrity (issue 11): a vote must name a battle id this coordinator issued (POST /api/arena/battles
// issues ids for its own pairs and for pairs of the browser's local models), with the same models.
// A repeat with the same winner is answered `{duplicate: true}` without storing anything (the browser's
// outbox may send one twice); another winner is a 409. An id never issued is refused, or, when the
// operator keeps unverified votes, stored but left off the board. Votes are capped per voter (a salted
// hash of the client address and the browser's anonymous id) per day and rate-limited per minute;
// battles whose prompts or answers name a model, or whose answers failed or were cut short, are stored
// but not counted, as FastChat's clean_battle_data.py drops them. POST /api/arena/moderate checks a
// prompt (moderation hook, turn and character limits) before the page sends it into an issued battle.
import { Hono, type Context } from 'hono';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
	ArenaVoteSchema,
	CreateBattleRequestSchema,
	SharedConversationSchema,
	type ArenaVote,
	type Battle,
	type LeaderboardResponse,
	type SharedConversation,
	type VoteResponse
} from '#protocol/arena';
import { isCleanBattle } from '#protocol/battle-fields';
import { copyBattleExtras, filterCounted, type Battle as RatedBattle } from '#rating/battle';
import { buildBoard } from '#rating/board';
import { analyseBattle, loadCl100kTokenCounter, type TokenCounter } from '#rating/conv-metadata';
import { cleanRelease, operatorExport } from '../arena-release';
import { leakedIdentity, limitProblem, ModerateRequestSchema, type ModerateResponse } from '#protocol/arena-integrity';
import { anomalousVoters, DEFAULT_ANOMALY } from '../arena-anomaly';
import { checkDailyCap, perMinuteLimiter, voterOf, type ArenaIntegrity } from '../arena-integrity';
import type { AppEnv } from '../env';
import { ApiError, badRequest, fromZodError, noWorker } from '../errors';
import type { Rng } from '../registry/pick';
import type { Registry } from '../registry/registry';
import { nextPromptHash, type ArenaRepository, type Exclusion, type StoredBattle } from '../storage/arena-repository';
import { pairModels, type Candidate, type PairingRules } from '#rating/pairing';
import { cachedActivePairing } from '#rating/active-pairing';
import { readJson } from './read-json';

export type ArenaRouteDeps = {
	registry: Registry;
	arena: ArenaRepository;
	bodyLimit: number;
	integrity: ArenaIntegrity;
	rng?: Rng;
	/** Unix ms. */
	clock?: () => number;
	/** Pairing policy, weights, targets, boost and outage for anonymous battles (config arena_*). */
	pairing?: PairingRules;
};

/** FastChat's default number of bootstrap rounds; the upper bound keeps one request from pinning a core. */
const DEFAULT_BOOTSTRAP = 100;
const MAX_BOOTSTRAP = 1000;
/** Fixed, so a cached and a recomputed leaderboard over the same votes agree exactly. */
const BOOTSTRAP_SEED = 42;

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const LeaderboardQuerySchema = z.object({
	bootstrap: z.coerce.number().int().min(0).max(MAX_BOOTSTRAP).default(DEFAULT_BOOTSTRAP),
	category: z.string().min(1).max(100).default('full'),
	style_control: flag.default(false),
	exclude_ties: flag.default(false),
	/** Comma-separated model ids. */
	exclude_models: z
		.string()
		.max(10_000)
		.default('')
		.transform((v) => v.split(',').map((m) => m.trim()).filter(Boolean))
});
const ExportQuerySchema = z.object({ clean: flag.default(false) });

async function parseBody<T extends z.ZodType>(c: Context<AppEnv>, schema: T, limit: number): Promise<z.infer<T>> {
	const result = schema.safeParse(await readJson(c, limit));
	if (!result.success) throw fromZodError(result.error);
	return result.data;
}

const arenaModelNotFound = (model: string, param: string) =>
	new ApiError(404, 'invalid_request_error', 'model_not_found', `The model '${model}' does not exist. GET /v1/models lists the available ones.`, param);

const tooFewModels = (live: number) =>
	new ApiError(
		503,
		'server_error',
		'not_enough_models',
		`An arena battle needs two live models and ${live === 1 ? 'only one is' : `${live} are`} being served right now. Start another worker or try again shortly.`,
		null,
		{ 'Retry-After': '5' }
	);

/** Live chat models, each weighted by the summed speed of the healthy workers serving it. */
function liveModels(registry: Registry): Candidate[] {
	const weights = new Map<string, number>();
	for (const w of registry.list()) {
		if (!w.healthy) continue;
		for (const m of w.models) if (m.capabilities.includes('chat')) weights.set(m.id, (weights.get(m.id) ?? 0) + w.speed);
	}
	return [...weights].map(([id, weight]) => ({ id, weight }));
}

/** A named model must be served for chat right now: 404 if never seen, 503 if no worker is up. */
function requireServed(registry: Registry, model: string, param: string): void {
	const found = registry.lookup(model, 'chat');
	if (found.kind === 'unknown') throw arenaModelNotFound(model, param);
	if (found.kind === 'unsupported') throw badRequest(`The model '${model}' does not support chat, so it cannot battle.`, param, 'model_not_supported');
	if (found.kind === 'unavailable') throw noWorker(model);
}

/** Checks a vote against its battle; returns the answer for a repeat, or null when the vote is new. */
function checkAgainstBattle(vote: ArenaVote, battle: Battle, existing: ArenaVote | undefined): VoteResponse | null {
	for (const side of ['model_a', 'model_b'] as const) {
		if (vote[side] !== battle[side])
			throw badRequest(`'${side}' is '${vote[side]}' but battle ${battle.battle_id} has '${battle[side]}' as ${side}.`, side, 'battle_mismatch');
	}
	if (vote.anony !== battle.anony)
		throw badRequest(`'anony' is ${vote.anony} but battle ${battle.battle_id} is ${battle.anony ? 'anonymous' : 'named'}.`, 'anony', 'battle_mismatch');
	if (!existing) return null;
	if (existing.winner !== vote.winner)
		throw new ApiError(
			409,
			'invalid_request_error',
			'vote_conflict',
			`Battle ${battle.battle_id} already has a vote for '${existing.winner}'; a vote cannot be changed.`,
			'winner'
		);
	return { battle_id: vote.battle_id, duplicate: true };
}

/**
 * A vote body: the vote, the browser's anonymous id (hashed with the address, never stored as sent) and,
 * when the person agreed to share it, the battle's conversation (both sides or neither).
 */
const VoteRequestSchema = ArenaVoteSchema.extend({
	voter_id: z.string().min(1).max(100).optional(),
	conversation_a: SharedConversationSchema.shape.conversation_a.optional(),
	conversation_b: SharedConversationSchema.shape.conversation_b.optional()
}).refine((v) => (v.conversation_a === undefined) === (v.conversation_b === undefined), {
	message: "send both 'conversation_a' and 'conversation_b', or neither",
	path: ['conversation_b']
});

/**
 * The conversation sent with a vote, if the coordinator may keep it: logging is on, and its prompts are
 * the ones this coordinator let into the battle (when it saw any), so a vote cannot attach a made-up one.
 */
function keptConversation(shared: SharedConversation | undefined, battle: StoredBattle | undefined, logging: boolean): SharedConversation | undefined {
	if (!shared || !logging) return undefined;
	const prompts = shared.conversation_a.filter((m) => m.role === 'user').map((m) => m.content);
	const promptsB = shared.conversation_b.filter((m) => m.role === 'user').map((m) => m.content);
	if (prompts.length === 0 || prompts.join('\0') !== promptsB.join('\0')) return undefined;
	if (battle?.prompt_hash && prompts.reduce<string | null>(nextPromptHash, null) !== battle.prompt_hash) return undefined;
	return shared;
}

const notIssued = (battleId: string) =>
	badRequest(
		`Battle ${battleId} was never issued by this coordinator, so its vote cannot count. Start each battle with POST /api/arena/battles and vote with the battle_id it returns.`,
		'battle_id',
		'battle_not_issued'
	);

/** Why a vote is left off the board (FastChat's clean_battle_data.py rules), or null when it counts. */
function exclusionOf(vote: ArenaVote, battle: StoredBattle | undefined): Exclusion | null {
	if (!battle) return 'unverified';
	if (battle.identity_leak) return 'identity_leak';
	if (isCleanBattle(vote)) return null;
	return vote.identity_leak ? 'identity_leak' : vote.answer_error ? 'answer_error' : 'unfinished';
}

type VoterVote = ArenaVote & { voter_hash: string | null };

/** The voters the sequential test flags (the paper's anomalous users) among these votes; none when the test is off. */
function flaggedVoters(votes: readonly VoterVote[], alpha: number): Set<string> {
	if (alpha <= 0) return new Set();
	const known = votes.filter((v): v is ArenaVote & { voter_hash: string } => v.voter_hash !== null);
	return anomalousVoters(
		known.map((v) => ({ voter: v.voter_hash, model_a: v.model_a, model_b: v.model_b, winner: v.winner })),
		{ ...DEFAULT_ANOMALY, alpha }
	);
}

/** Drops the votes of flagged voters; oldest first by the voter's clock. */
function withoutAnomalousVoters(votes: VoterVote[], alpha: number): ArenaVote[] {
	const flagged = flaggedVoters(votes, alpha);
	return votes.filter((v) => v.voter_hash === null || !flagged.has(v.voter_hash)).sort((x, y) => x.tstamp - y.tstamp);
}

const toRated = (vote: ArenaVote): RatedBattle => {
	const { model_a, model_b, winner, anony, tstamp, turn } = vote;
	return copyBattleExtras(vote, { model_a, model_b, winner, anony, tstamp, turn });
};

/** FastChat's token counter for kept conversations, loaded on first need. */
let counter: Promise<TokenCounter> | undefined;
const tokenCounter = () => (counter ??= loadCl100kTokenCounter());

export function arenaRoutes({ registry, arena, bodyLimit, integrity, rng = Math.random, clock = Date.now, pairing = {} }: ArenaRouteDeps) {
	const app = new Hono<AppEnv>();
	// Conversations are measured with cl100k: load its table now rather than during the first such vote.
	if (integrity.logConversations) void tokenCounter().catch(() => undefined);
	const voteRate = perMinuteLimiter(integrity.votesPerMinute, 'arena votes', clock);
	const battleRate = perMinuteLimiter(integrity.battlesPerMinute, 'arena battles and messages', clock);
	/** Leaderboards by their query; emptied whenever a vote is stored. */
	const leaderboards = new Map<string, LeaderboardResponse>();
	/** `active` pairing's statistics over the rated (anonymous) votes, rebuilt at most every 30 s when votes came in. */
	const activePairing =
		pairing.policy === 'active' ? cachedActivePairing({
					countVotes: arena.countVotes,
					// The votes the board counts: pairing narrows the intervals people see.
					battles: () => filterCounted(withoutAnomalousVoters(arena.countedVotes(), integrity.anomalyAlpha).map(toRated))
				}) : undefined;

	app.post('/api/arena/battles', async (c) => {
		const req = await parseBody(c, CreateBattleRequestSchema, bodyLimit);
		const voter = voterOf(c, integrity.salt, req.voter_id);
		battleRate(voter.address);
		let pair: [string, string];
		let anony: boolean;
		if (req.local) {
			// The page drew among its own models: nothing to check against the registry but the names.
			if (req.model_a === undefined || req.model_b === undefined)
				throw badRequest(`Missing required parameter: '${req.model_a === undefined ? 'model_a' : 'model_b'}' (a local battle names both models the page drew).`, req.model_a === undefined ? 'model_a' : 'model_b');
			if (req.model_a === req.model_b) throw badRequest("'model_a' and 'model_b' must be different models.", 'model_b');
			pair = [req.model_a, req.model_b];
			anony = req.anony ?? true;
		} else if (req.model_a !== undefined || req.model_b !== undefined) {
			if (req.model_a === undefined) throw badRequest("Missing required parameter: 'model_a' (a named battle needs both models).", 'model_a');
			if (req.model_b === undefined) throw badRequest("Missing required parameter: 'model_b' (a named battle needs both models).", 'model_b');
			if (req.model_a === req.model_b) throw badRequest("'model_a' and 'model_b' must be different models.", 'model_b');
			requireServed(registry, req.model_a, 'model_a');
			requireServed(registry, req.model_b, 'model_b');
			pair = [req.model_a, req.model_b];
			anony = false;
		} else {
			let live = liveModels(registry);
			if (req.models) {
				const wanted = new Set(req.models);
				for (const m of wanted) if (registry.lookup(m, 'chat').kind === 'unknown') throw arenaModelNotFound(m, 'models');
				live = live.filter((m) => wanted.has(m.id));
			}
			const drawn = pairModels(live, rng, { ...pairing, active: activePairing?.(clock()) });
			if (!drawn) throw tooFewModels(live.length);
			pair = drawn;
			anony = true;
		}
		const battle: Battle = { battle_id: randomUUID(), model_a: pair[0], model_b: pair[1], anony, created_at: clock() };
		arena.insertBattle(battle, req.local ? 'local' : 'coordinator', voter.voter);
		return c.json({ ...battle, limits: integrity.limits, log_conversations: integrity.logConversations } satisfies Battle);
	});

	app.post('/api/arena/moderate', async (c) => {
		const req = await parseBody(c, ModerateRequestSchema, bodyLimit);
		battleRate(voterOf(c, integrity.salt, req.voter_id).address);
		const battle = arena.getBattle(req.battle_id);
		if (!battle) throw notIssued(req.battle_id);
		const problem = limitProblem(integrity.limits, battle.turns, battle.prompt_chars, req.text);
		if (problem) throw badRequest(problem.message, 'text', 'battle_limit').localized(problem.i18n);
		const verdict = await integrity.moderate(req.text);
		// Let in: counted against the battle's limits; a prompt naming a model marks the battle (FastChat counts every message).
		if (!verdict.flagged) arena.addPrompt(battle.battle_id, req.text, leakedIdentity([req.text], [battle.model_a, battle.model_b]) !== null);
		return c.json(verdict satisfies ModerateResponse);
	});

	app.post('/api/arena/votes', async (c) => {
		const { voter_id, conversation_a, conversation_b, ...body } = await parseBody(c, VoteRequestSchema, bodyLimit);
		let vote: ArenaVote = ArenaVoteSchema.parse(body);
		if (vote.model_a === vote.model_b) throw badRequest("'model_a' and 'model_b' must be different models.", 'model_b');
		if (vote.turn > integrity.limits.max_turns)
			throw badRequest(`'turn' is ${vote.turn} but an arena battle has at most ${integrity.limits.max_turns} turns.`, 'turn', 'battle_limit');
		const voter = voterOf(c, integrity.salt, voter_id);
		voteRate(voter.voter);
		const shared = conversation_a && conversation_b ? { conversation_a, conversation_b } : undefined;
		// Measured from a kept conversation here, not taken from the page: loaded before the checks below.
		const tokens = shared && integrity.logConversations ? await tokenCounter().catch(() => undefined) : undefined;
		// No await from here on: the checks and the insert cannot interleave with another vote.
		const battle = arena.getBattle(vote.battle_id);
		if (!battle && integrity.unverifiedVotes === 'refuse') throw notIssued(vote.battle_id);
		if (battle) {
			const repeat = checkAgainstBattle(vote, battle, arena.getVote(vote.battle_id));
			if (repeat) return c.json(repeat satisfies VoteResponse);
		}
		const now = clock();
		checkDailyCap(integrity, voter, now, { byVoter: arena.votesByVoterSince, byAddress: arena.votesByAddressSince });
		const kept = keptConversation(shared, battle, integrity.logConversations);
		if (kept && tokens) {
			const measured = analyseBattle(kept.conversation_a, kept.conversation_b, tokens, [vote.model_a, vote.model_b]);
			vote = { ...vote, language: measured.language, conv_metadata: measured.conv_metadata, is_code: measured.is_code };
			if (measured.identity_leak) vote.identity_leak = true;
		}
		const meta = { voter_hash: voter.voter, address_hash: voter.address, verified: battle !== undefined, excluded: exclusionOf(vote, battle) };
		if (battle) arena.insertVote(vote, now, undefined, meta, undefined, kept);
		else {
			const unverified: Battle = { battle_id: vote.battle_id, model_a: vote.model_a, model_b: vote.model_b, anony: vote.anony, created_at: now };
			arena.insertVote(vote, now, unverified, meta, 'unverified', kept);
		}
		leaderboards.clear();
		return c.json({ battle_id: vote.battle_id, duplicate: false, ...(shared ? { conversation_kept: kept !== undefined } : {}) } satisfies VoteResponse);
	});

	app.get('/api/arena/leaderboard', (c) => {
		const query = LeaderboardQuerySchema.safeParse({
			bootstrap: c.req.query('bootstrap') || undefined,
			category: c.req.query('category') || undefined,
			style_control: c.req.query('style_control') || undefined,
			exclude_ties: c.req.query('exclude_ties') || undefined,
			exclude_models: c.req.query('exclude_models') || undefined
		});
		if (!query.success) throw fromZodError(query.error);
		const q = query.data;
		const key = JSON.stringify(q);
		let board = leaderboards.get(key);
		if (!board) {
			// Named and excluded votes stay stored and exported, but like FastChat only clean anonymous ones are rated.
			const battles = withoutAnomalousVoters(arena.countedVotes(), integrity.anomalyAlpha).map(toRated);
			let rated;
			try {
				rated = buildBoard(battles, {
					category: q.category,
					styleControl: q.style_control,
					excludeModels: q.exclude_models,
					excludeTies: q.exclude_ties,
					bootstrapRounds: q.bootstrap,
					seed: BOOTSTRAP_SEED
				});
			} catch (err) {
				throw badRequest(`'category': ${(err as Error).message}`, 'category', 'unknown_category');
			}
			const style = rated.style && {
				rows: rated.style.rows.map((r) => ({
					model: r.model,
					rating: r.rating,
					ci: r.ci,
					votes: r.votes,
					rank: r.rank,
					raw_rating: Number.isFinite(r.rawRating) ? r.rawRating : null,
					raw_rank: Number.isFinite(r.rawRank) ? r.rawRank : null,
					rank_change: Number.isFinite(r.rankChange) ? r.rankChange : null
				})),
				coefficients: rated.style.coefficients,
				left_out: rated.style.leftOut
			};
			// JSON has no NaN: a style-controlled row has no Elo, so it carries the raw board's Elo when there is one (else 0, unused by style views).
			const rows = rated.rows.map((r) => ({ ...r, elo: Number.isFinite(r.elo) ? r.elo : 0 }));
			board = { rows, battles: rated.battles, bootstrap_rounds: q.bootstrap, computed_at: clock(), category: q.category, categories: rated.categories, ...(style ? { style } : {}) };
			leaderboards.set(key, board);
		}
		return c.json(board satisfies LeaderboardResponse);
	});

	app.get('/api/arena/battles.jsonl', (c) => {
		const query = ExportQuerySchema.safeParse({ clean: c.req.query('clean') || undefined });
		if (!query.success) throw fromZodError(query.error);
		const records = arena.allVotes();
		const body = query.data.clean
			? cleanRelease(records, { salt: integrity.salt, percentile: integrity.dedupPercentile, anomalous: flaggedVoters(arena.countedVotes(), integrity.anomalyAlpha) })
			: operatorExport(records);
		const name = query.data.clean ? 'clean_battles.jsonl' : 'battles.jsonl';
		return c.body(body, 200, {
			'Content-Type': 'application/x-ndjson; charset=utf-8',
			'Content-Disposition': `attachment; filename="${name}"`
		});
	});

	return app;
}
