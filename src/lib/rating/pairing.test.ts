// pickPair: never the same model twice, weights respected, sides random, reproducible with a seed;
// the operator's weights, targets, boost and outage honoured; the active policy prefers pairs whose intervals one more vote narrows most.
import { describe, expect, it } from 'vitest';
import { ActivePairing, cachedActivePairing } from './active-pairing';
import type { Battle } from './battle';
import { PAIRING_POLICIES, pairDistribution, pairModels, pickPair, seededRng, type Candidate, type PairingPolicy, type PairingRules } from './pairing';
import { createRng } from './prng';
import { repeat } from './test-support';

describe('pickPair', () => {
	it('never pairs a model with itself, even when ids repeat', () => {
		const rng = seededRng(1);
		for (let i = 0; i < 500; i++) {
			const [a, b] = pickPair([{ id: 'x' }, { id: 'x' }, { id: 'y' }, { id: 'z' }], rng);
			expect(a).not.toBe(b);
		}
	});

	it('is reproducible with the same seed', () => {
		const models = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));
		const r1 = seededRng(42);
		const r2 = seededRng(42);
		const s1 = Array.from({ length: 20 }, () => pickPair(models, r1));
		const s2 = Array.from({ length: 20 }, () => pickPair(models, r2));
		expect(s1).toEqual(s2);
	});

	it('draws heavier models more often', () => {
		const rng = seededRng(7);
		const counts: Record<string, number> = { heavy: 0, light1: 0, light2: 0 };
		const n = 6000;
		for (let i = 0; i < n; i++) for (const id of pickPair([{ id: 'heavy', weight: 8 }, { id: 'light1' }, { id: 'light2' }], rng)) counts[id]++;
		// heavy is in nearly every pair; the light ones share the other seat.
		expect(counts.heavy / n).toBeGreaterThan(0.9);
		expect(Math.abs(counts.light1 - counts.light2) / n).toBeLessThan(0.08);
	});

	it('puts each model on either side about half the time', () => {
		const rng = seededRng(3);
		let aLeft = 0;
		const n = 4000;
		for (let i = 0; i < n; i++) if (pickPair([{ id: 'a', weight: 5 }, { id: 'b' }], rng)[0] === 'a') aLeft++;
		expect(aLeft / n).toBeGreaterThan(0.45);
		expect(aLeft / n).toBeLessThan(0.55);
	});

	it('never draws a model with zero weight', () => {
		const rng = seededRng(9);
		for (let i = 0; i < 300; i++) expect(pickPair([{ id: 'a' }, { id: 'b' }, { id: 'off', weight: 0 }], rng)).not.toContain('off');
	});

	it('refuses fewer than two distinct drawable models', () => {
		expect(() => pickPair([{ id: 'a' }, { id: 'a' }])).toThrow(/two different models/);
		expect(() => pickPair([{ id: 'a' }, { id: 'b', weight: 0 }])).toThrow();
	});
});

describe('pairModels', () => {
	it('is null without two different models of positive weight', () => {
		expect(pairModels([], Math.random)).toBeNull();
		expect(pairModels([{ id: 'a', weight: 1 }], Math.random)).toBeNull();
		expect(pairModels([{ id: 'a' }, { id: 'a' }], Math.random)).toBeNull();
		expect(pairModels([{ id: 'a', weight: 1 }, { id: 'b', weight: 0 }], Math.random)).toBeNull();
	});
});

// The operator's settings, checked two ways: the exact pair probabilities (pairDistribution) against
// FastChat's rule worked by hand, then 20,000 seeded draws against those probabilities. Draws are
// reproducible (prng.ts), and each tolerance is over 5 standard deviations of a frequency, so a
// correct rule cannot fail them and a wrong one (off by a few percent) cannot pass.
const N = 20_000;
const rngFrom = (seed: number) => createRng(seed).next;
const key = (a: string, b: string) => [a, b].sort().join('+');
function frequencies(candidates: Candidate[], rules: PairingRules, seed: number): Map<string, number> {
	const rng = rngFrom(seed);
	const counts = new Map<string, number>();
	for (let i = 0; i < N; i++) {
		const [a, b] = pickPair(candidates, rng, rules);
		counts.set(key(a, b), (counts.get(key(a, b)) ?? 0) + 1);
	}
	return counts;
}
function exact(candidates: Candidate[], rules: PairingRules): Map<string, number> {
	const dist = pairDistribution(candidates, rules)!;
	const n = dist.models.length;
	const out = new Map<string, number>();
	for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.set(key(dist.models[i], dist.models[j]), dist.probability[i * n + j]);
	return out;
}
/** Every drawn pair within 5σ of its probability, and no pair drawn that has probability 0. */
function expectMatches(counts: Map<string, number>, probabilities: Map<string, number>) {
	for (const pair of counts.keys()) expect(probabilities.get(pair), `drew ${pair}`).toBeGreaterThan(0);
	for (const [pair, p] of probabilities) {
		const sd = Math.sqrt((p * (1 - p)) / N);
		expect(Math.abs((counts.get(pair) ?? 0) / N - p), pair).toBeLessThan(5 * sd + 1e-9);
	}
}
const five = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));

