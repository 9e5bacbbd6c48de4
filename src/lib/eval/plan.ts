// What a run will do, before it starts: which models are judged, how many answers are still to write, and
// the judge calls it will make (its cost), leaving out what is already on file. A setup that cannot run
// is a problem in words the page shows instead of a Start that would fail.
import {
	benchPaths,
	buildMatches,
	countJudgeCalls,
	loadBench,
	qidKey,
	type BenchFiles,
	type JudgeCallCount,
	type ModelAnswerLine,
	type Question
} from '$lib/mtbench';
import { LumenError, toLumenError, type LumenErrorData } from '$lib/protocol/errors';
import type { JudgmentLine, RunSettings } from './workspace-store';

/** What planning reads of the workspace (the Workspace class, or a plain object in tests). */
export type PlanSource = {
	readonly questions: Question[];
	readonly answerModels: string[];
	readonly settings: RunSettings;
	answeredIds(model: string): string[];
	benchFiles(): BenchFiles;
	judgmentsIn(path: string): JudgmentLine[];
};

export type RunPlan = {
	/** Models judged, in name order (FastChat's default model list). */
	models: string[];
	/** Per answering model, the questions it has still to answer. */
	toAnswer: { model: string; questions: number }[];
	/** Generations still to make: one per turn of every unanswered question. */
	answerCalls: number;
	/** Null until a judge is picked and the setup can be judged. */
	judge: JudgeCallCount | null;
	/** Where the judgments go: model_judgment/<judge>_single.jsonl or _pair.jsonl. */
	judgmentPath: string | null;
	problem: LumenErrorData | null;
};

/** Every model with answers or picked to answer, less those left out. */
export function judgedModels(source: Pick<PlanSource, 'answerModels' | 'settings'>): string[] {
	const all = new Set([...source.answerModels, ...source.settings.answerers.map((a) => a.id)]);
	for (const m of source.settings.skipModels) all.delete(m);
	return [...all].sort();
}

export function planRun(source: PlanSource): RunPlan {
	const { settings } = source;
	const models = judgedModels(source);
	const toAnswer = settings.answerers.map((a) => {
		const done = new Set(source.answeredIds(a.id));
		const missing = source.questions.filter((q) => !done.has(qidKey(q.question_id)));
		return { model: a.id, questions: missing.length, turns: missing.reduce((n, q) => n + q.turns.length, 0) };
	});
	const plan: RunPlan = {
		models,
		toAnswer: toAnswer.map(({ model, questions }) => ({ model, questions })),
		answerCalls: toAnswer.reduce((n, a) => n + a.turns, 0),
		judge: null,
		judgmentPath: null,
		problem: null
	};
	try {
		checkSetup(source, models);
		const judge = settings.judge!;
		const bench = loadBench(source.benchFiles(), { judgeModel: judge.id });
		// Models still to answer get empty stand-in answers: which games will be played does not depend on the text.
		const answers = new Map(bench.answers);
		for (const a of settings.answerers) answers.set(a.id, withStandIns(answers.get(a.id), source.questions));
		const matches = buildMatches({ ...bench, answers }, { mode: settings.mode, judgeModel: judge.id, models, baselineModel: settings.baselineModel });
		plan.judgmentPath = benchPaths.judgment(judge.id, settings.mode);
		plan.judge = countJudgeCalls(matches, source.judgmentsIn(plan.judgmentPath));
	} catch (err) {
		plan.problem = toLumenError(err).toData();
	}
	return plan;
}

/** The page's own words for setups it can see are incomplete (the library's name the command line's options). */
function checkSetup(source: PlanSource, models: readonly string[]): void {
	const { settings, questions } = source;
	const fail = (message: string) => {
		throw new LumenError('bad_request', message, false);
	};
	if (questions.length === 0) fail('This bench has no questions. Pick the built-in bench or import a question.jsonl.');
	if (models.length === 0) fail('Add a model that answers, or import model answers.');
	if (!settings.judge) fail('Pick a judge.');
	if (settings.mode === 'pairwise-all' && models.length < 2) fail('Pairwise (all pairs) needs at least two models.');
	if (settings.mode === 'pairwise-baseline') {
		if (!settings.baselineModel) fail('Pick the baseline model.');
		if (!models.includes(settings.baselineModel!)) fail(`The baseline ${settings.baselineModel} is not among the judged models.`);
		if (models.length < 2) fail('Pairwise against a baseline needs the baseline and at least one other model.');
	}
	const answering = new Set(settings.answerers.map((a) => a.id));
	for (const m of models) {
		if (answering.has(m)) continue;
		const answered = new Set(source.answeredIds(m));
		const done = questions.filter((q) => answered.has(qidKey(q.question_id))).length;
		if (done < questions.length)
			fail(`${m} has answered ${done} of ${questions.length} questions. Add it to the models that answer to finish, or leave it out of judging.`);
	}
}

function withStandIns(have: ReadonlyMap<string, ModelAnswerLine> | undefined, questions: readonly Question[]): Map<string, ModelAnswerLine> {
	const out = new Map(have ?? []);
	for (const q of questions) {
		const id = qidKey(q.question_id);
		if (!out.has(id)) out.set(id, { question_id: q.question_id, choices: [{ index: 0, turns: q.turns.map(() => '') }] });
	}
	return out;
}
