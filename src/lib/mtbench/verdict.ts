// Reading a judge's verdict out of its text, exactly as FastChat's common.py does: the first `[[n]]`, else
// the first `[n]`, else -1 for a rating; `[[A]]`, then `[[B]]`, then `[[C]]` (tie) anywhere in the text, else
// "error", for a pairwise verdict. The order matters: a text naming both [[B]] and [[A]] is an A.
import { TIE_DELTA } from './constants';
import type { OutputFormat } from './schemas';

const ONE_SCORE = /\[\[(\d+\.?\d*)\]\]/;
const ONE_SCORE_BACKUP = /\[(\d+\.?\d*)\]/;
const TWO_SCORES = /\[\[(\d+\.?\d*),\s?(\d+\.?\d*)\]\]/;
const TWO_SCORES_BACKUP = /\[(\d+\.?\d*),\s?(\d+\.?\d*)\]/;

/** A game's verdict from the judge's point of view: which position (A or B) won, a tie, or no verdict. */
export type PositionVerdict = 'A' | 'B' | 'tie' | 'error';

/** The 1–10 rating in a single-answer judgment (`Rating: [[7]]`), or -1 when there is none. */
export function parseRating(judgment: string): number {
	const match = ONE_SCORE.exec(judgment) ?? ONE_SCORE_BACKUP.exec(judgment);
	return match ? Number(match[1]) : -1;
}

/** The verdict of one pairwise game, read as the prompt's `output_format` says. */
export function parsePairVerdict(judgment: string, outputFormat: OutputFormat = '[[A]]'): PositionVerdict {
	if (outputFormat === '[[A]]') {
		if (judgment.includes('[[A]]')) return 'A';
		if (judgment.includes('[[B]]')) return 'B';
		if (judgment.includes('[[C]]')) return 'tie';
		return 'error';
	}
	if (outputFormat === '[[rating_a,rating_b]]') {
		const match = TWO_SCORES.exec(judgment) ?? TWO_SCORES_BACKUP.exec(judgment);
		if (!match) return 'error';
		const [a, b] = [Number(match[1]), Number(match[2])];
		if (Math.abs(a - b) <= TIE_DELTA) return 'tie';
		return a > b ? 'A' : 'B';
	}
	return 'error';
}
