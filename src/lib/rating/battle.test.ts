import { describe, expect, it } from 'vitest';
import { BattleSchema, filterCounted, indexBattles, sortByTimestamp, toBattle, type Battle } from './battle';

const meta = () => ({
	sum_user_tokens: 3,
	sum_assistant_a_tokens: 10,
	sum_assistant_b_tokens: 0,
	context_a_tokens: 3,
	context_b_tokens: 3,
	header_count_a: { h1: 1, h2: 0 },
	header_count_b: {},
	list_count_a: { ordered: 0, unordered: 2 },
	list_count_b: { ordered: 0, unordered: 0 },
	bold_count_a: { '**': 1, __: 0 },
	bold_count_b: { '**': 0, __: 0 }
});

describe('toBattle', () => {
	it('accepts FastChat clean-battle records, keeps the analysis fields and strips fields it does not know', () => {
		const r = toBattle({ model_a: 'x', model_b: 'y', winner: 'tie (bothbad)', anony: true, tstamp: 1.5, turn: 2, judge: 'j', language: 'English', conversation_a: [] });
		expect(r).toEqual({ battle: { model_a: 'x', model_b: 'y', winner: 'tie (bothbad)', anony: true, tstamp: 1.5, turn: 2, judge: 'j', language: 'English' } });
	});

	it('gives the same verdict and the same object as the zod schema, valid or not', () => {
		const cases: unknown[] = [
			{ model_a: 'x', model_b: 'y', winner: 'model_a' },
			{ model_a: 'x', model_b: 'y', winner: 'model_b', anony: false, extra: [1] },
			{ model_a: 'x', model_b: 'y', winner: 'tie', tstamp: 0, turn: 0 },
			{ model_a: 'x', model_b: 'x', winner: 'tie' },
			{ model_a: '', model_b: 'y', winner: 'tie' },
			{ model_a: 'x', model_b: 'y', winner: 'draw' },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', anony: 'yes' },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', tstamp: '12' },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', turn: 1.5 },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', turn: -1 },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', anony: null },
			{ model_a: 3, model_b: 'y', winner: 'model_a' },
			{ model_b: 'y', winner: 'model_a' },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', language: '' },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', is_code: 'yes', identity_leak: false },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', dedup_tag: { high_freq: true, sampled: false, extra: 1 } },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', anony: true, tstamp: 1, turn: 1, conv_metadata: { sum_user_tokens: 1 } },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', conv_metadata: meta() },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', conv_metadata: { ...meta(), turns: 2, extra: 'kept' } },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', conv_metadata: { ...meta(), turns: -1 } },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', conv_metadata: { ...meta(), sum_user_tokens: 1.5 } },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', conv_metadata: { ...meta(), list_count_a: { ordered: '1' } } },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', conv_metadata: { ...meta(), bold_count_b: [1] } },
			{ model_a: 'x', model_b: 'y', winner: 'model_a', conv_metadata: { ...meta(), header_count_a: null } },
			[],
			null,
			'battle',
			42
		];
		for (const value of cases) {
			const zod = BattleSchema.safeParse(value);
			const ours = toBattle(value);
			if (zod.success) expect(ours).toEqual({ battle: zod.data });
			else expect(ours).toHaveProperty('error');
		}
	});

	it('says which field is wrong', () => {
		expect(toBattle({ model_a: 'x', model_b: 'y', winner: 'draw' })).toEqual({ error: expect.stringContaining('winner') });
		expect(toBattle({ model_a: 'x', model_b: 'x', winner: 'tie' })).toEqual({ error: 'model_b: model_a and model_b must differ' });
	});
});

describe('filterCounted', () => {
	it('keeps anonymous battles and battles that do not say, drops named ones', () => {
		const battles: Battle[] = [
			{ model_a: 'a', model_b: 'b', winner: 'model_a', anony: true },
			{ model_a: 'a', model_b: 'b', winner: 'model_a', anony: false },
			{ model_a: 'a', model_b: 'b', winner: 'tie (bothbad)' }
		];
		expect(filterCounted(battles)).toEqual([battles[0], battles[2]]);
	});

	it("drops battles flagged by FastChat's cleaning rules (identity leak, error, unfinished), whatever the winner", () => {
		const clean: Battle = { model_a: 'a', model_b: 'b', winner: 'model_a', anony: true, identity_leak: false, answer_error: false, unfinished: false };
		const battles: Battle[] = [
			clean,
			{ ...clean, identity_leak: true },
			{ ...clean, winner: 'model_b', answer_error: true },
			{ ...clean, winner: 'tie', unfinished: true }
		];
		expect(filterCounted(battles)).toEqual([clean]);
	});
});

describe('indexBattles', () => {
	it('numbers models by first appearance and codes both kinds of tie alike', () => {
		const ib = indexBattles([
			{ model_a: 'q', model_b: 'p', winner: 'model_b' },
			{ model_a: 'p', model_b: 'r', winner: 'tie' },
			{ model_a: 'r', model_b: 'q', winner: 'tie (bothbad)' }
		]);
		expect(ib.models).toEqual(['q', 'p', 'r']);
		expect([...ib.a]).toEqual([0, 1, 2]);
		expect([...ib.b]).toEqual([1, 2, 0]);
		expect([...ib.outcome]).toEqual([1, 2, 2]);
	});
});

describe('sortByTimestamp', () => {
	const b = (tstamp?: number, winner: Battle['winner'] = 'model_a'): Battle => ({ model_a: 'a', model_b: 'b', winner, tstamp });
	it('orders by tstamp, keeping equal stamps in file order', () => {
		const battles = [b(3), b(1, 'tie'), b(2), b(1, 'model_b')];
		expect(sortByTimestamp(battles).map((x) => [x.tstamp, x.winner])).toEqual([[1, 'tie'], [1, 'model_b'], [2, 'model_a'], [3, 'model_a']]);
	});
	it('leaves the order alone when some battle has no timestamp', () => {
		const battles = [b(3), b(undefined), b(1)];
		expect(sortByTimestamp(battles)).toBe(battles);
	});
});
