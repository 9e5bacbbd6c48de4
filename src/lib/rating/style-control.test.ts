// Style control on a battle file with a known length bias (scripts/generate-style-battles.ts, which also wrote the generating ratings),
// checked against the generating ratings and against FastChat's own compute_style_control
// (fixtures/style-control-fastchat.json; fixtures/README.md says how it was made).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import reference from './fixtures/style-control-fastchat.json' with { type: 'json' };
import type { Battle } from './battle';
import { computeBradleyTerry } from './bradley-terry';
import { parseBattlesJsonl } from './jsonl';
import { computeStyleControl, computeStyleControlLeaderboard, styleData } from './style-control';
import generating from './fixtures/style-battles.truth.json' with { type: 'json' };

const { battles, errors } = parseBattlesJsonl(readFileSync(new URL('./fixtures/style-battles.jsonl', import.meta.url), 'utf8'));
const truth = new Map(generating.models.map((m) => [m.name, m.rating]));

/** RMS distance to the true ratings after matching means (ratings are defined up to a shift). */
function rmsError(ratings: Map<string, number>): number {
	const names = [...truth.keys()];
	const shift = names.reduce((s, n) => s + (truth.get(n) as number) - (ratings.get(n) as number), 0) / names.length;
	return Math.sqrt(names.reduce((s, n) => s + ((ratings.get(n) as number) + shift - (truth.get(n) as number)) ** 2, 0) / names.length);
}

describe('style control (contextual Bradley-Terry)', () => {
	const fit = computeStyleControl(battles, { bootstrapRounds: 0 });
	const styled = new Map(fit.models.map((m, i) => [m, fit.ratings[i]]));

	it('reads the whole fixture', () => {
		expect(errors).toEqual([]);
		expect(battles).toHaveLength(reference.battles);
	});

	it('fits a positive length coefficient and near-zero markdown coefficients', () => {
		const [length, ...others] = fit.coefficients;
		expect(length.name).toBe('length');
		expect(length.value).toBeGreaterThan(0.3);
		for (const c of others) expect(Math.abs(c.value), c.name).toBeLessThan(0.1);
	});

	it('recovers the generating ratings better than the raw board', () => {
		const raw = computeBradleyTerry(battles);
		const rawError = rmsError(raw);
		const styleError = rmsError(styled);
		console.log(`RMS error against the generating ratings: raw ${rawError.toFixed(1)}, style-controlled ${styleError.toFixed(1)} rating points`);
		expect(styleError).toBeLessThan(rawError / 2);
	});

	it("agrees with FastChat's compute_style_control within 1 rating point", () => {
		const gaps = Object.entries(reference.style_ratings).map(([model, rating]) => Math.abs((styled.get(model) as number) - rating));
		console.log(`largest gap to FastChat's style-controlled ratings: ${Math.max(...gaps).toExponential(2)} rating points`);
		for (const gap of gaps) expect(gap).toBeLessThan(1);
		// Coefficients are log-odds per standard deviation; 1 rating point is ln10/400 ≈ 0.0058 of log-odds.
		for (const c of fit.coefficients) expect(Math.abs(c.value - reference.coefficients[c.name as keyof typeof reference.coefficients]), c.name).toBeLessThan(Math.LN10 / 400);
		// And the raw fit matches FastChat's compute_bt on the same file.
		const raw = computeBradleyTerry(battles);
		for (const [model, rating] of Object.entries(reference.raw_ratings)) expect(Math.abs((raw.get(model) as number) - rating), model).toBeLessThan(1);
	});

	it('gives bootstrap intervals around the point, for ratings and coefficients', () => {
		const boot = computeStyleControl(battles, { bootstrapRounds: 40, seed: 5 });
		boot.models.forEach((m, i) => {
			expect(boot.lower[i]).toBeLessThanOrEqual(boot.ratings[i]);
			expect(boot.upper[i]).toBeGreaterThanOrEqual(boot.ratings[i]);
			expect(boot.upper[i] - boot.lower[i]).toBeGreaterThan(5);
			expect(boot.upper[i] - boot.lower[i]).toBeLessThan(80);
		});
		const length = boot.coefficients[0];
		expect(length.ci[0]).toBeGreaterThan(0);
		expect(length.ci[0]).toBeLessThan(length.value);
		expect(length.ci[1]).toBeGreaterThan(length.value);
	});

	it('ranks beside the raw board: the verbose, over-rated model falls', () => {
		const board = computeStyleControlLeaderboard(battles, { bootstrapRounds: 30, seed: 1 });
		expect(board.leftOut).toBe(0);
		expect(board.rows.map((r) => r.model)).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot']);
		const charlie = board.rows.find((r) => r.model === 'charlie');
		// charlie writes the longest answers after echo: first on the raw board, third with style control.
		expect(charlie?.rawRank).toBe(1);
		expect(charlie?.rankChange).toBeLessThan(0);
		for (const r of board.rows) expect(r.rankChange).toBe(r.rawRank - r.rank);
	});

	it('leaves out battles without conv_metadata, and says what is missing in a malformed one', () => {
		const bare: Battle = { model_a: 'alpha', model_b: 'bravo', winner: 'model_a' };
		expect(computeStyleControlLeaderboard([...battles.slice(0, 300), bare], { bootstrapRounds: 0 }).leftOut).toBe(1);
		const broken = { ...battles[0], conv_metadata: { ...battles[0].conv_metadata, list_count_b: undefined } } as unknown as Battle;
		expect(() => styleData([broken])).toThrow(/conv_metadata\.list_count_b is missing/);
	});
});
