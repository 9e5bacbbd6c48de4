// The arena repository: battles and their (at most one) vote in SQLite. Plain functions over
// prepared statements; the rules about which vote is accepted live in routes/arena.ts.
import { createHash } from 'node:crypto';
import type { ArenaVote, ArenaWinner, Battle, SharedConversation } from '#protocol/arena';
import { BATTLE_EXTRA_FIELDS } from '#protocol/battle-fields';
import type { Db } from './db';

/** coordinator: paired here; local: the page drew its own models and was issued the id here; browser/unverified: created from a vote. */
export type BattleOrigin = 'coordinator' | 'local' | 'browser' | 'unverified';
/** Why a stored vote is left off the board (null: it counts). */
export type Exclusion = 'unverified' | 'identity_leak' | 'answer_error' | 'unfinished';

/** A battle as stored, with what its prompts have used so far. */
export type StoredBattle = Battle & {
	origin: BattleOrigin;
	voter_hash: string | null;
	turns: number;
	prompt_chars: number;
	identity_leak: boolean;
	/** Chained hash of the prompts let in (null: none went through /api/arena/moderate). */
	prompt_hash: string | null;
};
/** Who cast a vote and whether it counts. */
export type VoteMeta = { voter_hash: string | null; address_hash: string | null; verified: boolean; excluded: Exclusion | null };
/** A stored vote with everything the exports need: its analysis fields, voter, exclusion, prompt fingerprint and any shared conversation. */
export type VoteRecord = ArenaVote & {
	voter_hash: string | null;
	excluded: Exclusion | null;
	prompt_hash: string | null;
	conversation: SharedConversation | null;
};

/** The analysis fields the page computed (language, conv_metadata, flags); the coordinator's own (judge, question_id, dedup_tag) are not taken from a vote. */
const VOTE_ANALYSIS_FIELDS = BATTLE_EXTRA_FIELDS.filter((k) => k !== 'judge' && k !== 'question_id' && k !== 'dedup_tag');

function analysisOf(vote: ArenaVote): string | null {
	const out: Record<string, unknown> = {};
	for (const key of VOTE_ANALYSIS_FIELDS) if (vote[key] !== undefined) out[key] = vote[key];
	return Object.keys(out).length ? JSON.stringify(out) : null;
}

/** The next link of a battle's prompt fingerprint: FastChat dedups on the joined prompts; the chain is the same identity without keeping them. */
export const nextPromptHash = (previous: string | null, prompt: string): string =>
	createHash('sha256').update(previous ?? '').update('\0').update(prompt).digest('hex');

type BattleRow = {
	battle_id: string;
	model_a: string;
	model_b: string;
	anony: number;
	created_at: number;
	origin: BattleOrigin;
	voter_hash: string | null;
	turns: number;
	prompt_chars: number;
	identity_leak: number;
	prompt_hash: string | null;
};
type VoteRow = { battle_id: string; model_a: string; model_b: string; winner: ArenaWinner; anony: number; tstamp: number; turn: number; analysis: string | null };
type VoteRecordRow = VoteRow & { voter_hash: string | null; excluded: Exclusion | null; prompt_hash: string | null; conversation: string | null };

const toBattle = (r: BattleRow): StoredBattle => ({
	battle_id: r.battle_id,
	model_a: r.model_a,
	model_b: r.model_b,
	anony: r.anony === 1,
	created_at: r.created_at,
	origin: r.origin,
	voter_hash: r.voter_hash,
	turns: r.turns,
	prompt_chars: r.prompt_chars,
	identity_leak: r.identity_leak === 1,
	prompt_hash: r.prompt_hash
});
const toVote = (r: VoteRow): ArenaVote => ({
	battle_id: r.battle_id,
	model_a: r.model_a,
	model_b: r.model_b,
	winner: r.winner,
	anony: r.anony === 1,
	tstamp: r.tstamp,
	turn: r.turn,
	...(r.analysis ? (JSON.parse(r.analysis) as Partial<ArenaVote>) : {})
});
const toRecord = (r: VoteRecordRow): VoteRecord => ({
	...toVote(r),
	voter_hash: r.voter_hash,
	excluded: r.excluded,
	prompt_hash: r.prompt_hash,
	conversation: r.conversation ? (JSON.parse(r.conversation) as SharedConversation) : null
});

const NO_META: VoteMeta = { voter_hash: null, address_hash: null, verified: true, excluded: null };

