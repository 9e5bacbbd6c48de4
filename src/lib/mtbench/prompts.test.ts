// Prompt filling: Python str.format semantics, every built-in judge prompt filled for the game it serves (values
// land where the template names them, nothing is left unfilled), and the messages a judge receives.
import { describe, expect, it } from 'vitest';
import { LumenError } from '../protocol/errors';
import { builtinJudgePrompts, lumenSample } from './builtin';
import { PAIR_PROMPTS, SINGLE_PROMPTS } from './constants';
import { fillPrompt, formatTemplate, judgeMessages, pairValues, singleValues } from './prompts';
import type { JudgePrompt, ModelAnswerLine, Question } from './schemas';

const question: Question = { question_id: 7, category: 'math', turns: ['Q-ONE?', 'Q-TWO?'] };
const answer = (tag: string): ModelAnswerLine => ({ question_id: 7, choices: [{ index: 0, turns: [`${tag}-T1`, `${tag}-T2`] }] });
const ref = answer('REF');
const prompt = (name: string): JudgePrompt => builtinJudgePrompts().find((p) => p.name === name)!;

describe('formatTemplate (Python str.format)', () => {
	it('replaces named fields and turns doubled braces into literal ones', () => {
		expect(formatTemplate('{{x}} = {x}; {{{x}}}', { x: '1' })).toBe('{x} = 1; {1}');
	});
	it('inserts values as they are, braces included, without formatting them again', () => {
		expect(formatTemplate('[{answer}]', { answer: 'function f() { return {a}; }' })).toBe('[function f() { return {a}; }]');
	});
	it('ignores values the template does not use, as Python does', () => {
		expect(formatTemplate('{question}', { question: 'q', ref_answer_2: 'unused' })).toBe('q');
	});
	it('names a field the game does not provide', () => {
		expect(() => formatTemplate('{question} {ref_answer_1}', { question: 'q' }, 'Judge prompt "x"')).toThrow(/Judge prompt "x" uses \{ref_answer_1\}.*provides \{question\}/);
	});
	it('refuses a lone closing brace and a brace that starts no field', () => {
		expect(() => formatTemplate('a } b', {})).toThrow(/lone "\}" at character 3/);
		expect(() => formatTemplate('a {0} b', {})).toThrow(/"\{" at character 3/);
		expect(() => formatTemplate('a { b', {})).toThrow(LumenError);
	});
});

