// The one pairing rule for anonymous battles, shared by the browser arena and the coordinator: weighted sampling without replacement, random sides.
// Pure: the random source is injected, so a seeded generator makes every draw reproducible.

export type Rng = () => number;
export type Candidate = { id: string; weight?: number };

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

function drawOne(pool: readonly { id: string; weight: number }[], rng: Rng): number {
	const total = pool.reduce((s, c) => s + c.weight, 0);
	let r = rng() * total;
	for (let i = 0; i < pool.length; i++) {
		r -= pool[i].weight;
		if (r < 0) return i;
	}
	return pool.length - 1;
}

/**
 * Two different models, each drawn with probability proportional to its weight (default 1), then put on
 * random sides, so a heavier model is not more often model_a. Duplicate ids count once; non-positive
 * weights are never drawn. Null with fewer than two drawable models.
 */
export function pairModels(candidates: readonly Candidate[], rng: Rng = Math.random): [string, string] | null {
	const seen = new Set<string>();
	const pool: { id: string; weight: number }[] = [];
	for (const c of candidates) {
		const weight = c.weight ?? 1;
		if (seen.has(c.id) || !(weight > 0) || !Number.isFinite(weight)) continue;
		seen.add(c.id);
		pool.push({ id: c.id, weight });
	}
	if (pool.length < 2) return null;
	const first = pool.splice(drawOne(pool, rng), 1)[0];
	const second = pool[drawOne(pool, rng)];
	return rng() < 0.5 ? [first.id, second.id] : [second.id, first.id];
}

/** pairModels for callers that cannot go on without a pair: throws with fewer than two models. */
export function pickPair(candidates: readonly Candidate[], rng: Rng = Math.random): [string, string] {
	const pair = pairModels(candidates, rng);
	if (!pair) throw new Error('An arena battle needs at least two different models.');
	return pair;
}
