// Which games a judging run plays (FastChat's gen_judgment.py): for every question, single grading of each
// model, or pairs against a baseline, or all pairs; first-turn games, then multi-turn games for two-turn
// questions; questions in math, reasoning and coding judged against a reference answer with the "math"
// prompts. Also the games' prompts and the records they produce, in FastChat's judgment format.
import { LumenError } from '../protocol/errors';
import type { ChatMessage } from '../protocol/openai';
import { PAIR_PROMPTS, SINGLE_PROMPTS, needsReference, type Mode } from './constants';
import { fillPrompt, judgeMessages, pairValues, singleValues } from './prompts';
import type { GameWinner, JudgePrompt, ModelAnswerLine, PairJudgment, Question, QuestionId, SingleJudgment } from './schemas';
import { parsePairVerdict, parseRating, type PositionVerdict } from './verdict';

/** Question ids as map keys: FastChat's ids are ints, other benches' strings; `81` and `"81"` are one question. */
export function qidKey(id: QuestionId): string {
	return String(id);
}

/** Answers by question id; a later line for the same question replaces an earlier one, as in FastChat's loader. */
export function indexAnswers(answers: readonly ModelAnswerLine[]): Map<string, ModelAnswerLine> {
	return new Map(answers.map((a) => [qidKey(a.question_id), a]));
}

type MatchBase = {
	question: Question;
	prompt: JudgePrompt;
	judgeModel: string;
	/** The reference answer, for questions in a NEED_REF_CATS category. */
	ref?: ModelAnswerLine;
	/** The game judges the second turn with the whole conversation (turn 2) rather than the first turn alone. */
	multiTurn: boolean;
};
export type SingleMatch = MatchBase & { kind: 'single'; model: string; answer: ModelAnswerLine };
export type PairMatch = MatchBase & { kind: 'pair'; model_1: string; model_2: string; answer_1: ModelAnswerLine; answer_2: ModelAnswerLine };
export type Match = SingleMatch | PairMatch;

export type BenchData = {
	questions: readonly Question[];
	/** model name → answers by qidKey (see indexAnswers). */
	answers: ReadonlyMap<string, ReadonlyMap<string, ModelAnswerLine>>;
	/** The judge's reference answers by qidKey; needed when a question is in math, reasoning or coding. */
	references?: ReadonlyMap<string, ModelAnswerLine>;
	/** Judge prompts by name. */
	prompts: ReadonlyMap<string, JudgePrompt>;
};

export type MatchOptions = {
	mode: Mode;
	judgeModel: string;
	/** The models to judge, in order (FastChat's --model-list; default: every model with answers, sorted). */
	models?: readonly string[];
	/** Required for `pairwise-baseline`. */
	baselineModel?: string;
};

/** The judge prompts a mode uses, checked for presence, type and output format. */
export function judgePromptsFor(mode: Mode, prompts: ReadonlyMap<string, JudgePrompt>) {
	const names = mode === 'single' ? SINGLE_PROMPTS : PAIR_PROMPTS;
	const type = mode === 'single' ? 'single' : 'pairwise';
	const missing = Object.values(names).filter((n) => !prompts.has(n));
	if (missing.length)
		throw new LumenError('bad_request', `The judge-prompt file lacks ${missing.join(', ')}, which ${mode} judging needs. Use a file with FastChat's prompt names (the built-in one has them all).`, false);
	const get = (name: string) => {
		const p = prompts.get(name)!;
		if (p.type !== type) throw new LumenError('bad_request', `Judge prompt "${name}" is of type "${p.type}", but ${mode} judging needs a "${type}" prompt.`, false);
		if (type === 'single' && p.output_format !== '[[rating]]')
			throw new LumenError('bad_request', `Judge prompt "${name}" has output_format "${p.output_format}"; single grading reads "[[rating]]".`, false);
		if (type === 'pairwise' && p.output_format === '[[rating]]')
			throw new LumenError('bad_request', `Judge prompt "${name}" has output_format "[[rating]]"; pairwise judging reads "[[A]]" or "[[rating_a,rating_b]]".`, false);
		return p;
	};
	return { default: get(names.default), math: get(names.math), defaultMultiTurn: get(names.defaultMultiTurn), mathMultiTurn: get(names.mathMultiTurn) };
}

