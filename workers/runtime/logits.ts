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

/** log(sum(exp(row))): a token's log-probability is row[t] minus this. */
export function logSumExp(row: ArrayLike<number>): number {
	let max = -Infinity;
	for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
	if (max === -Infinity) return -Infinity;
	let sum = 0;
	for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
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

/**
 * Samples a token from softmax(row / temperature), keeping only the topK most likely (0: all) and then
 * the smallest set of most likely tokens whose probability reaches topP (1: all), as Hugging Face and
 * vLLM order these steps. temperature must be > 0.
 */
export function sampleToken(row: ArrayLike<number>, { temperature, topK, topP }: SamplingParams, rng: Rng): number {
	const vocab = row.length;
	const candidates: number[] | null = topK > 0 && topK < vocab ? topIndices(row, topK) : null;
	const count = candidates?.length ?? vocab;
	const idAt = (j: number) => (candidates ? candidates[j] : j);
	let max = -Infinity;
	for (let j = 0; j < count; j++) max = Math.max(max, row[idAt(j)]);
	const weights = new Float64Array(count);
	let total = 0;
	for (let j = 0; j < count; j++) total += weights[j] = Math.exp((row[idAt(j)] - max) / temperature);

	if (topP < 1) {
		// The tail top-p drops is the least likely tokens whose mass stays within 1 - topP. Tokens each
		// below (1 - topP) / count are always inside it (together they weigh less), so only the rest
		// need sorting: a few hundred instead of a whole vocabulary.
		const floor = ((1 - topP) / count) * total;
		const kept: number[] = [];
		for (let j = 0; j < count; j++) if (weights[j] >= floor) kept.push(j);
		kept.sort((a, b) => weights[b] - weights[a] || idAt(a) - idAt(b));
		let mass = 0;
		let end = 0;
		while (end < kept.length && (end === 0 || mass < topP * total)) mass += weights[kept[end++]];
		const nucleus = kept.slice(0, end);
		return pick(Float64Array.from(nucleus, (j) => weights[j]), mass, rng, (m) => idAt(nucleus[m]));
	}
	return pick(weights, total, rng, idAt);
}

function pick(weights: Float64Array, total: number, rng: Rng, idAt: (j: number) => number): number {
	let r = rng.random() * total;
	for (let j = 0; j < weights.length; j++) {
		r -= weights[j];
		if (r < 0) return idAt(j);
	}
	// Rounding can leave r a hair above 0 after the last weight: that is the last token with weight.
	for (let j = weights.length - 1; j >= 0; j--) if (weights[j] > 0) return idAt(j);
	return idAt(0);
}