describe('pairing rules (FastChat: SAMPLING_WEIGHTS, BATTLE_TARGETS, SAMPLING_BOOST_MODELS, OUTAGE_MODELS)', () => {
	it('honours operator sampling weights', () => {
		const models = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
		const rules: PairingRules = { weights: { a: 3 } };
		const p = exact(models, rules);
		// a first (3/5) then b or c (1/2 each); b first (1/5) then a (3/4) or c (1/4).
		expect(p.get('a+b')).toBeCloseTo(3 / 5 / 2 + (1 / 5) * (3 / 4), 12);
		expect(p.get('a+c')).toBeCloseTo(0.45, 12);
		expect(p.get('b+c')).toBeCloseTo(0.1, 12);
		expectMatches(frequencies(models, rules, 1), p);
	});

	it('multiplies the operator weight with the caller weight (worker speed), and 0 means never', () => {
		const p = exact([{ id: 'a', weight: 2 }, { id: 'b' }, { id: 'c', weight: 4 }], { weights: { a: 1.5, c: 0 } });
		expect([...p.keys()]).toEqual(['a+b']);
	});

	it('pairs a model with its battle targets about half the time, FastChat-style', () => {
		const rules: PairingRules = { targets: { a: ['e'] } };
		const p = exact(five, rules);
		// a first (1/5): rival weights b, c, d = 1 and e = total 5 / 1 target → e with 5/8.
		// e first (1/5): a with 1/4 (no targets of its own).
		expect(p.get('a+e')).toBeCloseTo((1 / 5) * (5 / 8) + (1 / 5) * (1 / 4), 12);
		expect(p.get('a+b')).toBeCloseTo((1 / 5) * (1 / 8) + (1 / 5) * (1 / 4), 12);
		expect(p.get('b+c')).toBeCloseTo(0.1, 12);
		const counts = frequencies(five, rules, 2);
		expectMatches(counts, p);
		// Of the battles a's turn picked, its target took well over the 1/4 a uniform rival gets.
		const withA = [...counts].filter(([k]) => k.includes('a')).reduce((s, [, c]) => s + c, 0);
		expect((counts.get('a+e') ?? 0) / withA).toBeGreaterThan(0.4);
	});

	it('boosts new models five times', () => {
		const rules: PairingRules = { boost: ['e'] };
		const p = exact(five, rules);
		const uniformShare = 2 / 5;
		const eShare = [...p].filter(([k]) => k.includes('e')).reduce((s, [, q]) => s + q, 0);
		// e first 5/9, or another first (1/9 each) and e with 5/8: 5/9 + 4·(1/9)(5/8).
		expect(eShare).toBeCloseTo(5 / 9 + (4 / 9) * (5 / 8), 12);
		expect(eShare).toBeGreaterThan(2 * uniformShare);
		expectMatches(frequencies(five, rules, 3), p);
	});

	it('never draws a model in outage, under any policy, even as a target or boosted', () => {
		const active = ActivePairing.fromBattles([]);
		for (const policy of PAIRING_POLICIES) {
			const rules: PairingRules = { policy, outage: ['c'], targets: { a: ['c'] }, boost: ['c'], weights: { c: 10 }, active };
			const rng = rngFrom(4);
			for (let i = 0; i < 3000; i++) expect(pickPair(five, rng, rules), policy).not.toContain('c');
		}
		expect(pairModels([{ id: 'a' }, { id: 'b' }], Math.random, { outage: ['b'] })).toBeNull();
		expect(() => pickPair([{ id: 'a' }, { id: 'b' }], Math.random, { outage: ['b'] })).toThrow(/outage/);
	});

	it('uniform ignores weights, boosts and targets', () => {
		const rules: PairingRules = { policy: 'uniform', weights: { a: 50 }, boost: ['b'], targets: { c: ['d'] } };
		const p = exact([{ id: 'a', weight: 9 }, ...five.slice(1)], rules);
		for (const q of p.values()) expect(q).toBeCloseTo(1 / 10, 12);
		expectMatches(frequencies(five, rules, 5), p);
	});

	it('keeps sides random under every policy', () => {
		for (const policy of PAIRING_POLICIES) {
			const rng = rngFrom(6);
			let aLeft = 0;
			for (let i = 0; i < 4000; i++) if (pickPair([{ id: 'a' }, { id: 'b' }], rng, { policy, weights: { a: 5 } })[0] === 'a') aLeft++;
			// 4000 fair coins: sd 0.0079, so ±0.05 is over 6σ.
			expect(Math.abs(aLeft / 4000 - 0.5), policy).toBeLessThan(0.05);
		}
	});

	it('names the policies it knows when given another', () => {
		expect(() => pairModels(five, Math.random, { policy: 'elo' as PairingPolicy })).toThrow(/Unknown pairing policy 'elo': use one of uniform, weighted, active/);
	});
});

