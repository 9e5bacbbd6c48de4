import { describe, expect, it } from 'vitest';
import type { Battle } from './battle';
import { computeBradleyTerry } from './bradley-terry';
import { computeElo } from './elo';
import { computeLeaderboard, rankByIntervals } from './leaderboard';
import { generateBattles } from './synthetic';
import { repeat } from './test-support';

describe('rankByIntervals', () => {
	it('ranks a model below only the models whose whole interval is above its own', () => {
		const ranks = rankByIntervals([
			[1100, 1120], // nobody's lower bound is above 1120
			[1090, 1110], // overlaps the first
			[1050, 1080], // below both lower bounds 1100 and 1090
			[1075, 1095], // below 1100 only
			[900, 1000] // below all four
		]);
		expect(ranks).toEqual([1, 1, 3, 2, 5]);
	});
});

describe('computeLeaderboard', () => {
	const { battles } = generateBattles({ models: 6, battles: 6000, seed: 14, anonymousShare: 0.9 });

	it('rates anonymous battles only: BT rating, bootstrap interval, online Elo in time order, votes', () => {
		const rows = computeLeaderboard(battles, { bootstrapRounds: 50, seed: 1 });
		const counted = battles.filter((b) => b.anony !== false);
		const bt = computeBradleyTerry(counted);
		const elo = computeElo(counted); // already in tstamp order
		expect(rows.map((r) => r.model).sort()).toEqual([...bt.keys()].sort());
		for (const row of rows) {
			expect(row.rating).toBeCloseTo(bt.get(row.model) as number, 9);
			expect(row.elo).toBeCloseTo(elo.get(row.model) as number, 9);
			expect(row.votes).toBe(counted.filter((b) => b.model_a === row.model || b.model_b === row.model).length);
			expect(row.ci[0]).toBeLessThan(row.rating);
			expect(row.ci[1]).toBeGreaterThan(row.rating);
		}
		expect(rows.map((r) => r.rating)).toEqual([...rows.map((r) => r.rating)].sort((x, y) => y - x));
		expect(rows.map((r) => r.rank)).toEqual(rankByIntervals(rows.map((r) => r.ci)));
		expect(rows[0].rank).toBe(1);
	});

	it('runs the online Elo in tstamp order whatever the file order', () => {
		const reversed = [...battles].reverse();
		const a = computeLeaderboard(battles, { bootstrapRounds: 0 });
		const b = computeLeaderboard(reversed, { bootstrapRounds: 0 });
		expect(b.map((r) => r.elo)).toEqual(a.map((r) => r.elo));
	});

	it('collapses intervals to the rating without bootstrap rounds, ranking by rating', () => {
		const rows = computeLeaderboard([...repeat('A', 'B', 'model_a', 3), ...repeat('B', 'C', 'model_a', 3), ...repeat('C', 'A', 'tie', 1)], {
			bootstrapRounds: 0
		});
		expect(rows.map((r) => [r.model, r.rank, r.ci[0] === r.rating && r.ci[1] === r.rating])).toEqual([
			['A', 1, true],
			['B', 2, true],
			['C', 3, true]
		]);
	});

	it('anchors ratings and intervals when asked', () => {
		const rows = computeLeaderboard(battles, { bootstrapRounds: 20, anchor: { model: 'model-03', rating: 1114 } });
		const anchor = rows.find((r) => r.model === 'model-03');
		expect(anchor?.rating).toBeCloseTo(1114, 9);
		expect(anchor?.ci[0]).toBeCloseTo(1114, 9);
	});

	it('is empty without anonymous battles', () => {
		const named: Battle[] = [{ model_a: 'A', model_b: 'B', winner: 'model_a', anony: false }];
		expect(computeLeaderboard(named)).toEqual([]);
	});
});