/** The models a run judges: the ones asked for, or every model with answers in name order (FastChat's get_model_list). */
export function modelsToJudge(data: BenchData, options: MatchOptions): string[] {
	return options.models?.length ? [...options.models] : [...data.answers.keys()].sort();
}

/** FastChat's check_data: every judged model (and the baseline) answered every question; every reference is there. */
export function checkData(data: BenchData, models: readonly string[], baselineModel?: string): void {
	for (const m of baselineModel ? [...models, baselineModel] : models) {
		const answers = data.answers.get(m);
		if (!answers) throw new LumenError('bad_request', `There are no answers from ${m} (model_answer/${m}.jsonl). Run \`lumen mtbench answer --model ${m}\` first.`, false);
		const missing = data.questions.filter((q) => !answers.has(qidKey(q.question_id)));
		if (missing.length)
			throw new LumenError('bad_request', `${m} has not answered question${missing.length > 1 ? 's' : ''} ${missing.map((q) => q.question_id).join(', ')}. Run \`lumen mtbench answer --model ${m}\` again to finish.`, false);
	}
	const needRef = data.questions.filter((q) => needsReference(q.category) && !data.references?.has(qidKey(q.question_id)));
	if (needRef.length)
		throw new LumenError('bad_request', `No reference answer for question${needRef.length > 1 ? 's' : ''} ${needRef.map((q) => q.question_id).join(', ')} (math, reasoning and coding are judged against one). Add them to reference_answer/<judge>.jsonl.`, false);
}

/** Every game of a run, in FastChat's order: general first turn, reference-guided first turn, then both multi-turn. */
export function buildMatches(data: BenchData, options: MatchOptions): Match[] {
	const { mode, judgeModel } = options;
	if (mode === 'pairwise-baseline' && !options.baselineModel) throw new LumenError('bad_request', 'pairwise-baseline needs a baseline model: name it with --baseline-model.', false);
	const models = modelsToJudge(data, options);
	if (models.length === 0) throw new LumenError('bad_request', 'There are no model answers to judge yet (model_answer/ is empty). Run `lumen mtbench answer` first.', false);
	if (mode === 'pairwise-all' && models.length < 2) throw new LumenError('bad_request', `pairwise-all needs at least two models; there are answers from ${models[0]} only.`, false);
	const prompts = judgePromptsFor(mode, data.prompts);
	const baseline = mode === 'pairwise-baseline' ? options.baselineModel : undefined;
	checkData(data, models, baseline);

	const general = data.questions.filter((q) => !needsReference(q.category));
	const math = data.questions.filter((q) => needsReference(q.category));
	const answer = (m: string, q: Question) => data.answers.get(m)!.get(qidKey(q.question_id))!;
	const make = (questions: readonly Question[], prompt: JudgePrompt, refBased: boolean, multiTurn: boolean): Match[] => {
		const out: Match[] = [];
		for (const question of questions) {
			if (multiTurn && question.turns.length !== 2) continue;
			const base = { question, prompt, judgeModel, multiTurn, ...(refBased ? { ref: data.references!.get(qidKey(question.question_id))! } : {}) };
			if (mode === 'single') for (const model of models) out.push({ ...base, kind: 'single', model, answer: answer(model, question) });
			else for (const [m1, m2] of pairsOf(models, baseline)) out.push({ ...base, kind: 'pair', model_1: m1, model_2: m2, answer_1: answer(m1, question), answer_2: answer(m2, question) });
		}
		return out;
	};
	return [
		...make(general, prompts.default, false, false),
		...make(math, prompts.math, true, false),
		...make(general, prompts.defaultMultiTurn, false, true),
		...make(math, prompts.mathMultiTurn, true, true)
	];
}