describe('values per game kind (FastChat names)', () => {
	it('single, first turn: question and answer, plus both reference turns when reference-guided', () => {
		expect(singleValues(question, answer('M'), undefined, false)).toEqual({ question: 'Q-ONE?', answer: 'M-T1' });
		expect(singleValues(question, answer('M'), ref, false)).toEqual({ question: 'Q-ONE?', answer: 'M-T1', ref_answer_1: 'REF-T1', ref_answer_2: 'REF-T2' });
	});
	it('single, multi-turn: question_1/2 and answer_1/2', () => {
		expect(singleValues(question, answer('M'), undefined, true)).toEqual({ question_1: 'Q-ONE?', question_2: 'Q-TWO?', answer_1: 'M-T1', answer_2: 'M-T2' });
	});
	it('pairwise, first turn and multi-turn: answer_a / answer_b and answer_a_1 … answer_b_2', () => {
		expect(pairValues(question, answer('A'), answer('B'), undefined, false)).toEqual({ question: 'Q-ONE?', answer_a: 'A-T1', answer_b: 'B-T1' });
		expect(pairValues(question, answer('A'), answer('B'), ref, true)).toEqual({
			question_1: 'Q-ONE?',
			question_2: 'Q-TWO?',
			answer_a_1: 'A-T1',
			answer_b_1: 'B-T1',
			answer_a_2: 'A-T2',
			answer_b_2: 'B-T2',
			ref_answer_1: 'REF-T1',
			ref_answer_2: 'REF-T2'
		});
	});
	it('names the model and question when an answer lacks the second turn', () => {
		const short: ModelAnswerLine = { question_id: 7, choices: [{ index: 0, turns: ['only one'] }] };
		expect(() => singleValues(question, short, undefined, true, 'lumen-tiny-a')).toThrow(/lumen-tiny-a's answer to question 7 has no turn 2/);
	});
});

describe('every built-in judge prompt', () => {
	const variants: { name: string; values: Record<string, string>; expected: string[]; absent: string[] }[] = [
		{ name: SINGLE_PROMPTS.default, values: singleValues(question, answer('M'), undefined, false), expected: ['Q-ONE?', 'M-T1'], absent: ['REF', 'T2'] },
		{ name: SINGLE_PROMPTS.math, values: singleValues(question, answer('M'), ref, false), expected: ['Q-ONE?', 'M-T1', 'REF-T1'], absent: ['T2'] },
		{ name: SINGLE_PROMPTS.defaultMultiTurn, values: singleValues(question, answer('M'), undefined, true), expected: ['Q-ONE?', 'Q-TWO?', 'M-T1', 'M-T2'], absent: ['REF'] },
		{ name: SINGLE_PROMPTS.mathMultiTurn, values: singleValues(question, answer('M'), ref, true), expected: ['Q-ONE?', 'Q-TWO?', 'M-T1', 'M-T2', 'REF-T1', 'REF-T2'], absent: [] },
		{ name: PAIR_PROMPTS.default, values: pairValues(question, answer('A'), answer('B'), undefined, false), expected: ['Q-ONE?', 'A-T1', 'B-T1'], absent: ['REF', 'T2'] },
		{ name: PAIR_PROMPTS.math, values: pairValues(question, answer('A'), answer('B'), ref, false), expected: ['Q-ONE?', 'A-T1', 'B-T1', 'REF-T1'], absent: ['T2'] },
		{ name: PAIR_PROMPTS.defaultMultiTurn, values: pairValues(question, answer('A'), answer('B'), undefined, true), expected: ['Q-ONE?', 'Q-TWO?', 'A-T1', 'A-T2', 'B-T1', 'B-T2'], absent: ['REF'] },
		{ name: PAIR_PROMPTS.mathMultiTurn, values: pairValues(question, answer('A'), answer('B'), ref, true), expected: ['Q-ONE?', 'Q-TWO?', 'A-T1', 'A-T2', 'B-T1', 'B-T2', 'REF-T1', 'REF-T2'], absent: [] }
	];
	it.each(variants)('$name is filled with every value it names and nothing else', ({ name, values, expected, absent }) => {
		const text = fillPrompt(prompt(name), values);
		for (const v of expected) expect(text).toContain(v);
		for (const v of absent) expect(text).not.toContain(v);
		expect(text).not.toMatch(/\{[a-z_0-9]+\}/);
	});
	it('pairwise prompts show assistant A before assistant B, both turns of A before B in multi-turn', () => {
		const first = fillPrompt(prompt(PAIR_PROMPTS.default), pairValues(question, answer('A'), answer('B'), undefined, false));
		expect(first.indexOf('A-T1')).toBeLessThan(first.indexOf('B-T1'));
		const multi = fillPrompt(prompt(PAIR_PROMPTS.mathMultiTurn), pairValues(question, answer('A'), answer('B'), ref, true));
		expect(multi.indexOf('REF-T2')).toBeLessThan(multi.indexOf('A-T1'));
		expect(multi.indexOf('A-T2')).toBeLessThan(multi.indexOf('B-T1'));
	});
	it('have FastChat verdict conventions: [[rating]] for single, [[A]] for pairwise, and say so in their text', () => {
		for (const p of builtinJudgePrompts()) {
			const instructions = p.system_prompt + p.prompt_template;
			if (p.type === 'single') {
				expect(p.output_format).toBe('[[rating]]');
				expect(instructions).toMatch(/\[\[\d+\]\]/);
			} else {
				expect(p.output_format).toBe('[[A]]');
				for (const v of ['[[A]]', '[[B]]', '[[C]]']) expect(instructions).toContain(v);
			}
		}
		expect(builtinJudgePrompts().map((p) => p.name).sort()).toEqual([...Object.values(SINGLE_PROMPTS), ...Object.values(PAIR_PROMPTS)].sort());
	});
});

describe('judgeMessages', () => {
	it('sends the system prompt, then the filled user prompt', () => {
		const p = prompt(SINGLE_PROMPTS.default);
		expect(judgeMessages(p, 'USER')).toEqual([
			{ role: 'system', content: p.system_prompt },
			{ role: 'user', content: 'USER' }
		]);
	});
	it('leaves out an empty system prompt', () => {
		expect(judgeMessages({ ...prompt(SINGLE_PROMPTS.default), system_prompt: '' }, 'USER')).toEqual([{ role: 'user', content: 'USER' }]);
	});
});

describe('the built-in lumen-sample bench', () => {
	const bench = lumenSample();
	it('has at least 16 two-turn questions, at least two in each of the eight categories', () => {
		expect(bench.questions.length).toBeGreaterThanOrEqual(16);
		for (const q of bench.questions) expect(q.turns).toHaveLength(2);
		for (const c of ['writing', 'roleplay', 'extraction', 'reasoning', 'math', 'coding', 'stem', 'humanities'])
			expect(bench.questions.filter((q) => q.category === c).length).toBeGreaterThanOrEqual(2);
		expect(new Set(bench.questions.map((q) => q.question_id)).size).toBe(bench.questions.length);
	});
	it('has a two-turn reference answer for every math, reasoning and coding question, and only for those', () => {
		const needRef = bench.questions.filter((q) => ['math', 'reasoning', 'coding'].includes(q.category)).map((q) => q.question_id);
		expect(bench.referenceAnswers.map((r) => r.question_id).sort()).toEqual(needRef.sort());
		for (const r of bench.referenceAnswers) expect(r.choices[0].turns).toHaveLength(2);
	});
});
