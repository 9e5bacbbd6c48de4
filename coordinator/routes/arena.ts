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
	type ArenaVote,
	type Battle,
	type LeaderboardResponse,
	type VoteResponse
} from '#protocol/arena';
import { filterAnonymous, type Battle as RatedBattle } from '#rating/battle';
import { toJsonl } from '#rating/jsonl';
import { computeLeaderboard } from '#rating/leaderboard';
import { leakedIdentity, limitProblem, ModerateRequestSchema, type ModerateResponse } from '#protocol/arena-integrity';
import { anomalousVoters, DEFAULT_ANOMALY } from '../arena-anomaly';
import { checkDailyCap, perMinuteLimiter, voterOf, type ArenaIntegrity } from '../arena-integrity';
import type { AppEnv } from '../env';
import { ApiError, badRequest, fromZodError, noWorker } from '../errors';
import type { Rng } from '../registry/pick';
import type { Registry } from '../registry/registry';
import type { ArenaRepository, Exclusion, StoredBattle } from '../storage/arena-repository';
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

const LeaderboardQuerySchema = z.object({
	bootstrap: z.coerce.number().int().min(0).max(MAX_BOOTSTRAP).default(DEFAULT_BOOTSTRAP)
});

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

/** A vote body: the vote plus the browser's anonymous id (hashed with the address, never stored as sent). */
const VoteRequestSchema = ArenaVoteSchema.extend({ voter_id: z.string().min(1).max(100).optional() });

const notIssued = (battleId: string) =>
	badRequest(
		`Battle ${battleId} was never issued by this coordinator, so its vote cannot count. Start each battle with POST /api/arena/battles and vote with the battle_id it returns.`,
		'battle_id',
		'battle_not_issued'
	);

/** Why a vote is left off the board (FastChat's clean_battle_data.py rules), or null when it counts. */
function exclusionOf(vote: ArenaVote, battle: StoredBattle | undefined): Exclusion | null {
	if (!battle) return 'unverified';
	if (vote.identity_leak || battle.identity_leak) return 'identity_leak';
	if (vote.answer_error) return 'answer_error';
	if (vote.unfinished) return 'unfinished';
	return null;
}

/** Drops the votes of voters the sequential test flags (the paper's anomalous users); oldest first by the voter's clock. */
function withoutAnomalousVoters(votes: (ArenaVote & { voter_hash: string | null })[], alpha: number): ArenaVote[] {
	const sorted = (vs: ArenaVote[]) => vs.sort((x, y) => x.tstamp - y.tstamp);
	if (alpha <= 0) return sorted(votes);
	const known = votes.filter((v): v is ArenaVote & { voter_hash: string } => v.voter_hash !== null);
	const flagged = anomalousVoters(
		known.map((v) => ({ voter: v.voter_hash, model_a: v.model_a, model_b: v.model_b, winner: v.winner })),
		{ ...DEFAULT_ANOMALY, alpha }
	);
	return sorted(votes.filter((v) => v.voter_hash === null || !flagged.has(v.voter_hash)));
}

const toRated = ({ model_a, model_b, winner, anony, tstamp, turn }: ArenaVote): RatedBattle => ({ model_a, model_b, winner, anony, tstamp, turn });