/** FastChat's pairs: each model against the baseline (skipping the baseline itself), or every i < j. */
function pairsOf(models: readonly string[], baseline: string | undefined): [string, string][] {
	if (baseline !== undefined) return models.filter((m) => m !== baseline).map((m) => [m, baseline]);
	const pairs: [string, string][] = [];
	for (let i = 0; i < models.length; i++) for (let j = i + 1; j < models.length; j++) pairs.push([models[i], models[j]]);
	return pairs;
}

/** 1 for a first-turn game, 2 for a multi-turn one (FastChat's `turn`). */
export function turnOf(match: Match): number {
	return match.multiTurn ? 2 : 1;
}

/** Identifies a match's judgment, so a resumed run skips what is already in the judgment file. */
export function matchKey(match: Match): string {
	const q = qidKey(match.question.question_id);
	return match.kind === 'single' ? `single|${q}|${match.model}|${turnOf(match)}` : `pair|${q}|${match.model_1}|${match.model_2}|${turnOf(match)}`;
}

/** The key of a judgment line already on file (a pair line without `turn` counts as turn 1). */
export function judgmentKey(j: { question_id: QuestionId; model?: unknown; model_1?: unknown; model_2?: unknown; turn?: number }): string {
	const q = qidKey(j.question_id);
	return typeof j.model === 'string' ? `single|${q}|${j.model}|${j.turn ?? 1}` : `pair|${q}|${String(j.model_1)}|${String(j.model_2)}|${j.turn ?? 1}`;
}

export type Game = { userPrompt: string; messages: ChatMessage[] };

/** The prompt of a single-grading game. */
export function singleGame(match: SingleMatch): Game {
	const userPrompt = fillPrompt(match.prompt, singleValues(match.question, match.answer, match.ref, match.multiTurn, match.model));
	return { userPrompt, messages: judgeMessages(match.prompt, userPrompt) };
}

/** Game 1 shows model_1 as assistant A; game 2 swaps the positions, so position bias shows up as disagreement. */
export function pairGame(match: PairMatch, game: 1 | 2): Game {
	const [a, b, names] =
		game === 1 ? [match.answer_1, match.answer_2, [match.model_1, match.model_2] as [string, string]] : [match.answer_2, match.answer_1, [match.model_2, match.model_1] as [string, string]];
	const userPrompt = fillPrompt(match.prompt, pairValues(match.question, a, b, match.ref, match.multiTurn, names));
	return { userPrompt, messages: judgeMessages(match.prompt, userPrompt) };
}

/** A position verdict mapped to the model it names (FastChat's g1_map / g2_map). */
export function gameWinner(verdict: PositionVerdict, game: 1 | 2): GameWinner {
	if (verdict === 'A') return game === 1 ? 'model_1' : 'model_2';
	if (verdict === 'B') return game === 1 ? 'model_2' : 'model_1';
	return verdict;
}

/** The judgment line FastChat's play_a_match_single writes. */
export function singleJudgmentRecord(match: SingleMatch, game: Game, judgment: string, tstamp: number): SingleJudgment {
	return {
		question_id: match.question.question_id,
		model: match.model,
		judge: [match.judgeModel, match.prompt.name],
		user_prompt: game.userPrompt,
		judgment,
		score: parseRating(judgment),
		turn: turnOf(match),
		tstamp
	};
}

/** The judgment line FastChat's play_a_match_pair writes, from both games' texts. */
export function pairJudgmentRecord(match: PairMatch, g1: Game, g1Judgment: string, g2: Game, g2Judgment: string, tstamp: number): PairJudgment {
	return {
		question_id: match.question.question_id,
		model_1: match.model_1,
		model_2: match.model_2,
		g1_winner: gameWinner(parsePairVerdict(g1Judgment, match.prompt.output_format), 1),
		g2_winner: gameWinner(parsePairVerdict(g2Judgment, match.prompt.output_format), 2),
		judge: [match.judgeModel, match.prompt.name],
		g1_user_prompt: g1.userPrompt,
		g1_judgment: g1Judgment,
		g2_user_prompt: g2.userPrompt,
		g2_judgment: g2Judgment,
		turn: turnOf(match),
		tstamp
	};
}