export function createArenaRepository(db: Db) {
	const insertBattleStmt = db.prepare(
		'INSERT INTO arena_battles (battle_id, model_a, model_b, anony, origin, created_at, voter_hash) VALUES (?, ?, ?, ?, ?, ?, ?)'
	);
	const getBattleStmt = db.prepare(
		'SELECT battle_id, model_a, model_b, anony, created_at, origin, voter_hash, turns, prompt_chars, identity_leak, prompt_hash FROM arena_battles WHERE battle_id = ?'
	);
	const addPromptStmt = db.prepare(
		'UPDATE arena_battles SET turns = turns + 1, prompt_chars = prompt_chars + ?, identity_leak = MAX(identity_leak, ?), prompt_hash = ? WHERE battle_id = ?'
	);
	const promptHashStmt = db.prepare('SELECT prompt_hash FROM arena_battles WHERE battle_id = ?');
	const insertVoteStmt = db.prepare(
		`INSERT INTO arena_votes (battle_id, model_a, model_b, winner, anony, tstamp, turn, received_at, voter_hash, address_hash, verified, excluded, analysis, conversation)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	);
	const voteCols = 'battle_id, model_a, model_b, winner, anony, tstamp, turn, analysis';
	const getVoteStmt = db.prepare(`SELECT ${voteCols} FROM arena_votes WHERE battle_id = ?`);
	const allVotesStmt = db.prepare(
		`SELECT v.battle_id, v.model_a, v.model_b, v.winner, v.anony, v.tstamp, v.turn, v.analysis, v.voter_hash, v.excluded, v.conversation, b.prompt_hash
		 FROM arena_votes v LEFT JOIN arena_battles b ON b.battle_id = v.battle_id ORDER BY v.tstamp, v.received_at`
	);
	const countedVotesStmt = db.prepare(`SELECT ${voteCols}, voter_hash FROM arena_votes WHERE excluded IS NULL ORDER BY received_at`);
	const countVotesStmt = db.prepare('SELECT COUNT(*) AS n FROM arena_votes');
	const votesByVoterStmt = db.prepare('SELECT COUNT(*) AS n FROM arena_votes WHERE voter_hash = ? AND received_at > ?');
	const votesByAddressStmt = db.prepare('SELECT COUNT(*) AS n FROM arena_votes WHERE address_hash = ? AND received_at > ?');
	const exclusionsStmt = db.prepare('SELECT excluded, COUNT(*) AS n FROM arena_votes WHERE excluded IS NOT NULL GROUP BY excluded');

	function insertBattle(battle: Battle, origin: BattleOrigin, voterHash: string | null = null): void {
		insertBattleStmt.run(battle.battle_id, battle.model_a, battle.model_b, battle.anony ? 1 : 0, origin, battle.created_at, voterHash);
	}

	function getBattle(battleId: string): StoredBattle | undefined {
		const row = getBattleStmt.get(battleId) as BattleRow | undefined;
		return row && toBattle(row);
	}

	/** Counts one prompt let into the battle (its characters, whether it named a model) and chains it into the battle's prompt fingerprint. */
	const addPrompt = db.transaction((battleId: string, prompt: string, identityLeak: boolean): void => {
		const row = promptHashStmt.get(battleId) as { prompt_hash: string | null } | undefined;
		if (!row) return;
		addPromptStmt.run(prompt.length, identityLeak ? 1 : 0, nextPromptHash(row.prompt_hash, prompt), battleId);
	});

	function getVote(battleId: string): ArenaVote | undefined {
		const row = getVoteStmt.get(battleId) as VoteRow | undefined;
		return row && toVote(row);
	}

	/** Stores the vote; when `battle` is given (one no coordinator issued) it is created in the same transaction. */
	const insertVote = db.transaction(
		(vote: ArenaVote, receivedAt: number, battle?: Battle, meta: VoteMeta = NO_META, origin: BattleOrigin = 'browser', conversation?: SharedConversation) => {
			if (battle) insertBattle(battle, origin, meta.voter_hash);
			insertVoteStmt.run(
				vote.battle_id,
				vote.model_a,
				vote.model_b,
				vote.winner,
				vote.anony ? 1 : 0,
				vote.tstamp,
				vote.turn,
				receivedAt,
				meta.voter_hash,
				meta.address_hash,
				meta.verified ? 1 : 0,
				meta.excluded,
				analysisOf(vote),
				conversation ? JSON.stringify(conversation) : null
			);
		}
	);

	/** Every vote with its voter, exclusion, prompt fingerprint and shared conversation, oldest first (by the voter's timestamp). */
	const allVotes = (): VoteRecord[] => (allVotesStmt.all() as VoteRecordRow[]).map(toRecord);

	/** The votes the public board counts (verified, with no identity leak, error or unfinished answer), in the order received, with their voter. */
	const countedVotes = (): (ArenaVote & { voter_hash: string | null })[] =>
		(countedVotesStmt.all() as (VoteRow & { voter_hash: string | null })[]).map((r) => ({ ...toVote(r), voter_hash: r.voter_hash }));

	const countVotes = (): number => (countVotesStmt.get() as { n: number }).n;

	/** Votes stored for this voter (or address) since `since` (unix ms). */
	const votesByVoterSince = (voterHash: string, since: number): number => (votesByVoterStmt.get(voterHash, since) as { n: number }).n;
	const votesByAddressSince = (addressHash: string, since: number): number => (votesByAddressStmt.get(addressHash, since) as { n: number }).n;

	/** How many stored votes are left off the board, by reason. */
	const exclusions = (): Record<string, number> =>
		Object.fromEntries((exclusionsStmt.all() as { excluded: string; n: number }[]).map((r) => [r.excluded, r.n]));

	return { insertBattle, getBattle, addPrompt, getVote, insertVote, allVotes, countedVotes, countVotes, votesByVoterSince, votesByAddressSince, exclusions };
}

export type ArenaRepository = ReturnType<typeof createArenaRepository>;
