// deduplication.py's rule, with numbers worked out by hand: the cutoff is pandas' linear quantile of
// the per-prompt counts; prompts above it are high-frequency and floor(cutoff) of their battles sampled.
import { describe, expect, it } from 'vitest';
import { dedupTags, quantile } from './dedup';

describe('quantile (pandas linear interpolation)', () => {
	it('interpolates between order statistics', () => {
		// sorted [1, 1, 2, 10]: position 3 × 0.5 = 1.5 → 1 + 0.5 × (2 − 1)
		expect(quantile([10, 1, 2, 1], 0.5)).toBe(1.5);
		// position 3 × 0.9999 = 2.9997 → 2 + 0.9997 × 8
		expect(quantile([10, 1, 2, 1], 0.9999)).toBeCloseTo(9.9976, 10);
		expect(quantile([4], 0.9999)).toBe(4);
		expect(quantile([], 0.5)).toBeNaN();
	});
});

describe('dedupTags', () => {
	it('tags the prompts counted above the cutoff and samples floor(cutoff) of each', () => {
		// 100 distinct prompts once each, "spam" 30 times, "faq" 5 times: 102 counts.
		const keys = [...Array.from({ length: 100 }, (_, i) => `p${i}`), ...Array<string>(30).fill('spam'), ...Array<string>(5).fill('faq')];
		// percentile 0.99: position 101 × 0.99 = 99.99 in sorted [1×100, 5, 30] → 1 + 0.99 × (5 − 1) = 4.96
		const tags = dedupTags(keys, 0.99);
		const of = (key: string) => tags.filter((_, i) => keys[i] === key);
		expect(of('p7')).toEqual([{ high_freq: false, sampled: true }]);
		expect(of('spam').every((t) => t.high_freq)).toBe(true);
		expect(of('spam').filter((t) => t.sampled)).toHaveLength(4);
		expect(of('faq').every((t) => t.high_freq)).toBe(true);
		expect(of('faq').filter((t) => t.sampled)).toHaveLength(4);
	});

	it('with the default percentile, only a prompt far above the rest is high-frequency', () => {
		const keys = [...Array.from({ length: 50 }, (_, i) => `p${i}`), 'p1', 'p2', ...Array<string>(40).fill('spam')];
		const tags = dedupTags(keys);
		// counts: 48 × 1, 2 × 2, 1 × 40 → position 50 × 0.9999 = 49.995 → 2 + 0.995 × 38 = 39.81; floor = 39
		expect(tags.filter((t) => t.high_freq)).toHaveLength(40);
		expect(tags.filter((t) => t.high_freq && t.sampled)).toHaveLength(39);
		expect(tags.filter((t) => !t.high_freq).every((t) => t.sampled)).toBe(true);
	});

	it('is the same for the same input (fixed seed), and a battle without a key is its own prompt', () => {
		const keys = [null, null, ...Array<string>(10).fill('x'), 'y'];
		expect(dedupTags(keys, 0.5)).toEqual(dedupTags(keys, 0.5));
		const tags = dedupTags(keys, 0.5);
		expect(tags[0]).toEqual({ high_freq: false, sampled: true });
		// counts [1, 1, 10, 1] → sorted [1, 1, 1, 10], position 1.5 → 1; "x" (10) is above it, one of it sampled
		expect(tags.slice(2, 12).filter((t) => t.sampled)).toHaveLength(1);
	});
});
