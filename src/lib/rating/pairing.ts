// The one pairing rule for anonymous battles, shared by the browser arena and the coordinator.
// Pure: the random source is injected, so a seeded generator makes every draw reproducible.
//
// A draw goes: drop models in outage (and non-positive weights), give every unordered pair {i, j} a
// probability under the policy, draw one pair, put it on random sides (so no model is more often
// model_a). The policies:
// - `uniform`: every pair of drawable models equally likely; weights, boosts and targets ignored.
// - `weighted` (default): FastChat's get_battle_pair. Model weight w = candidate weight × operator
//   weight (default 1) × 5 if boosted (SAMPLING_BOOST_MODELS). The first model is drawn ∝ w; its rival
//   ∝ w among the others, except that each drawable target of the first model (BATTLE_TARGETS) gets
//   weight W / (number of its targets), W the total weight of the pool, so the targets together
//   take at least about half of the rival draws. P{i, j} = P(i first)·P(j | i) + P(j first)·P(i | j).
// - `active`: the weighted probability of each pair times the expected narrowing of the rating
//   intervals from one more vote on it (`narrowing`, see active-pairing.ts), renormalised: the
//   Chatbot Arena paper's rule (arXiv 2403.04132, §5) with the operator's settings still honoured.

export type Rng = () => number;
export type Candidate = { id: string; weight?: number };

export const PAIRING_POLICIES = ['uniform', 'weighted', 'active'] as const;
export type PairingPolicy = (typeof PAIRING_POLICIES)[number];

/** For the `active` policy: how much one more vote on each pair narrows the intervals (row-major n×n over `models`, ≥ 0). */
export type NarrowingSource = { narrowing(models: readonly string[]): Float64Array };

export type PairingRules = {
	policy?: PairingPolicy;
	/** Operator sampling weights by model (FastChat's SAMPLING_WEIGHTS); unlisted models weigh 1, ≤ 0 never drawn. */
	weights?: Readonly<Record<string, number>>;
	/** Model → models it is preferentially paired with (FastChat's BATTLE_TARGETS). */
	targets?: Readonly<Record<string, readonly string[]>>;
	/** Models whose weight is multiplied by BOOST_FACTOR (FastChat's SAMPLING_BOOST_MODELS: new models). */
	boost?: readonly string[];
	/** Models never drawn (FastChat's OUTAGE_MODELS). */
	outage?: readonly string[];
	/** Needed by `active`; without it `active` draws as `weighted`. */
	active?: NarrowingSource;
};

/** FastChat multiplies a boosted model's weight by 5. */
export const BOOST_FACTOR = 5;

/** A small seeded generator (mulberry32) for tests and reproducible draws. */
export function seededRng(seed: number): Rng {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Drawable models with their weights: first of each id, outage and non-positive or non-finite weights left out. */
function drawablePool(candidates: readonly Candidate[], rules: PairingRules): { ids: string[]; weights: number[] } {
	const outage = new Set(rules.outage ?? []);
	const boost = new Set(rules.boost ?? []);
	const seen = new Set<string>();
	const ids: string[] = [];
	const weights: number[] = [];
	for (const c of candidates) {
		if (seen.has(c.id)) continue;
		seen.add(c.id);
		let weight = (c.weight ?? 1) * (rules.weights?.[c.id] ?? 1);
		if (boost.has(c.id)) weight *= BOOST_FACTOR;
		if (outage.has(c.id) || !(weight > 0) || !Number.isFinite(weight)) continue;
		ids.push(c.id);
		weights.push(weight);
	}
	return { ids, weights };
}

/** P(rival = j | first = i) under FastChat's rule, for every j (0 for j = i). */
function rivalWeights(i: number, ids: readonly string[], weights: readonly number[], total: number, targets: PairingRules['targets']): number[] {
	const mine = targets?.[ids[i]];
	const targetSet = mine && mine.length > 0 ? new Set(mine) : undefined;
	const out = weights.map((w, j) => (j === i ? 0 : targetSet?.has(ids[j]) ? total / targetSet.size : w));
	const sum = out.reduce((s, w) => s + w, 0);
	return out.map((w) => w / sum);
}

export type PairDistribution = {
	models: string[];
	/** Row-major n×n, symmetric, zero diagonal: P{i, j} is stored at both [i][j] and [j][i]; the upper triangle sums to 1. */
	probability: Float64Array;
};

/** The probability of each unordered pair of drawable models under `rules`; null with fewer than two drawable models. */
export function pairDistribution(candidates: readonly Candidate[], rules: PairingRules = {}): PairDistribution | null {
	const policy = rules.policy ?? 'weighted';
	if (!PAIRING_POLICIES.includes(policy)) throw new Error(`Unknown pairing policy '${String(policy)}': use one of ${PAIRING_POLICIES.join(', ')}.`);
	const { ids, weights } = drawablePool(candidates, rules);
	const n = ids.length;
	if (n < 2) return null;
	const p = new Float64Array(n * n);
	if (policy === 'uniform') {
		for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) p[i * n + j] = 1;
	} else {
		const total = weights.reduce((s, w) => s + w, 0);
		for (let i = 0; i < n; i++) {
			const first = weights[i] / total;
			const rival = rivalWeights(i, ids, weights, total, rules.targets);
			for (let j = 0; j < n; j++) {
				if (j === i) continue;
				p[i * n + j] += first * rival[j];
				p[j * n + i] += first * rival[j];
			}
		}
		if (policy === 'active' && rules.active) {
			const gain = rules.active.narrowing(ids);
			let informative = false;
			for (let k = 0; k < n * n; k++) {
				const g = gain[k];
				p[k] *= Number.isFinite(g) && g > 0 ? g : 0;
				if (p[k] > 0) informative = true;
			}
			// No pair would narrow anything (e.g. every gain 0): fall back to the weighted draw.
			if (!informative) return pairDistribution(candidates, { ...rules, policy: 'weighted' });
		}
	}
	let sum = 0;
	for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sum += p[i * n + j];
	for (let k = 0; k < n * n; k++) p[k] /= sum;
	return { models: ids, probability: p };
}

/**
 * Two different models drawn under `rules` (default: `weighted`, all operator weights 1, i.e. each
 * model ∝ its candidate weight without replacement), put on random sides. Duplicate ids count once.
 * Null with fewer than two drawable models.
 */
export function pairModels(candidates: readonly Candidate[], rng: Rng = Math.random, rules: PairingRules = {}): [string, string] | null {
	const dist = pairDistribution(candidates, rules);
	if (!dist) return null;
	const { models, probability } = dist;
	const n = models.length;
	let r = rng();
	let last: [number, number] = [0, 1];
	for (let i = 0; i < n; i++) {
		for (let j = i + 1; j < n; j++) {
			const q = probability[i * n + j];
			if (q <= 0) continue;
			last = [i, j];
			r -= q;
			if (r < 0) return orient(models[i], models[j], rng);
		}
	}
	return orient(models[last[0]], models[last[1]], rng);
}

function orient(a: string, b: string, rng: Rng): [string, string] {
	return rng() < 0.5 ? [a, b] : [b, a];
}

/** pairModels for callers that cannot go on without a pair: throws with fewer than two drawable models. */
export function pickPair(candidates: readonly Candidate[], rng: Rng = Math.random, rules: PairingRules = {}): [string, string] {
	const pair = pairModels(candidates, rng, rules);
	if (!pair) throw new Error('An arena battle needs at least two different models that are not in outage. Add a model or take one out of the outage list.');
	return pair;
}
