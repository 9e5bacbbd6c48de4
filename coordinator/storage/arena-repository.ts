// The arena repository: battles and their (at most one) vote in SQLite. Plain functions over
// prepared statements; the rules about which vote is accepted live in routes/arena.ts.
import type { ArenaVote, ArenaWinner, Battle } from '#protocol/arena';
import type { Db } from './db';

export type BattleOrigin = 'coordinator' | 'browser';

type BattleRow = { battle_id: string; model_a: string; model_b: string; anony: number; created_at: number };
type VoteRow = { battle_id: string; model_a: string; model_b: string; winner: ArenaWinner; anony: number; tstamp: number; turn: number };

const toBattle = (r: BattleRow): Battle => ({ battle_id: r.battle_id, model_a: r.model_a, model_b: r.model_b, anony: r.anony === 1, created_at: r.created_at });
const toVote = (r: VoteRow): ArenaVote => ({
	battle_id: r.battle_id,
	model_a: r.model_a,
	model_b: r.model_b,
	winner: r.winner,
	anony: r.anony === 1,
	tstamp: r.tstamp,
	turn: r.turn
});

export function createArenaRepository(db: Db) {
	const insertBattleStmt = db.prepare(
		'INSERT INTO arena_battles (battle_id, model_a, model_b, anony, origin, created_at) VALUES (?, ?, ?, ?, ?, ?)'
	);
	const getBattleStmt = db.prepare('SELECT battle_id, model_a, model_b, anony, created_at FROM arena_battles WHERE battle_id = ?');
	const insertVoteStmt = db.prepare(
		'INSERT INTO arena_votes (battle_id, model_a, model_b, winner, anony, tstamp, turn, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
	);
	const voteCols = 'battle_id, model_a, model_b, winner, anony, tstamp, turn';
	const getVoteStmt = db.prepare(`SELECT ${voteCols} FROM arena_votes WHERE battle_id = ?`);
	const allVotesStmt = db.prepare(`SELECT ${voteCols} FROM arena_votes ORDER BY tstamp, received_at`);
	const countVotesStmt = db.prepare('SELECT COUNT(*) AS n FROM arena_votes');

	function insertBattle(battle: Battle, origin: BattleOrigin): void {
		insertBattleStmt.run(battle.battle_id, battle.model_a, battle.model_b, battle.anony ? 1 : 0, origin, battle.created_at);
	}

	function getBattle(battleId: string): Battle | undefined {
		const row = getBattleStmt.get(battleId) as BattleRow | undefined;
		return row && toBattle(row);
	}

	function getVote(battleId: string): ArenaVote | undefined {
		const row = getVoteStmt.get(battleId) as VoteRow | undefined;
		return row && toVote(row);
	}

	/** Stores the vote; when `battle` is given (a battle the browser paired) it is created in the same transaction. */
	const insertVote = db.transaction((vote: ArenaVote, receivedAt: number, battle?: Battle) => {
		if (battle) insertBattle(battle, 'browser');
		insertVoteStmt.run(vote.battle_id, vote.model_a, vote.model_b, vote.winner, vote.anony ? 1 : 0, vote.tstamp, vote.turn, receivedAt);
	});

	/** Every vote, oldest first (by the voter's timestamp). */
	const allVotes = (): ArenaVote[] => (allVotesStmt.all() as VoteRow[]).map(toVote);

	const countVotes = (): number => (countVotesStmt.get() as { n: number }).n;

	return { insertBattle, getBattle, getVote, insertVote, allVotes, countVotes };
}

export type ArenaRepository = ReturnType<typeof createArenaRepository>;
