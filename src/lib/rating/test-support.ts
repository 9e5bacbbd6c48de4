// Small deterministic helpers shared by the rating tests.
import type { Battle, Winner } from './battle';
import { createRng } from './prng';

/** `count` battles of a against b with the given winner. */
export function repeat(a: string, b: string, winner: Winner, count: number): Battle[] {
	return Array.from({ length: count }, () => ({ model_a: a, model_b: b, winner }));
}

/** A seeded Fisher-Yates shuffle (a copy). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
	const rng = createRng(seed);
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(rng.next() * (i + 1));
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}
