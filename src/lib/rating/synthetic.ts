// Deterministic synthetic arena votes with known true ratings, for tests and the bench.
// Outcomes follow Bradley-Terry with ties that keep the expected score at the BT probability
// (so a half-win-half-loss fit recovers the true ratings): with p = 1 / (1 + 10^{(R_b − R_a)/400})
// and m = min(p, 1 − p), P(tie) = 2·τ·m, P(A wins) = p − τ·m, P(B wins) = 1 − p − τ·m, hence
// E[score_A] = p. Close models tie more often, as on the real arena. A third of ties are
// 'tie (bothbad)'.
import type { Battle } from './battle';
import { createRng } from './prng';

export type SyntheticOptions = {
	models: number;
	battles: number;
	seed?: number;
	/** True ratings are evenly spaced over 1000 ± spread/2. */
	spread?: number;
	/** τ above: 0 for no ties. */
	tieShare?: number;
	/** Fraction of battles marked anonymous (the rest get anony: false). */
	anonymousShare?: number;
};

export function generateBattles(options: SyntheticOptions): { battles: Battle[]; trueRatings: Map<string, number> } {
	const { models: m, battles: count, seed = 7, spread = 400, tieShare = 0.3, anonymousShare = 1 } = options;
	const rng = createRng(seed);
	const names = Array.from({ length: m }, (_, i) => `model-${String(i).padStart(2, '0')}`);
	// Shuffle which name gets which strength so name order says nothing about rank.
	const strengths = names.map((_, i) => 1000 + spread * (m === 1 ? 0 : i / (m - 1) - 0.5));
	for (let i = m - 1; i > 0; i--) {
		const j = Math.floor(rng.next() * (i + 1));
		[strengths[i], strengths[j]] = [strengths[j], strengths[i]];
	}
	const battles: Battle[] = new Array(count);
	const start = 1_700_000_000;
	for (let k = 0; k < count; k++) {
		const i = Math.floor(rng.next() * m);
		let j = Math.floor(rng.next() * (m - 1));
		if (j >= i) j++;
		const p = 1 / (1 + Math.pow(10, (strengths[j] - strengths[i]) / 400));
		const tie = tieShare * Math.min(p, 1 - p);
		const u = rng.next();
		const winner = u < p - tie ? 'model_a' : u < p + tie ? (rng.next() < 1 / 3 ? 'tie (bothbad)' : 'tie') : 'model_b';
		battles[k] = {
			model_a: names[i],
			model_b: names[j],
			winner,
			anony: rng.next() < anonymousShare,
			tstamp: Math.round((start + k * 2.5 + rng.next()) * 1000) / 1000,
			turn: 1 + Math.floor(-Math.log(1 - rng.next()) * 0.7)
		};
	}
	return { battles, trueRatings: new Map(names.map((name, i) => [name, strengths[i]])) };
}
