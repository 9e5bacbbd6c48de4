// Anonymous arena pairing as a pure function: two different models drawn by weight without
// replacement, then put on random sides, so a heavier model is not more often model_a.
import type { Rng } from '../registry/pick';

export type WeightedModel = { id: string; weight: number };

function draw(models: readonly WeightedModel[], rng: Rng): number {
	const total = models.reduce((sum, m) => sum + m.weight, 0);
	let ticket = rng() * total;
	for (let i = 0; i < models.length; i++) {
		ticket -= models[i].weight;
		if (ticket < 0) return i;
	}
	return models.length - 1;
}

/** Two distinct model ids as [model_a, model_b], or null when fewer than two models are given. */
export function pairModels(models: readonly WeightedModel[], rng: Rng): [string, string] | null {
	const pool = models.filter((m, i) => m.weight > 0 && models.findIndex((n) => n.id === m.id) === i);
	if (pool.length < 2) return null;
	const first = pool.splice(draw(pool, rng), 1)[0];
	const second = pool[draw(pool, rng)];
	return rng() < 0.5 ? [first.id, second.id] : [second.id, first.id];
}
