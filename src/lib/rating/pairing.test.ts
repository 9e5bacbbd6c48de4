// pickPair: never the same model twice, weights respected, sides random, reproducible with a seed.
import { describe, expect, it } from 'vitest';
import { pairModels, pickPair, seededRng } from './pairing';

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
