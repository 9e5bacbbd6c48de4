// FastChat's show_result.py numbers. Single: the mean score per model over first-turn judgments, second-turn
// judgments and all of them, leaving out unparsed scores (-1). Pairwise: win / loss / tie per model, where a
// pair whose two games disagree (or whose first game is a tie) is a tie for both, games with no verdict are
// dropped, and in pairwise-baseline only pairs with the baseline count and the baseline gets no row.
import type { Mode } from './constants';
import { qidKey } from './matches';
import type { PairJudgmentLine, Question, SingleJudgmentLine } from './schemas';

export type SingleRow = { model: string; turn1: number | null; turn2: number | null; average: number | null };
export type PairwiseRow = { model: string; win: number; loss: number; tie: number; win_rate: number; loss_rate: number; win_rate_adjusted: number };
export type SingleResult = { mode: 'single'; rows: SingleRow[] };
export type PairwiseResult = { mode: 'pairwise-baseline' | 'pairwise-all'; rows: PairwiseRow[] };

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Mean scores per model, best average first. `modelList` keeps only those models (FastChat's --model-list). */
export function showSingle(judgments: readonly SingleJudgmentLine[], options: { modelList?: readonly string[] } = {}): SingleResult {
	const scores = new Map<string, { 1: number[]; 2: number[]; all: number[] }>();
	for (const j of judgments) {
		if (j.score === -1) continue;
		if (options.modelList && !options.modelList.includes(j.model)) continue;
		let s = scores.get(j.model);
		if (!s) scores.set(j.model, (s = { 1: [], 2: [], all: [] }));
		if (j.turn === 1 || j.turn === 2) s[j.turn].push(j.score);
		s.all.push(j.score);
	}
	const rows = [...scores].map(([model, s]) => ({ model, turn1: mean(s[1]), turn2: mean(s[2]), average: mean(s.all) }));
	rows.sort((a, b) => (b.average ?? -Infinity) - (a.average ?? -Infinity) || a.model.localeCompare(b.model));
	return { mode: 'single', rows };
}

/** How FastChat's show_result reads one pair of games: a model's win, or a tie (a tie verdict, or two games that disagree). */
export function pairOutcome(g1Winner: string, g2Winner: string): 'model_1' | 'model_2' | 'tie' {
	if (g1Winner === 'tie' || g1Winner !== g2Winner) return 'tie';
	return g1Winner === 'model_1' ? 'model_1' : 'model_2';
}

/**
 * Win / loss / tie per model, best adjusted win rate first (each tie counts half a win). In pairwise-all mode
 * the baseline is ignored, as in FastChat. `modelList` keeps pairs whose model_1 is listed (FastChat's filter).
 */
export function showPairwise(
	judgments: readonly PairJudgmentLine[],
	options: { mode?: 'pairwise-baseline' | 'pairwise-all'; baselineModel?: string; modelList?: readonly string[] } = {}
): PairwiseResult {
	const mode = options.mode ?? (options.baselineModel ? 'pairwise-baseline' : 'pairwise-all');
	const baseline = mode === 'pairwise-all' ? undefined : options.baselineModel;
	const counts = new Map<string, { win: number; loss: number; tie: number }>();
	const add = (model: string, key: 'win' | 'loss' | 'tie') => {
		let c = counts.get(model);
		if (!c) counts.set(model, (c = { win: 0, loss: 0, tie: 0 }));
		c[key]++;
	};
	for (const j of judgments) {
		if (j.g1_winner === 'error' || j.g2_winner === 'error') continue;
		if (options.modelList && !options.modelList.includes(j.model_1)) continue;
		if (baseline !== undefined && j.model_1 !== baseline && j.model_2 !== baseline) continue;
		const outcome = pairOutcome(j.g1_winner, j.g2_winner);
		if (outcome === 'tie') {
			add(j.model_1, 'tie');
			add(j.model_2, 'tie');
		} else {
			const [winner, loser] = outcome === 'model_1' ? [j.model_1, j.model_2] : [j.model_2, j.model_1];
			add(winner, 'win');
			add(loser, 'loss');
		}
	}
	if (baseline !== undefined) counts.delete(baseline);
	const rows = [...counts].map(([model, { win, loss, tie }]) => {
		const n = win + loss + tie;
		return { model, win, loss, tie, win_rate: win / n, loss_rate: loss / n, win_rate_adjusted: (win + 0.5 * tie) / n };
	});
	rows.sort((a, b) => b.win_rate_adjusted - a.win_rate_adjusted || a.model.localeCompare(b.model));
	return { mode, rows };
}

/** Either table, by mode. */
export function showResult(
	mode: Mode,
	judgments: readonly (SingleJudgmentLine | PairJudgmentLine)[],
	options: { baselineModel?: string; modelList?: readonly string[] } = {}
): SingleResult | PairwiseResult {
	if (mode === 'single') return showSingle(judgments as SingleJudgmentLine[], options);
	return showPairwise(judgments as PairJudgmentLine[], { ...options, mode });
}

/**
 * Mean score per model and category over both turns (unparsed scores left out), for the radar chart.
 * Judgments of questions not in `questions` are ignored.
 */
export function categoryScores(judgments: readonly SingleJudgmentLine[], questions: readonly Question[]): Map<string, Map<string, number>> {
	const categoryOf = new Map(questions.map((q) => [qidKey(q.question_id), q.category]));
	const sums = new Map<string, Map<string, number[]>>();
	for (const j of judgments) {
		const category = categoryOf.get(qidKey(j.question_id));
		if (j.score === -1 || category === undefined) continue;
		let byCat = sums.get(j.model);
		if (!byCat) sums.set(j.model, (byCat = new Map()));
		let xs = byCat.get(category);
		if (!xs) byCat.set(category, (xs = []));
		xs.push(j.score);
	}
	return new Map([...sums].map(([model, byCat]) => [model, new Map([...byCat].map(([c, xs]) => [c, mean(xs)!]))]));
}
