// What the results part shows from one judgment file: the table by mode, the radar chart's values per
// category (scores, or adjusted win rates), and one question's judgments.
import { describe, expect, it } from 'vitest';
import type { PairJudgmentLine, Question, SingleJudgmentLine } from '$lib/mtbench';
import { categoriesOf, judgeOfPath, kindOf, pairJudgment, radarData, resultTable, formatRate, formatScore } from './results-view';

const questions: Question[] = [
	{ question_id: 1, category: 'math', turns: ['a', 'b'] },
	{ question_id: 2, category: 'writing', turns: ['c', 'd'] },
	{ question_id: 3, category: 'poetry', turns: ['e'] }
];
const s = (question_id: number, model: string, turn: number, score: number): SingleJudgmentLine => ({ question_id, model, judge: ['j', 'single-v1'], score, turn });
const p = (question_id: number, g1: string, g2: string, turn = 1): PairJudgmentLine => ({
	question_id,
	model_1: 'a',
	model_2: 'b',
	g1_winner: g1,
	g2_winner: g2,
	judge: ['j', 'pair-v2'],
	turn
});

describe('results view', () => {
	it('orders categories as FastChat does, unknown ones after, by name', () => {
		expect(categoriesOf(questions)).toEqual(['writing', 'math', 'poetry']);
	});

	it('single: mean score per model and category over both turns, unparsed scores left out', () => {
		const lines = [s(1, 'a', 1, 8), s(1, 'a', 2, 6), s(2, 'a', 1, 4), s(2, 'a', 2, -1), s(1, 'b', 1, 2)];
		expect(kindOf(lines)).toBe('single');
		expect(radarData(lines, questions, { mode: 'single' })).toEqual({
			categories: ['writing', 'math', 'poetry'],
			series: [
				{ model: 'a', values: [4, 7, null] },
				{ model: 'b', values: [null, 2, null] }
			],
			max: 10,
			measure: 'Mean score (1–10)'
		});
		expect(resultTable(lines, { mode: 'single' }).rows.map((r) => r.model)).toEqual(['a', 'b']);
	});

	it('pairwise: adjusted win rate per category, an inconsistent pair counted as a tie', () => {
		const lines = [p(1, 'model_1', 'model_1'), p(1, 'model_1', 'model_2', 2), p(2, 'model_2', 'model_2')];
		expect(kindOf(lines)).toBe('pair');
		const radar = radarData(lines, questions, { mode: 'pairwise-all' });
		expect(radar.series).toEqual([
			{ model: 'a', values: [0, 0.75, null] },
			{ model: 'b', values: [1, 0.25, null] }
		]);
		expect(radar.max).toBe(1);
		expect(resultTable(lines, { mode: 'pairwise-all' })).toMatchObject({ mode: 'pairwise-all', rows: [{ model: 'a', win: 1, loss: 1, tie: 1, win_rate_adjusted: 0.5 }, { model: 'b', win: 1, loss: 1, tie: 1 }] });
	});

	it('finds a pair’s judgment whichever model came first, and the judge from a file name', () => {
		const lines = [p(1, 'model_1', 'model_1'), p(1, 'tie', 'tie', 2)];
		expect(pairJudgment(lines, '1', 'b', 'a', 2)?.g1_winner).toBe('tie');
		expect(pairJudgment(lines, '1', 'a', 'c', 1)).toBeUndefined();
		expect(judgeOfPath('model_judgment/gpt-4_single.jsonl')).toBe('gpt-4');
		expect(judgeOfPath('model_judgment/gpt-4_pair.jsonl')).toBe('gpt-4');
	});

	it('prints scores with two decimals and rates with three', () => {
		expect([formatScore(3.967741), formatScore(null), formatRate(0.8125), formatRate(0.1875)]).toEqual(['3.97', '–', '0.813', '0.188']);
	});
});