describe('active pairing', () => {
	const votes = (a: string, b: string, aWins: number, bWins: number): Battle[] => [...repeat(a, b, 'model_a', aWins), ...repeat(a, b, 'model_b', bWins)];

	it('prefers a pair that has not met to pairs that met often', () => {
		// a-b and a-c have 400 even votes each, b-c none.
		const active = ActivePairing.fromBattles([...votes('a', 'b', 200, 200), ...votes('a', 'c', 200, 200)]);
		const p = exact([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { policy: 'active', active });
		expect(p.get('b+c')).toBeGreaterThan(0.5); // uniform: 1/3
		expect(p.get('a+b')).toBeCloseTo(p.get('a+c')!, 6);
		expectMatches(frequencies([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { policy: 'active', active }, 7), p);
	});

	it('prefers a new model (no votes) to pairs of established ones', () => {
		const history = [...votes('a', 'b', 300, 300), ...votes('a', 'c', 300, 300), ...votes('b', 'c', 300, 300)];
		const active = ActivePairing.fromBattles(history);
		const p = exact([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'new' }], { policy: 'active', active });
		const withNew = [...p].filter(([k]) => k.includes('new')).reduce((s, [, q]) => s + q, 0);
		expect(withNew).toBeGreaterThan(0.9); // uniform would give it 1/2
	});

	it("reduces to the paper's sqrt(Σ/n) − sqrt(Σ/(n + 1)) for a single pair", () => {
		// Two models, n = 20 even votes (+ 0.5 prior): θ = 0, h = 1/4, each centred rating has variance
		// 1/(4·n·h), so the summed standard deviation is 1/sqrt(n·h) and one vote narrows it by the paper's rule.
		const gain = ActivePairing.fromBattles(votes('a', 'b', 10, 10)).narrowing(['a', 'b'])[1];
		expect(gain).toBeCloseTo(Math.sqrt(1 / (20.5 * 0.25)) - Math.sqrt(1 / (21.5 * 0.25)), 10);
	});

	it('at equal interval widths, prefers a close pair to a lopsided one', () => {
		// A vote carries information h = p(1 − p): 1/4 for an even pair, 0.09 at 90%. 36 even votes and
		// 100 votes at 90/10 pin the ratings equally well (n·h ≈ 9 either way), so the same intervals; one
		// more vote then narrows the close pair's about 2.8 times as much. (At equal vote counts the
		// lopsided pair's intervals are wider, and that can outweigh it: the rule narrows intervals.)
		const even = ActivePairing.fromBattles(votes('a', 'b', 18, 18));
		const lopsided = ActivePairing.fromBattles(votes('a', 'b', 90, 10));
		expect(even.games('a', 'b') * 0.25).toBeCloseTo(lopsided.games('b', 'a') * 0.09, 0);
		const gEven = even.narrowing(['a', 'b'])[1];
		const gLopsided = lopsided.narrowing(['a', 'b'])[1];
		expect(gEven / gLopsided).toBeGreaterThan(2);
	});

	it('still honours operator weights, and draws as weighted without statistics', () => {
		const active = ActivePairing.fromBattles([...votes('a', 'b', 50, 50), ...votes('b', 'c', 50, 50), ...votes('a', 'c', 50, 50)]);
		const plain = exact([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { policy: 'active', active });
		const weighted = exact([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { policy: 'active', active, weights: { c: 0 } });
		expect([...weighted.keys()]).toEqual(['a+b']);
		for (const q of plain.values()) expect(q).toBeCloseTo(1 / 3, 6);
		expect(exact(five, { policy: 'active', weights: { a: 3 } })).toEqual(exact(five, { policy: 'weighted', weights: { a: 3 } }));
	});

	it('rebuilds its statistics only when votes came in and the refresh period passed', () => {
		let battles: Battle[] = votes('a', 'b', 10, 10);
		let reads = 0;
		// A cost share this small makes every period the full refreshMs.
		const get = cachedActivePairing({ countVotes: () => battles.length, battles: () => (reads++, battles) }, { refreshMs: 1000, costShare: 1e-12 });
		const first = get(0);
		expect(get(500)).toBe(first);
		expect(get(2000)).toBe(first); // no new votes: not read again
		battles = [...battles, ...votes('a', 'c', 1, 0)];
		expect(get(2500)).not.toBe(first); // the period had passed at 2000, so the next new vote is seen at once
		battles = [...battles, ...votes('a', 'c', 1, 0)];
		const second = get(2600);
		expect(second).toBe(get(2500)); // within the period
		expect(get(3600)).not.toBe(second);
		expect(reads).toBe(3);
	});

	it('sees a new vote at the next draw when rebuilding is cheap', () => {
		let battles: Battle[] = votes('a', 'b', 10, 10);
		const get = cachedActivePairing({ countVotes: () => battles.length, battles: () => battles });
		const first = get(0);
		battles = [...battles, ...votes('a', 'c', 1, 0)];
		// Building 21 votes takes well under a millisecond, so 1% of the time allows a rebuild 1 s later.
		expect(get(1000).games('a', 'c')).toBe(1);
		expect(first.games('a', 'c')).toBe(0);
	});
});
