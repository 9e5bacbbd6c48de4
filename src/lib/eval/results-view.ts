// What the results part of /eval shows, from one judgment file: FastChat's show_result table, the
// score (or adjusted win rate) per category for the radar chart, and the judgments of one question.
import {
	CATEGORIES,
	categoryScores,
	qidKey,
	showPairwise,
	showResult,
	type Mode,
	type PairJudgmentLine,
	type PairwiseResult,
	type Question,
	type SingleJudgmentLine,
	type SingleResult
} from '$lib/mtbench';
import type { JudgmentLine } from './workspace-store';

export type FileKind = 'single' | 'pair';

/** A file's kind from its lines (FastChat's files say it in their name too, but imported names may differ). */
export function kindOf(lines: readonly JudgmentLine[]): FileKind {
	return lines.length > 0 && 'model' in lines[0] && typeof lines[0].model === 'string' ? 'single' : 'pair';
}

export const isSingle = (line: JudgmentLine): line is SingleJudgmentLine => typeof (line as SingleJudgmentLine).model === 'string';
export const isPair = (line: JudgmentLine): line is PairJudgmentLine => typeof (line as PairJudgmentLine).model_1 === 'string';

/** The judge's name from a judgment file's path, as FastChat names it: model_judgment/<judge>_single.jsonl. */
export function judgeOfPath(path: string): string {
	return path.slice(path.lastIndexOf('/') + 1).replace(/\.jsonl$/, '').replace(/_(single|pair)$/, '');
}

export type ResultOptions = { mode: Mode; baselineModel?: string };

export function resultTable(lines: readonly JudgmentLine[], options: ResultOptions): SingleResult | PairwiseResult {
	if (options.mode === 'single') return showResult('single', lines.filter(isSingle));
	return showResult(options.mode, lines.filter(isPair), { baselineModel: options.baselineModel });
}

export type RadarSeries = { model: string; values: (number | null)[] };
export type RadarData = {
	categories: string[];
	series: RadarSeries[];
	/** The axis maximum: 10 for scores, 1 for win rates. */
	max: number;
	/** What the values are, for the caption and the table. */
	measure: string;
};

/** Categories present in the questions: FastChat's eight in their order, then any others by name. */
export function categoriesOf(questions: readonly Question[]): string[] {
	const present = new Set(questions.map((q) => q.category));
	const known = CATEGORIES.filter((c) => present.has(c));
	return [...known, ...[...present].filter((c) => !(CATEGORIES as readonly string[]).includes(c)).sort()];
}

/**
 * Per model and category: the mean score over both turns (single), or the adjusted win rate, each tie half a
 * win (pairwise), over the judgments of that category's questions. null where a model has none.
 */
export function radarData(lines: readonly JudgmentLine[], questions: readonly Question[], options: ResultOptions): RadarData {
	const categories = categoriesOf(questions);
	if (options.mode === 'single') {
		const scores = categoryScores(lines.filter(isSingle), questions);
		const series = [...scores.keys()].sort().map((model) => ({ model, values: categories.map((c) => scores.get(model)?.get(c) ?? null) }));
		return { categories, series, max: 10, measure: 'Mean score (1–10)' };
	}
	const categoryOf = new Map(questions.map((q) => [qidKey(q.question_id), q.category]));
	const pairs = lines.filter(isPair);
	const byCategory = categories.map((c) => showPairwise(pairs.filter((j) => categoryOf.get(qidKey(j.question_id)) === c), { mode: options.mode as PairwiseResult['mode'], baselineModel: options.baselineModel }));
	const models = [...new Set(byCategory.flatMap((r) => r.rows.map((row) => row.model)))].sort();
	const series = models.map((model) => ({ model, values: byCategory.map((r) => r.rows.find((row) => row.model === model)?.win_rate_adjusted ?? null) }));
	return { categories, series, max: 1, measure: 'Adjusted win rate (ties count half)' };
}

/** Models a judgment file judges: single grading's `model`, a pair file's model_1 and model_2. */
export function modelsOf(lines: readonly JudgmentLine[]): string[] {
	const models = new Set<string>();
	for (const j of lines) {
		if (isSingle(j)) models.add(j.model);
		else if (isPair(j)) models.add(j.model_1).add(j.model_2);
	}
	return [...models].sort();
}

/** The pairs a pair file compares, each once, as [model_1, model_2] in the file's order. */
export function pairsOf(lines: readonly JudgmentLine[]): [string, string][] {
	const seen = new Map<string, [string, string]>();
	for (const j of lines) if (isPair(j)) seen.set(`${j.model_1}\n${j.model_2}`, [j.model_1, j.model_2]);
	return [...seen.values()];
}

/** One model's single-grading judgment of a question's turn (FastChat's `turn`: 1, or 2 for the multi-turn game). */
export function singleJudgment(lines: readonly JudgmentLine[], qid: string, model: string, turn: number): SingleJudgmentLine | undefined {
	return lines.filter(isSingle).find((j) => qidKey(j.question_id) === qid && j.model === model && j.turn === turn);
}

/** The pair judgment of two models on a question's turn, whichever of them was model_1. */
export function pairJudgment(lines: readonly JudgmentLine[], qid: string, a: string, b: string, turn: number): PairJudgmentLine | undefined {
	return lines
		.filter(isPair)
		.find((j) => qidKey(j.question_id) === qid && (j.turn ?? 1) === turn && ((j.model_1 === a && j.model_2 === b) || (j.model_1 === b && j.model_2 === a)));
}

/** Scores and rates as the table prints them: two decimals for scores, three for rates; a dash for none. */
export function formatScore(value: number | null): string {
	return value === null || Number.isNaN(value) ? '–' : value.toFixed(2);
}
export function formatRate(value: number): string {
	return Number.isFinite(value) ? value.toFixed(3) : '–';
}
