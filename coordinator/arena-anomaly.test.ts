// The anomalous-voter test on simulated arenas: a voter who always votes against the crowd is flagged,
// honest voters (votes drawn from the same Bradley-Terry model as everyone's) almost never are.
import { describe, expect, it } from 'vitest';
import { anomalousVoters, chiSquareSurvivalEven, type AnomalyVote } from './arena-anomaly';

function rng(seed: number) {
	let s = seed >>> 0;
	return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const MODELS = ['m0', 'm1', 'm2', 'm3', 'm4'];
const STRENGTH = [0, 100, 200, 300, 400];

function honest(voter: string, n: number, random: () => number): AnomalyVote[] {
	const out: AnomalyVote[] = [];
	for (let i = 0; i < n; i++) {
		const a = Math.floor(random() * 5);
		let b = Math.floor(random() * 4);
		if (b >= a) b++;
		const pA = 1 / (1 + 10 ** ((STRENGTH[b] - STRENGTH[a]) / 400));
		const r = random();
		const winner = r < 0.1 ? 'tie' : random() < pA ? 'model_a' : 'model_b';
		out.push({ voter, model_a: MODELS[a], model_b: MODELS[b], winner });
	}
	return out;
}

describe('anomalousVoters', () => {
	it("Fisher's combination: P(χ²₂ ≥ x) = e^(−x/2), and the survival falls as x grows", () => {
		expect(chiSquareSurvivalEven(2, 1)).toBeCloseTo(Math.exp(-1), 12);
		expect(chiSquareSurvivalEven(0, 3)).toBe(1);
		expect(chiSquareSurvivalEven(20, 3)).toBeLessThan(chiSquareSurvivalEven(10, 3));
		// χ²₄ at its 95th percentile (9.4877) leaves 5 %.
		expect(chiSquareSurvivalEven(9.4877, 2)).toBeCloseTo(0.05, 4);
	});

	it('flags voters who always crown a weak model over a strong one, and almost no honest voter', () => {
		const random = rng(7);
		const votes: AnomalyVote[] = [];
		for (let v = 0; v < 60; v++) votes.push(...honest(`honest-${v}`, 25, random));
		// Each rigger pushes a weak model over a strong one, on a pair of its own (riggers on one pair mask each other).
		const rigged = [
			['m0', 'm4'],
			['m1', 'm4'],
			['m0', 'm3']
		];
		rigged.forEach(([weak, strong], r) => {
			for (let i = 0; i < 100; i++) votes.push({ voter: `rigger-${r}`, model_a: i % 2 ? weak : strong, model_b: i % 2 ? strong : weak, winner: i % 2 ? 'model_a' : 'model_b' });
		});
		const flagged = anomalousVoters(votes);
		const honestFlagged = [...flagged].filter((v) => v.startsWith('honest')).length;
		console.log(`anomalous voters: ${[...flagged].filter((v) => v.startsWith('rigger')).length}/3 riggers, ${honestFlagged}/60 honest voters flagged`);
		for (let r = 0; r < 3; r++) expect(flagged.has(`rigger-${r}`)).toBe(true);
		expect(honestFlagged).toBeLessThanOrEqual(3);
	});

	it('never flags a lone voter (no history) or one with fewer votes than the first checkpoint', () => {
		const lone = Array.from({ length: 50 }, () => ({ voter: 'only', model_a: 'x', model_b: 'y', winner: 'model_b' }));
		expect(anomalousVoters(lone).size).toBe(0);
		const random = rng(3);
		const few = [...honest('h', 200, random), ...Array.from({ length: 4 }, () => ({ voter: 'few', model_a: 'm0', model_b: 'm4', winner: 'model_a' }))];
		expect(anomalousVoters(few).has('few')).toBe(false);
	});
});
