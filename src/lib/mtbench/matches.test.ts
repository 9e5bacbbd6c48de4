// Match building as FastChat's gen_judgment.py does it: which games, in what order, with which prompt and
// reference; the swapped second game; the judgment lines written, with FastChat's field names.
import { describe, expect, it } from 'vitest';
import { builtinJudgePrompts } from './builtin';
import { buildMatches, gameWinner, indexAnswers, judgmentKey, matchKey, pairGame, pairJudgmentRecord, singleGame, singleJudgmentRecord, type BenchData, type Match, type PairMatch, type SingleMatch } from './matches';
import type { ModelAnswerLine, Question } from './schemas';

const questions: Question[] = [
	{ question_id: 1, category: 'writing', turns: ['W1', 'W2'] },
	{ question_id: 2, category: 'math', turns: ['M1', 'M2'] },
	{ question_id: 3, category: 'stem', turns: ['S1'] },
	{ question_id: 4, category: 'coding', turns: ['C1', 'C2'] }
];
const answersOf = (model: string): ModelAnswerLine[] =>
	questions.map((q) => ({ question_id: q.question_id, model_id: model, choices: [{ index: 0, turns: q.turns.map((t) => `${model}:${t}`) }] }));
const refs = indexAnswers(questions.filter((q) => q.question_id !== 1 && q.question_id !== 3).map((q) => ({ question_id: q.question_id, choices: [{ index: 0, turns: q.turns.map((t) => `ref:${t}`) }] })));

function bench(models = ['a', 'b', 'c'], overrides: Partial<BenchData> = {}): BenchData {
	return {
		questions,
		answers: new Map(models.map((m) => [m, indexAnswers(answersOf(m))])),
		references: refs,
		prompts: new Map(builtinJudgePrompts().map((p) => [p.name, p])),
		...overrides
	};
}

const describeMatch = (m: Match) =>
	`${m.question.question_id}:${m.kind === 'single' ? m.model : `${m.model_1}-${m.model_2}`}:${m.prompt.name}:t${m.multiTurn ? 2 : 1}${m.ref ? ':ref' : ''}`;

describe('buildMatches', () => {
	it('single: general first turn, reference-guided first turn, then the multi-turn games of two-turn questions', () => {
		const matches = buildMatches(bench(['b', 'a']), { mode: 'single', judgeModel: 'judge' });
		expect(matches.map(describeMatch)).toEqual([
			'1:a:single-v1:t1',
			'1:b:single-v1:t1',
			'3:a:single-v1:t1',
			'3:b:single-v1:t1',
			'2:a:single-math-v1:t1:ref',
			'2:b:single-math-v1:t1:ref',
			'4:a:single-math-v1:t1:ref',
			'4:b:single-math-v1:t1:ref',
			'1:a:single-v1-multi-turn:t2',
			'1:b:single-v1-multi-turn:t2',
			'2:a:single-math-v1-multi-turn:t2:ref',
			'2:b:single-math-v1-multi-turn:t2:ref',
			'4:a:single-math-v1-multi-turn:t2:ref',
			'4:b:single-math-v1-multi-turn:t2:ref'
		]);
	});

	it('pairwise-baseline: each listed model against the baseline, the baseline itself skipped', () => {
		const matches = buildMatches(bench(), { mode: 'pairwise-baseline', judgeModel: 'judge', models: ['a', 'b', 'c'], baselineModel: 'b' });
		expect(matches.filter((m) => m.question.question_id === 2).map(describeMatch)).toEqual([
			'2:a-b:pair-math-v1:t1:ref',
			'2:c-b:pair-math-v1:t1:ref',
			'2:a-b:pair-math-v1-multi-turn:t2:ref',
			'2:c-b:pair-math-v1-multi-turn:t2:ref'
		]);
		expect(matches).toHaveLength(2 * (4 + 3));
	});

	it('pairwise-all: every pair i < j of the model list, in list order', () => {
		const matches = buildMatches(bench(), { mode: 'pairwise-all', judgeModel: 'judge', models: ['c', 'a', 'b'] });
		expect(matches.filter((m) => m.question.question_id === 1).map(describeMatch)).toEqual([
			'1:c-a:pair-v2:t1',
			'1:c-b:pair-v2:t1',
			'1:a-b:pair-v2:t1',
			'1:c-a:pair-v2-multi-turn:t2',
			'1:c-b:pair-v2-multi-turn:t2',
			'1:a-b:pair-v2-multi-turn:t2'
		]);
		expect(matches).toHaveLength(3 * (4 + 3));
	});

	it('uses reference answers for math, reasoning and coding only', () => {
		const matches = buildMatches(bench(), { mode: 'single', judgeModel: 'judge' });
		for (const m of matches) expect(Boolean(m.ref)).toBe(['math', 'coding'].includes(m.question.category));
		expect(matches.find((m) => m.question.question_id === 4)?.ref?.choices[0].turns).toEqual(['ref:C1', 'ref:C2']);
	});

	it('refuses with a clear reason: missing answers, references, prompts, baseline, a lone model', () => {
		const partial = bench();
		(partial.answers as Map<string, Map<string, ModelAnswerLine>>).get('c')!.delete('4');
		expect(() => buildMatches(partial, { mode: 'single', judgeModel: 'j' })).toThrow(/c has not answered question 4\. Run `lumen mtbench answer --model c`/);
		expect(() => buildMatches(bench(), { mode: 'single', judgeModel: 'j', models: ['zed'] })).toThrow(/no answers from zed/);
		expect(() => buildMatches(bench(['a', 'b'], { references: undefined }), { mode: 'single', judgeModel: 'j' })).toThrow(/No reference answer for questions 2, 4/);
		const noPrompt = new Map(builtinJudgePrompts().filter((p) => p.name !== 'pair-v2').map((p) => [p.name, p]));
		expect(() => buildMatches(bench(['a', 'b'], { prompts: noPrompt }), { mode: 'pairwise-all', judgeModel: 'j' })).toThrow(/lacks pair-v2/);
		expect(() => buildMatches(bench(), { mode: 'pairwise-baseline', judgeModel: 'j' })).toThrow(/--baseline-model/);
		expect(() => buildMatches(bench(['a']), { mode: 'pairwise-baseline', judgeModel: 'j', baselineModel: 'gpt-3.5-turbo' })).toThrow(/no answers from gpt-3\.5-turbo/);
		expect(() => buildMatches(bench(['a']), { mode: 'pairwise-all', judgeModel: 'j' })).toThrow(/at least two models/);
		const swapped = new Map(builtinJudgePrompts().map((p) => [p.name, p.name === 'single-v1' ? { ...p, type: 'pairwise' as const } : p]));
		expect(buildMatches(bench(['a']), { mode: 'single', judgeModel: 'j', models: ['a'] })).toHaveLength(7);
		expect(() => buildMatches(bench(['a'], { prompts: swapped }), { mode: 'single', judgeModel: 'j' })).toThrow(/"single-v1" is of type "pairwise"/);
	});
});

