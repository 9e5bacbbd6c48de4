// Bench files: JSON lines with the bad line named, FastChat's paths, and a bench folder's texts loaded into
// the data match building needs (reference file by judge name, or the only one there is).
import { describe, expect, it } from 'vitest';
import { benchPaths, loadBench } from './bench';
import { builtinBenchFiles, lumenSample } from './builtin';
import { parseJsonl, parseJsonlLines, toJsonl } from './jsonl';
import { ModelAnswerSchema, QuestionSchema } from './schemas';

describe('JSON lines', () => {
	it('parses records, skipping blank lines and CRLF endings, and keeps unknown fields', () => {
		const text = '{"question_id":81,"category":"writing","turns":["a","b"],"reference":["r"]}\r\n\n{"question_id":"x-2","category":"math","turns":["c"]}\n';
		expect(parseJsonl(text, QuestionSchema, 'question.jsonl')).toEqual([
			{ question_id: 81, category: 'writing', turns: ['a', 'b'], reference: ['r'] },
			{ question_id: 'x-2', category: 'math', turns: ['c'] }
		]);
	});
	it('names the file, line and field of the first bad line, and how many more there are', () => {
		const text = '{"question_id":1,"category":"w","turns":["a"]}\n\n{"question_id":2,"category":"w","turns":"a"}\n{not json\n';
		expect(() => parseJsonl(text, QuestionSchema, 'question.jsonl')).toThrow(/^question\.jsonl line 3: turns: .*\(1 more bad line after it\)\. Fix or remove that line\.$/);
		expect(parseJsonlLines(text, QuestionSchema).issues.map((i) => i.line)).toEqual([3, 4]);
		expect(parseJsonlLines(text, QuestionSchema).issues[1].message).toMatch(/^not valid JSON/);
	});
	it('writes one record per line, newline-terminated, and reads back the same', () => {
		const answers = lumenSample().referenceAnswers;
		const text = toJsonl(answers);
		expect(text.split('\n')).toHaveLength(answers.length + 1);
		expect(parseJsonl(text, ModelAnswerSchema, 'x')).toEqual(answers);
	});
});

describe('benchPaths', () => {
	it("uses FastChat's names", () => {
		expect(benchPaths.answer('lumen-tiny-a')).toBe('model_answer/lumen-tiny-a.jsonl');
		expect(benchPaths.judgment('gpt-4', 'single')).toBe('model_judgment/gpt-4_single.jsonl');
		expect(benchPaths.judgment('gpt-4', 'pairwise-all')).toBe('model_judgment/gpt-4_pair.jsonl');
		expect(benchPaths.reference('gpt-4')).toBe('reference_answer/gpt-4.jsonl');
		expect(benchPaths.answer('org/model')).toBe('model_answer/org_model.jsonl');
	});
});

describe('loadBench', () => {
	const files = builtinBenchFiles();
	const sampleAnswers = toJsonl(lumenSample().questions.map((q) => ({ question_id: q.question_id, choices: [{ index: 0, turns: ['x', 'y'] }] })));
	it("takes the judge's reference file by name, else the only one there is, else none", () => {
		const refText = files['reference_answer/lumen-reference.jsonl'];
		const other = toJsonl([{ question_id: 5, choices: [{ index: 0, turns: ['judge ref', 'judge ref 2'] }] }]);
		const byName = loadBench({ questions: files['question.jsonl'], answers: {}, references: { 'lumen-reference': refText, 'gpt-4': other } }, { judgeModel: 'gpt-4' });
		expect(byName.referenceSource).toBe('reference_answer/gpt-4.jsonl');
		expect(byName.references?.get('5')?.choices[0].turns[0]).toBe('judge ref');
		const only = loadBench({ questions: files['question.jsonl'], answers: {}, references: { 'lumen-reference': refText } }, { judgeModel: 'my-judge' });
		expect(only.referenceSource).toBe('reference_answer/lumen-reference.jsonl');
		expect(only.references?.size).toBe(6);
		const ambiguous = loadBench({ questions: files['question.jsonl'], answers: {}, references: { a: refText, b: other } }, { judgeModel: 'c' });
		expect(ambiguous.references).toBeUndefined();
	});
	it('uses the built-in judge prompts when no prompt file is given, and names a bad answer line', () => {
		const bench = loadBench({ questions: files['question.jsonl'], answers: { m: sampleAnswers } });
		expect([...bench.prompts.keys()]).toContain('pair-math-v1-multi-turn');
		expect(bench.answers.get('m')?.size).toBe(16);
		expect(() => loadBench({ questions: files['question.jsonl'], answers: { m: sampleAnswers + '{"question_id":1}\n' } })).toThrow(/model_answer\/m\.jsonl line 17: choices/);
		expect(() => loadBench({ questions: '\n', answers: {} })).toThrow(/no questions/);
	});
});
