// The sampling arithmetic on hand-made logits: OpenAI's penalties, log-probabilities and their ranking,
// and the distributions temperature, top-k and top-p leave to sample from (checked against brute force).
import { describe, expect, it } from 'vitest';
import { random } from '@huggingface/transformers';
import { applyPresenceFrequency, greedyToken, logSumExp, samplingDistribution, sampleToken, topIndices, topLogprobs } from './logits';

const logitsOfProbs = (probs: number[]) => Float32Array.from(probs, Math.log);

describe('OpenAI presence and frequency penalties', () => {
	it('subtract count * frequency + presence from each generated token, and leave others alone', () => {
		const row = Float32Array.from([1, 2, 3, 4]);
		applyPresenceFrequency(row, new Map([[1, 3], [3, 1], [2, 0]]), 0.5, 0.25);
		expect(Array.from(row)).toEqual([1, 2 - 3 * 0.25 - 0.5, 3, 4 - 0.25 - 0.5]);
	});

	it('negative values reward repeats', () => {
		const row = Float32Array.from([0, 0]);
		applyPresenceFrequency(row, new Map([[0, 2]]), -1, -0.5);
		expect(Array.from(row)).toEqual([2, 0]);
	});
});

describe('log-probabilities', () => {
	it('logSumExp normalises: exp(row - logZ) sums to 1, even for large logits', () => {
		const row = Float32Array.from([1000, 999, 998, -5]);
		const logZ = logSumExp(row);
		expect(Array.from(row).reduce((s, x) => s + Math.exp(x - logZ), 0)).toBeCloseTo(1, 12);
	});

	it('topLogprobs lists the most likely first, ties in id order, and the preferred token first among its ties', () => {
		const row = Float32Array.from([1, 3, 2, 3, 0]);
		const logZ = logSumExp(row);
		expect(topLogprobs(row, 3, logZ).map((t) => t.id)).toEqual([1, 3, 2]);
		expect(topLogprobs(row, 3, logZ, 3).map((t) => t.id)).toEqual([3, 1, 2]);
		expect(topLogprobs(row, 2, logZ)[0].logprob).toBeCloseTo(3 - logZ, 6);
		expect(topLogprobs(row, 0, logZ)).toEqual([]);
		expect(topIndices(row, 10)).toEqual([1, 3, 2, 0, 4]);
	});

	it('greedyToken takes the first of equal maxima, as topLogprobs ranks it first', () => {
		const row = Float32Array.from([0, 5, 5, 1]);
		expect(greedyToken(row)).toBe(1);
		expect(topLogprobs(row, 1, logSumExp(row), greedyToken(row))[0].id).toBe(1);
	});
});

describe('the distribution a sample is drawn from', () => {
	const probs = [0.05, 0.5, 0.15, 0.3];
	const row = logitsOfProbs(probs);
	const normalised = (d: { ids: number[]; weights: number[]; total: number }) => Object.fromEntries(d.ids.map((id, j) => [id, d.weights[j] / d.total]));

	it('temperature 1 with nothing cut is the softmax itself', () => {
		const d = normalised(samplingDistribution(row, { temperature: 1, topK: 0, topP: 1 }));
		probs.forEach((p, id) => expect(d[id]).toBeCloseTo(p, 6));
	});

	it('top_k keeps the k most likely, renormalised', () => {
		const d = normalised(samplingDistribution(row, { temperature: 1, topK: 2, topP: 1 }));
		expect(Object.keys(d).map(Number).sort()).toEqual([1, 3]);
		expect(d[1]).toBeCloseTo(0.5 / 0.8, 6);
	});

	it('top_p keeps the smallest most-likely set whose mass reaches top_p', () => {
		const ids = (topP: number) => samplingDistribution(row, { temperature: 1, topK: 0, topP }).ids.sort();
		expect(ids(0.5)).toEqual([1]);
		expect(ids(0.79)).toEqual([1, 3]);
		expect(ids(0.81)).toEqual([1, 2, 3]);
		expect(ids(0.96)).toEqual([0, 1, 2, 3]);
		expect(ids(0.001)).toEqual([1]);
	});

	it('top_p matches a brute-force nucleus on random rows (the pre-filter drops nothing it should keep)', () => {
		const rng = new random.Random(7);
		for (let trial = 0; trial < 300; trial++) {
			const vocab = 2 + Math.floor(rng.random() * 300);
			const logits = Float32Array.from({ length: vocab }, () => (rng.random() - 0.5) * 20 * rng.random());
			const params = { temperature: 0.3 + rng.random() * 1.7, topK: rng.random() < 0.3 ? 1 + Math.floor(rng.random() * vocab) : 0, topP: rng.random() };
			expect(samplingDistribution(logits, params).ids.sort((a, b) => a - b)).toEqual(bruteForce(logits, params));
		}
	});

	it('temperature sharpens or flattens', () => {
		const cold = normalised(samplingDistribution(row, { temperature: 0.5, topK: 0, topP: 1 }));
		const hot = normalised(samplingDistribution(row, { temperature: 2, topK: 0, topP: 1 }));
		expect(cold[1]).toBeGreaterThan(0.5);
		expect(hot[1]).toBeLessThan(0.5);
	});

	it('samples in proportion to the distribution, reproducibly for a seed', () => {
		const draw = (seed: number) => {
			const rng = new random.Random(seed);
			return Array.from({ length: 20_000 }, () => sampleToken(row, { temperature: 1, topK: 0, topP: 1 }, rng));
		};
		const draws = draw(3);
		probs.forEach((p, id) => expect(draws.filter((t) => t === id).length / draws.length).toBeCloseTo(p, 1));
		expect(draw(3)).toEqual(draws);
		expect(draw(4)).not.toEqual(draws);
	});

	it('with top_k off, every token of a flat vocabulary can be drawn', () => {
		const flat = new Float32Array(512);
		const rng = new random.Random(1);
		const seen = new Set(Array.from({ length: 20_000 }, () => sampleToken(flat, { temperature: 1, topK: 0, topP: 1 }, rng)));
		expect(seen.size).toBe(512);
	});
});

function bruteForce(logits: Float32Array, { temperature, topK, topP }: { temperature: number; topK: number; topP: number }): number[] {
	let order = Array.from(logits, (x, id) => ({ id, x })).sort((a, b) => b.x - a.x || a.id - b.id);
	if (topK > 0) order = order.slice(0, topK);
	const max = order[0].x;
	const w = order.map((o) => Math.exp((o.x - max) / temperature));
	const total = w.reduce((a, b) => a + b, 0);
	let mass = 0;
	let end = 0;
	if (topP >= 1) end = order.length;
	else while (end < order.length && (end === 0 || mass < topP * total)) mass += w[end++];
	return order
		.slice(0, end)
		.map((o) => o.id)
		.sort((a, b) => a - b);
}
