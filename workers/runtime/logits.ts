// Pure arithmetic on one step's logits: OpenAI's presence and frequency penalties, log-probabilities
// and the most likely alternatives, greedy choice, and sampling with temperature, top-k and top-p.
// Transformers.js (4.x) implements neither top-p nor per-request seeds, so the runtime samples here.

/** A source of uniform numbers in [0, 1): Transformers.js's seedable `random.Random` in practice. */
export type Rng = { random(): number };

export type IdLogprob = { id: number; logprob: number };

/**
 * OpenAI's penalties: logit[t] -= count[t] * frequency + (count[t] > 0) * presence, where count[t] is
 * how often t was generated so far in this answer (the prompt does not count).
 */
export function applyPresenceFrequency(row: Float32Array, counts: ReadonlyMap<number, number>, presence: number, frequency: number): void {
	for (const [token, count] of counts) if (count > 0) row[token] -= count * frequency + presence;
}

/**
 * Below the most likely token by this much (in logits over temperature), a token weighs under 4e-18
 * of it: even a whole vocabulary of such tokens changes no probability in float64, so their exp()
 * (most of a real model's vocabulary, the bulk of a step's sampling cost) is skipped.
 */
const NEGLIGIBLE = 40;

/** log(sum(exp(row))): a token's log-probability is row[t] minus this. */
export function logSumExp(row: ArrayLike<number>): number {
	let max = -Infinity;
	for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
	if (max === -Infinity) return -Infinity;
	const negligible = max - NEGLIGIBLE;
	let sum = 0;
	for (let i = 0; i < row.length; i++) if (row[i] > negligible) sum += Math.exp(row[i] - max);
	return max + Math.log(sum);
}

/** The first most likely token, as Transformers.js's greedy sampler picks it. */
export function greedyToken(row: ArrayLike<number>): number {
	let best = 0;
	for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
	return best;
}

/**
 * Indices of the `k` largest values, largest first; equal values in index order, except that
 * `preferred` comes first among its equals (so a chosen token is never listed below a tie).
 */
export function topIndices(values: ArrayLike<number>, k: number, preferred = -1): number[] {
	const before = (a: number, b: number) =>
		values[a] > values[b] || (values[a] === values[b] && (a === preferred || (b !== preferred && a < b)));
	const top: number[] = [];
	if (k <= 0) return top;
	for (let i = 0; i < values.length; i++) {
		if (top.length === k && !before(i, top[k - 1])) continue;
		let at = Math.min(top.length, k - 1);
		while (at > 0 && before(i, top[at - 1])) at--;
		top.splice(at, 0, i);
		if (top.length > k) top.pop();
	}
	return top;
}

/** The `k` most likely tokens with their log-probabilities; `logZ` is logSumExp(row). */
export function topLogprobs(row: ArrayLike<number>, k: number, logZ: number, preferred = -1): IdLogprob[] {
	return topIndices(row, k, preferred).map((id) => ({ id, logprob: row[id] - logZ }));
}

export type SamplingParams = { temperature: number; topK: number; topP: number };

/** The tokens a sample may be drawn from, with unnormalised weights (parallel arrays). */
export type Distribution = { ids: ArrayLike<number>; weights: ArrayLike<number>; total: number };

/**
 * softmax(row / temperature) restricted to the topK most likely tokens (0: all), then to the smallest
 * set of most likely tokens whose probability reaches topP (1: all), in Hugging Face's and vLLM's order.
 * temperature must be > 0. Negligible tokens are left out.
 */
export function samplingDistribution(row: ArrayLike<number>, params: SamplingParams): { ids: number[]; weights: number[]; total: number } {
	const d = weigh(row, params);
	return { ids: Array.from(d.ids), weights: Array.from(d.weights), total: d.total };
}

/** Draws one token from samplingDistribution(row, params). */
export function sampleToken(row: ArrayLike<number>, params: SamplingParams, rng: Rng): number {
	const { ids, weights, total } = weigh(row, params);
	let r = rng.random() * total;
	for (let j = 0; j < weights.length; j++) {
		r -= weights[j];
		if (r < 0) return ids[j];
	}
	// Rounding can leave r a hair above 0 after the last weight: that is the last token with weight.
	return ids[weights.length - 1];
}

// Reused from step to step: allocating vocabulary-sized arrays each token costs more than the arithmetic.
let scratchIds = new Int32Array(0);
let scratchWeights = new Float64Array(0);

/** samplingDistribution's work; the arrays it returns are valid until the next call. */
function weigh(row: ArrayLike<number>, { temperature, topK, topP }: SamplingParams): Distribution {
	const cut = topK > 0 && topK < row.length ? topIndices(row, topK) : null;
	const size = cut ? cut.length : row.length;
	if (scratchIds.length < size) {
		scratchIds = new Int32Array(size);
		scratchWeights = new Float64Array(size);
	}
	let max = -Infinity;
	for (let j = 0; j < size; j++) max = Math.max(max, row[cut ? cut[j] : j]);
	const negligible = max - NEGLIGIBLE * temperature;
	let count = 0;
	let total = 0;
	for (let j = 0; j < size; j++) {
		const id = cut ? cut[j] : j;
		if (row[id] <= negligible) continue;
		const w = Math.exp((row[id] - max) / temperature);
		scratchIds[count] = id;
		scratchWeights[count++] = w;
		total += w;
	}
	const ids = scratchIds.subarray(0, count);
	const weights = scratchWeights.subarray(0, count);
	if (topP >= 1) return { ids, weights, total };

	// The tail top-p drops is the least likely tokens whose mass stays within 1 - topP. Tokens each
	// below (1 - topP) / size are always inside it (together they weigh less), so only the rest are
	// sorted (numerically, without a comparator) to find the smallest weight the nucleus keeps.
	const floor = ((1 - topP) / size) * total;
	let candidates = 0;
	for (let j = 0; j < count; j++) if (weights[j] >= floor) candidates++;
	const sorted = new Float64Array(candidates);
	for (let j = 0, k = 0; j < count; j++) if (weights[j] >= floor) sorted[k++] = weights[j];
	sorted.sort();
	let mass = 0;
	let i = sorted.length;
	do mass += sorted[--i];
	while (i > 0 && mass < topP * total);
	const smallest = sorted[i];
	// Of the tokens weighing exactly `smallest`, the nucleus holds as many as the sorted walk took,
	// the lowest ids first (ties rank by id everywhere).
	let ties = 0;
	for (let j = i; j < sorted.length && sorted[j] === smallest; j++) ties++;
	const nucleusIds: number[] = [];
	const nucleusWeights: number[] = [];
	for (let j = 0; j < count; j++) {
		if (weights[j] < smallest || (weights[j] === smallest && ties-- <= 0)) continue;
		nucleusIds.push(ids[j]);
		nucleusWeights.push(weights[j]);
	}
	return { ids: nucleusIds, weights: nucleusWeights, total: mass };
}
