// The cost shown before a run: judge calls counted before any answer exists (stand-ins for the models still
// to answer), what is on file left out, and setups that cannot run explained in the page's own words.
import { describe, expect, it } from 'vitest';
import { builtinBenchFiles, lumenSample, qidKey, type BenchFiles, type ModelAnswerLine } from '$lib/mtbench';
import { planRun, type PlanSource } from './plan';
import { DEFAULT_SETTINGS, type JudgmentLine, type RunSettings } from './workspace-store';

const questions = lumenSample().questions;
const full = (_model: string): ModelAnswerLine[] => questions.map((q) => ({ question_id: q.question_id, choices: [{ index: 0, turns: ['x', 'y'] }] }));

function source(settings: Partial<RunSettings>, answers: Record<string, ModelAnswerLine[]> = {}, judged: Record<string, JudgmentLine[]> = {}): PlanSource {
	const files = builtinBenchFiles();
	return {
		questions,
		answerModels: Object.keys(answers).sort(),
		settings: { ...DEFAULT_SETTINGS, ...settings },
		answeredIds: (m) => (answers[m] ?? []).map((a) => qidKey(a.question_id)),
		benchFiles: (): BenchFiles => ({
			questions: files['question.jsonl'],
			judgePrompts: files['judge_prompts.jsonl'],
			references: { 'lumen-reference': files['reference_answer/lumen-reference.jsonl'] },
			answers: Object.fromEntries(Object.entries(answers).map(([m, a]) => [m, a.map((x) => JSON.stringify(x)).join('\n')]))
		}),
		judgmentsIn: (path) => judged[path] ?? []
	};
}

const judge = { kind: 'url', id: 'gpt-4', url: 'https://api.example/v1' } as const;
const local = (id: string) => ({ kind: 'app', id }) as const;

describe('planRun', () => {
	it('counts every answer turn and judge call before anything is answered', () => {
		const plan = planRun(source({ answerers: [local('a'), local('b')], judge }));
		expect(plan.problem).toBeNull();
		expect(plan.models).toEqual(['a', 'b']);
		expect(plan.answerCalls).toBe(2 * 16 * 2);
		expect(plan.judge).toEqual({ matches: 64, skipped: 0, calls: 64 });
		expect(plan.judgmentPath).toBe('model_judgment/gpt-4_single.jsonl');
		expect(planRun(source({ answerers: [local('a'), local('b')], judge, mode: 'pairwise-all' })).judge).toEqual({ matches: 32, skipped: 0, calls: 64 });
	});

	it('leaves out answers and judgments already on file', () => {
		const done: JudgmentLine[] = [{ question_id: 1, model: 'a', judge: ['gpt-4', 'single-v1'], score: 5, turn: 1 }];
		const plan = planRun(source({ answerers: [local('b')], judge }, { a: full('a'), b: full('b').slice(0, 10) }, { 'model_judgment/gpt-4_single.jsonl': done }));
		expect(plan.toAnswer).toEqual([{ model: 'b', questions: 6 }]);
		expect(plan.answerCalls).toBe(12);
		expect(plan.judge).toEqual({ matches: 64, skipped: 1, calls: 63 });
	});

	it('counts pairs against a baseline, and leaves out models the person unticked', () => {
		const answers = { a: full('a'), b: full('b'), c: full('c') };
		expect(planRun(source({ judge, mode: 'pairwise-baseline', baselineModel: 'c' }, answers)).judge).toEqual({ matches: 64, skipped: 0, calls: 128 });
		expect(planRun(source({ judge, mode: 'pairwise-baseline', baselineModel: 'c', skipModels: ['b'] }, answers)).judge).toEqual({ matches: 32, skipped: 0, calls: 64 });
	});

	it.each<[string, Partial<RunSettings>, Record<string, ModelAnswerLine[]>, string]>([
		['no models', { judge }, {}, 'Add a model that answers, or import model answers.'],
		['no judge', { answerers: [local('a')] }, {}, 'Pick a judge.'],
		['one model for all pairs', { answerers: [local('a')], judge, mode: 'pairwise-all' }, {}, 'Pairwise (all pairs) needs at least two models.'],
		['no baseline', { answerers: [local('a'), local('b')], judge, mode: 'pairwise-baseline' }, {}, 'Pick the baseline model.'],
		['a baseline left out', { answerers: [local('a'), local('b')], judge, mode: 'pairwise-baseline', baselineModel: 'z' }, {}, 'The baseline z is not among the judged models.'],
		['imported answers that stop short', { judge }, { a: full('a').slice(0, 3) }, 'a has answered 3 of 16 questions. Add it to the models that answer to finish, or leave it out of judging.']
	])('%s', (_, settings, answers, message) => {
		const plan = planRun(source(settings, answers));
		expect(plan.problem).toMatchObject({ code: 'bad_request', message });
		expect(plan.judge).toBeNull();
	});
});