describe('games and judgment lines', () => {
	const pairs = buildMatches(bench(['a', 'b']), { mode: 'pairwise-all', judgeModel: 'gpt-judge' }) as PairMatch[];
	const singles = buildMatches(bench(['a']), { mode: 'single', judgeModel: 'gpt-judge' }) as SingleMatch[];

	it('game 2 swaps the answers: model_2 is shown as assistant A', () => {
		const m = pairs.find((p) => p.question.question_id === 1 && !p.multiTurn)!;
		const g1 = pairGame(m, 1).userPrompt;
		const g2 = pairGame(m, 2).userPrompt;
		expect(g1.indexOf('a:W1')).toBeLessThan(g1.indexOf('b:W1'));
		expect(g2.indexOf('b:W1')).toBeLessThan(g2.indexOf('a:W1'));
	});

	it('maps position verdicts to models as FastChat does (g1: A = model_1, g2: A = model_2)', () => {
		expect([gameWinner('A', 1), gameWinner('B', 1), gameWinner('A', 2), gameWinner('B', 2), gameWinner('tie', 2), gameWinner('error', 1)]).toEqual([
			'model_1',
			'model_2',
			'model_2',
			'model_1',
			'tie',
			'error'
		]);
	});

	it('writes a pair line with exactly FastChat’s fields; a consistent pair names the same model twice', () => {
		const m = pairs.find((p) => p.multiTurn)!;
		const [g1, g2] = [pairGame(m, 1), pairGame(m, 2)];
		const line = pairJudgmentRecord(m, g1, 'A is better. [[A]]', g2, 'B is better. [[B]]', 1700000000.5);
		expect(Object.keys(line).sort()).toEqual(
			['question_id', 'model_1', 'model_2', 'g1_winner', 'g2_winner', 'judge', 'g1_user_prompt', 'g1_judgment', 'g2_user_prompt', 'g2_judgment', 'turn', 'tstamp'].sort()
		);
		expect(line).toMatchObject({ model_1: 'a', model_2: 'b', g1_winner: 'model_1', g2_winner: 'model_1', judge: ['gpt-judge', m.prompt.name], turn: 2, g1_user_prompt: g1.userPrompt });
		expect(judgmentKey(line)).toBe(matchKey(m));
	});

	it('writes a single line with exactly FastChat’s fields and the parsed score', () => {
		const m = singles.find((s) => s.multiTurn && s.ref)!;
		const game = singleGame(m);
		expect(game.messages.map((x) => x.role)).toEqual(['system', 'user']);
		const line = singleJudgmentRecord(m, game, 'Close to the reference. Score: [[8]]', 1700000001);
		expect(Object.keys(line).sort()).toEqual(['question_id', 'model', 'judge', 'user_prompt', 'judgment', 'score', 'turn', 'tstamp'].sort());
		expect(line).toMatchObject({ question_id: m.question.question_id, model: 'a', judge: ['gpt-judge', 'single-math-v1-multi-turn'], score: 8, turn: 2 });
		expect(judgmentKey(line)).toBe(matchKey(m));
	});
});
