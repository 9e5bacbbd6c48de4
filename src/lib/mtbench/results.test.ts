// show_result numbers and compute_agreement on small files whose answers were worked out by hand (see the
// comments beside each expectation).
import { describe, expect, it } from 'vitest';
import { computeAgreement, votesFromPairJudgments } from './agreement';
import { categoryScores, pairOutcome, showPairwise, showSingle } from './results';
import type { PairJudgmentLine, SingleJudgmentLine, Vote } from './schemas';

const judge: [string, string] = ['gpt-4', 'single-v1'];
const single = (model: string, question_id: number, turn: number, score: number): SingleJudgmentLine => ({ question_id, model, judge, score, turn });
const pair = (question_id: number, model_1: string, model_2: string, g1_winner: string, g2_winner: string, turn = 1): PairJudgmentLine => ({
	question_id,
	model_1,
	model_2,
	g1_winner,
	g2_winner,
	judge: ['gpt-4', 'pair-v2'],
	turn
});

describe('showSingle', () => {
	it('averages turn 1, turn 2 and all scores per model, leaving out -1, best average first', () => {
		const rows = showSingle([
			single('x', 1, 1, 8),
			single('x', 2, 1, 6),
			single('x', 3, 1, -1),
			single('x', 4, 1, 10),
			single('x', 1, 2, 4),
			single('x', 2, 2, 5),
			single('y', 1, 1, 3),
			single('z', 1, 1, -1)
		]).rows;
		// x: turn 1 (8+6+10)/3 = 8, turn 2 (4+5)/2 = 4.5, all (8+6+10+4+5)/5 = 6.6. y: 3, no turn 2. z: only -1, so no row.
		expect(rows).toEqual([
			{ model: 'x', turn1: 8, turn2: 4.5, average: 6.6 },
			{ model: 'y', turn1: 3, turn2: null, average: 3 }
		]);
	});
	it('keeps only listed models when given a model list', () => {
		expect(showSingle([single('x', 1, 1, 8), single('y', 1, 1, 3)], { modelList: ['y'] }).rows.map((r) => r.model)).toEqual(['y']);
	});
});

describe('showPairwise', () => {
	const lines = [
		pair(1, 'a', 'b', 'model_1', 'model_1'), // a wins
		pair(2, 'a', 'b', 'model_2', 'model_2'), // b wins
		pair(3, 'a', 'b', 'model_1', 'model_2'), // the games disagree: tie
		pair(4, 'a', 'c', 'tie', 'tie'), // tie
		pair(5, 'a', 'c', 'tie', 'model_1'), // game 1 is a tie: tie
		pair(6, 'b', 'c', 'model_2', 'tie'), // disagree: tie
		pair(7, 'b', 'c', 'error', 'model_1'), // no verdict in one game: dropped
		pair(8, 'c', 'a', 'model_1', 'model_1') // c wins
	];

	it('pairwise-all: win / loss / tie and the three rates per model, best adjusted win rate first', () => {
		// a: 1 win, 2 losses, 3 ties (n 6); b: 1, 1, 2 (n 4); c: 1, 0, 3 (n 4). Adjusted = (win + tie/2) / n.
		expect(showPairwise(lines, { mode: 'pairwise-all', baselineModel: 'b' })).toEqual({
			mode: 'pairwise-all',
			rows: [
				{ model: 'c', win: 1, loss: 0, tie: 3, win_rate: 0.25, loss_rate: 0, win_rate_adjusted: 0.625 },
				{ model: 'b', win: 1, loss: 1, tie: 2, win_rate: 0.25, loss_rate: 0.25, win_rate_adjusted: 0.5 },
				{ model: 'a', win: 1, loss: 2, tie: 3, win_rate: 1 / 6, loss_rate: 2 / 6, win_rate_adjusted: 2.5 / 6 }
			]
		});
	});

	it('pairwise-baseline: only pairs with the baseline count, and the baseline has no row', () => {
		// With b: lines 1, 2, 3, 6 (7 is dropped). a: 1 win, 1 loss, 1 tie; c: 1 tie.
		expect(showPairwise(lines, { mode: 'pairwise-baseline', baselineModel: 'b' }).rows).toEqual([
			{ model: 'a', win: 1, loss: 1, tie: 1, win_rate: 1 / 3, loss_rate: 1 / 3, win_rate_adjusted: 0.5 },
			{ model: 'c', win: 0, loss: 0, tie: 1, win_rate: 0, loss_rate: 0, win_rate_adjusted: 0.5 }
		]);
	});

	it('reads a pair of games as FastChat does', () => {
		expect([pairOutcome('model_1', 'model_1'), pairOutcome('model_2', 'model_2'), pairOutcome('model_1', 'model_2'), pairOutcome('tie', 'tie'), pairOutcome('tie', 'model_1')]).toEqual([
			'model_1',
			'model_2',
			'tie',
			'tie',
			'tie'
		]);
	});
});

describe('categoryScores', () => {
	it('averages both turns per model and category, leaving out -1 and unknown questions', () => {
		const questions = [
			{ question_id: 1, category: 'math', turns: ['?'] },
			{ question_id: 2, category: 'writing', turns: ['?'] }
		];
		const scores = categoryScores([single('x', 1, 1, 8), single('x', 1, 2, 6), single('x', 2, 1, -1), single('x', 2, 2, 9), single('x', 99, 1, 1)], questions);
		expect(Object.fromEntries(scores.get('x')!)).toEqual({ math: 7, writing: 9 });
	});
});

describe('computeAgreement (FastChat compute_agreement)', () => {
	it('compares votes per question and model pair, flipping winners to one model order, with and without ties', () => {
		const ours = votesFromPairJudgments([
			pair(1, 'a', 'b', 'model_1', 'model_1'), // a
			pair(2, 'b', 'a', 'model_1', 'model_1'), // b, i.e. model_b in (a, b) order
			pair(3, 'a', 'b', 'model_1', 'model_2'), // inconsistent: tie
			pair(4, 'a', 'b', 'error', 'model_1'), // no vote
			pair(1, 'a', 'b', 'model_2', 'model_2', 2) // turn 2: b
		]);
		expect(ours.map((v) => v.winner)).toEqual(['model_a', 'model_a', 'tie', 'model_b']);
		const human = (question_id: number, model_a: string, model_b: string, winner: string, turn = 1): Vote => ({ question_id, model_a, model_b, winner, judge: 'expert_1', turn });
		const theirs = [
			human(1, 'a', 'b', 'model_a'), // agrees
			human(1, 'b', 'a', 'model_b'), // = model_a in (a, b) order: agrees
			human(2, 'a', 'b', 'model_b'), // agrees
			human(3, 'a', 'b', 'tie (bothbad)'), // any two ties agree
			human(3, 'a', 'b', 'model_a'), // disagrees with our tie
			human(4, 'a', 'b', 'model_a'), // we have no vote: not counted
			human(1, 'a', 'b', 'model_a', 2) // disagrees
		];
		const [turn1, turn2] = computeAgreement(ours, theirs);
		expect(turn1).toEqual({ withTie: { agree: 4, total: 5, ratio: 0.8 }, withoutTie: { agree: 3, total: 3, ratio: 1 } });
		expect(turn2).toEqual({ withTie: { agree: 0, total: 1, ratio: 0 }, withoutTie: { agree: 0, total: 1, ratio: 0 } });
	});
	it('has no ratio when nothing is shared', () => {
		expect(computeAgreement([], [])[0].withTie).toEqual({ agree: 0, total: 0, ratio: null });
	});
});