export function arenaRoutes({ registry, arena, bodyLimit, integrity, rng = Math.random, clock = Date.now, pairing = {} }: ArenaRouteDeps) {
	const app = new Hono<AppEnv>();
	const voteRate = perMinuteLimiter(integrity.votesPerMinute, 'arena votes', clock);
	const battleRate = perMinuteLimiter(integrity.battlesPerMinute, 'arena battles and messages', clock);
	/** Leaderboards by bootstrap rounds; emptied whenever a vote is stored. */
	const leaderboards = new Map<number, LeaderboardResponse>();
	/** `active` pairing's statistics over the rated (anonymous) votes, rebuilt at most every 30 s when votes came in. */
	const activePairing =
		pairing.policy === 'active' ? cachedActivePairing({
					countVotes: arena.countVotes,
					// The votes the board counts: pairing narrows the intervals people see.
					battles: () => filterAnonymous(withoutAnomalousVoters(arena.countedVotes(), integrity.anomalyAlpha).map(toRated))
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
		return c.json({ ...battle, limits: integrity.limits } satisfies Battle);
	});

	app.post('/api/arena/moderate', async (c) => {
		const req = await parseBody(c, ModerateRequestSchema, bodyLimit);
		battleRate(voterOf(c, integrity.salt, req.voter_id).address);
		const battle = arena.getBattle(req.battle_id);
		if (!battle) throw notIssued(req.battle_id);
		const problem = limitProblem(integrity.limits, battle.turns, battle.prompt_chars, req.text);
		if (problem) throw badRequest(problem, 'text', 'battle_limit');
		const verdict = await integrity.moderate(req.text);
		// Let in: counted against the battle's limits; a prompt naming a model marks the battle (FastChat counts every message).
		if (!verdict.flagged) arena.addPrompt(battle.battle_id, req.text.length, leakedIdentity([req.text], [battle.model_a, battle.model_b]) !== null);
		return c.json(verdict satisfies ModerateResponse);
	});

	app.post('/api/arena/votes', async (c) => {
		const { voter_id, ...body } = await parseBody(c, VoteRequestSchema, bodyLimit);
		const vote: ArenaVote = ArenaVoteSchema.parse(body);
		if (vote.model_a === vote.model_b) throw badRequest("'model_a' and 'model_b' must be different models.", 'model_b');
		if (vote.turn > integrity.limits.max_turns)
			throw badRequest(`'turn' is ${vote.turn} but an arena battle has at most ${integrity.limits.max_turns} turns.`, 'turn', 'battle_limit');
		const voter = voterOf(c, integrity.salt, voter_id);
		voteRate(voter.voter);
		// No await from here on: the checks and the insert cannot interleave with another vote.
		const battle = arena.getBattle(vote.battle_id);
		if (!battle && integrity.unverifiedVotes === 'refuse') throw notIssued(vote.battle_id);
		if (battle) {
			const repeat = checkAgainstBattle(vote, battle, arena.getVote(vote.battle_id));
			if (repeat) return c.json(repeat satisfies VoteResponse);
		}
		const now = clock();
		checkDailyCap(integrity, voter, now, { byVoter: arena.votesByVoterSince, byAddress: arena.votesByAddressSince });
		const meta = { voter_hash: voter.voter, address_hash: voter.address, verified: battle !== undefined, excluded: exclusionOf(vote, battle) };
		if (battle) arena.insertVote(vote, now, undefined, meta);
		else {
			const unverified: Battle = { battle_id: vote.battle_id, model_a: vote.model_a, model_b: vote.model_b, anony: vote.anony, created_at: now };
			arena.insertVote(vote, now, unverified, meta, 'unverified');
		}
		leaderboards.clear();
		return c.json({ battle_id: vote.battle_id, duplicate: false } satisfies VoteResponse);
	});

	app.get('/api/arena/leaderboard', (c) => {
		const query = LeaderboardQuerySchema.safeParse({ bootstrap: c.req.query('bootstrap') || undefined });
		if (!query.success) throw fromZodError(query.error);
		const rounds = query.data.bootstrap;
		let board = leaderboards.get(rounds);
		if (!board) {
			// Named and excluded votes stay stored and exported, but like FastChat only clean anonymous ones are rated.
			const battles = filterAnonymous(withoutAnomalousVoters(arena.countedVotes(), integrity.anomalyAlpha).map(toRated));
			const rows = battles.length === 0 ? [] : computeLeaderboard(battles, { bootstrapRounds: rounds, seed: BOOTSTRAP_SEED });
			board = { rows, battles: battles.length, bootstrap_rounds: rounds, computed_at: clock() };
			leaderboards.set(rounds, board);
		}
		return c.json(board satisfies LeaderboardResponse);
	});

	app.get('/api/arena/battles.jsonl', (c) => {
		const body = toJsonl(arena.allVotes().map(toRated));
		return c.body(body, 200, {
			'Content-Type': 'application/x-ndjson; charset=utf-8',
			'Content-Disposition': 'attachment; filename="battles.jsonl"'
		});
	});

	return app;
}
