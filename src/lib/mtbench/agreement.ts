// Agreement between two judges on the same pairs (FastChat's compute_agreement.py): votes are keyed by
// (question, the two models in name order) per turn, with the winner flipped when the models were listed the
// other way round; every vote of judge 1 is compared with every vote of judge 2 on the same key. "With tie"
// counts all of them (any two ties agree, whatever their kind); "without tie" leaves out every pair in which
// either vote is a tie.
import { pairOutcome } from './results';
import type { PairJudgmentLine, Vote } from './schemas';

export type AgreementCount = { agree: number; total: number; ratio: number | null };
export type TurnAgreement = { withTie: AgreementCount; withoutTie: AgreementCount };
/** Index 0 is turn 1, index 1 is turn 2. */
export type Agreement = [TurnAgreement, TurnAgreement];

/**
 * Lumen's (and FastChat's) pairwise judgment lines as votes: a consistent pair of games is a win, an
 * inconsistent pair a tie (as show_result counts it), a pair with an unparsed game is left out.
 */
export function votesFromPairJudgments(judgments: readonly PairJudgmentLine[]): Vote[] {
	const votes: Vote[] = [];
	for (const j of judgments) {
		if (j.g1_winner === 'error' || j.g2_winner === 'error') continue;
		const outcome = pairOutcome(j.g1_winner, j.g2_winner);
		const winner = outcome === 'model_1' ? 'model_a' : outcome === 'model_2' ? 'model_b' : 'tie';
		votes.push({ question_id: j.question_id, model_a: j.model_1, model_b: j.model_2, winner, judge: j.judge, turn: j.turn ?? 1 });
	}
	return votes;
}

const flip = (winner: string) => (winner === 'model_a' ? 'model_b' : winner === 'model_b' ? 'model_a' : winner);
const isTie = (vote: string) => vote.includes('tie');
const same = (a: string, b: string) => (isTie(a) && isTie(b)) || a === b;

/** Votes per turn by key `question|model|model` (models in name order), winners relative to that order. */
function byKey(votes: readonly Vote[]): [Map<string, string[]>, Map<string, string[]>] {
	const turns: [Map<string, string[]>, Map<string, string[]>] = [new Map(), new Map()];
	for (const v of votes) {
		const map = turns[v.turn - 1];
		if (!map) continue;
		const inOrder = v.model_a < v.model_b;
		const key = inOrder ? `${v.question_id}|${v.model_a}|${v.model_b}` : `${v.question_id}|${v.model_b}|${v.model_a}`;
		let list = map.get(key);
		if (!list) map.set(key, (list = []));
		list.push(inOrder ? v.winner : flip(v.winner));
	}
	return turns;
}

function count(a: Map<string, string[]>, b: Map<string, string[]>, banTies: boolean): AgreementCount {
	let agree = 0;
	let total = 0;
	for (const [key, votesA] of a) {
		const votesB = b.get(key);
		if (!votesB) continue;
		for (const va of votesA) {
			if (banTies && isTie(va)) continue;
			for (const vb of votesB) {
				if (banTies && isTie(vb)) continue;
				total++;
				if (same(va, vb)) agree++;
			}
		}
	}
	return { agree, total, ratio: total ? agree / total : null };
}

/** How often judge 1's votes match judge 2's, per turn, with and without ties. */
export function computeAgreement(judge1: readonly Vote[], judge2: readonly Vote[]): Agreement {
	const [a, b] = [byKey(judge1), byKey(judge2)];
	return [0, 1].map((t) => ({ withTie: count(a[t], b[t], false), withoutTie: count(a[t], b[t], true) })) as Agreement;
}
