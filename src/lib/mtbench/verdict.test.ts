// Verdict parsing against FastChat's common.py rules: the first [[n]], else the first [n], else -1; [[A]] before
// [[B]] before [[C]], else "error"; two-score verdicts with the 0.1 tie band. Each case is a judge text.
import { describe, expect, it } from 'vitest';
import { parsePairVerdict, parseRating } from './verdict';

describe('parseRating (single-answer grading)', () => {
	const cases: [string, number][] = [
		['Rating: [[7]]', 7],
		['The answer is complete and correct.\n\nRating: [[10]]', 10],
		['Rating: [[8.5]]', 8.5],
		['Rating: [[5.]]', 5],
		['Score: [[1]]', 1],
		['Score [[0]]', 0],
		['Rating: [7]', 7],
		['I would give it [6.5] out of 10.', 6.5],
		['First [[3]], on reflection [[9]]', 3],
		['See [4] above. Rating: [[9]]', 9],
		['Rating: 7/10', -1],
		['Rating: [[seven]]', -1],
		['', -1],
		['Rating: [[ 7 ]]', -1],
		['Rating: [[7/10]]', -1],
		['Rating: [[-3]]', -1],
		['Rating: [[7.5.2]]', -1],
		['[[10]] seems too generous, so [[9]]', 10],
		['It indexes a[0] correctly. Rating: [[6]]', 6],
		// FastChat's fallback takes any bracketed number, even code: a known quirk kept for compatibility.
		['It indexes a[0] correctly, nothing else to say.', 0],
		['Rating: [[ 8]]', -1],
		['$ERROR$', -1],
		['Rating: [[4]]\nExplanation follows: the code has an off-by-one error.', 4],
		['Rating: [[12]]', 12]
	];
	it.each(cases)('%j → %d', (text, expected) => {
		expect(parseRating(text)).toBe(expected);
	});
});

describe('parsePairVerdict with output_format [[A]]', () => {
	const cases: [string, string][] = [
		['[[A]]', 'A'],
		['Assistant B misses the point. Final verdict: [[B]]', 'B'],
		['[[C]]', 'tie'],
		['Both answers are equally good. [[C]]', 'tie'],
		['Not [[B]]: I choose [[A]]', 'A'],
		['[[C]] would be fair, but [[B]] is slightly better', 'B'],
		['[[A]][[B]]', 'A'],
		['[[B]]\n[[C]]', 'B'],
		// FastChat has no single-bracket fallback for pairwise verdicts: these are errors, as there.
		['[A]', 'error'],
		['Verdict: [B]', 'error'],
		['[[a]]', 'error'],
		['Assistant A is better.', 'error'],
		['[[D]]', 'error'],
		['[[ A ]]', 'error'],
		['', 'error'],
		['$ERROR$', 'error']
	];
	it.each(cases)('%j → %s', (text, expected) => {
		expect(parsePairVerdict(text, '[[A]]')).toBe(expected);
	});
});

describe('parsePairVerdict with output_format [[rating_a,rating_b]]', () => {
	const cases: [string, string][] = [
		['Scores: [[8, 6]]', 'A'],
		['[[6,8]]', 'B'],
		['[[7.0, 7.05]]', 'tie'],
		['[[7, 7.1]]', 'tie'],
		['[[7, 7.2]]', 'B'],
		['Scores: [7, 9]', 'B'],
		['[[7 , 9]]', 'error'],
		['no scores at all', 'error']
	];
	it.each(cases)('%j → %s', (text, expected) => {
		expect(parsePairVerdict(text, '[[rating_a,rating_b]]')).toBe(expected);
	});
});
