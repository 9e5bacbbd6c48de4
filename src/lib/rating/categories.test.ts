import { describe, expect, it } from 'vitest';
import type { Battle } from './battle';
import { availableCategories, categoryFilter, filterBattles, LONG_USER_TOKENS } from './categories';

const meta = (userTokens: number) => ({
	sum_user_tokens: userTokens,
	sum_assistant_a_tokens: 10,
	sum_assistant_b_tokens: 10,
	context_a_tokens: userTokens,
	context_b_tokens: userTokens,
	header_count_a: {},
	header_count_b: {},
	list_count_a: {},
	list_count_b: {},
	bold_count_a: {},
	bold_count_b: {}
});

const battles: Battle[] = [
	{ model_a: 'x', model_b: 'y', winner: 'model_a', turn: 1, language: 'English', conv_metadata: meta(20), is_code: true },
	{ model_a: 'x', model_b: 'z', winner: 'tie', turn: 3, language: 'English', conv_metadata: meta(LONG_USER_TOKENS) },
	{ model_a: 'y', model_b: 'z', winner: 'tie (bothbad)', turn: 1, language: 'Chinese', conv_metadata: meta(LONG_USER_TOKENS - 1) },
	{ model_a: 'y', model_b: 'x', winner: 'model_b', language: 'unknown' },
	{ model_a: 'z', model_b: 'x', winner: 'model_b' }
];

describe('categories', () => {
	it("follows FastChat's definitions: multi-turn, longer query (≥ 500 user tokens), coding, language", () => {
		const names = (category: string) => filterBattles(battles, { category }).map((b) => battles.indexOf(b));
		expect(names('full')).toEqual([0, 1, 2, 3, 4]);
		expect(names('multiturn')).toEqual([1]);
		expect(names('long_user')).toEqual([1]);
		expect(names('coding')).toEqual([0]);
		expect(names('english')).toEqual([0, 1]);
		expect(names('Chinese')).toEqual([2]);
		expect(categoryFilter('unknown')).toBeUndefined();
	});

	it('offers a language only with enough battles, most first, and counts every category', () => {
		expect(availableCategories(battles, 1).map((c) => `${c.name}:${c.battles}`)).toEqual([
			'full:5',
			'multiturn:1',
			'long_user:1',
			'coding:1',
			'english:2',
			'chinese:1'
		]);
		expect(availableCategories(battles, 2).map((c) => c.name)).toEqual(['full', 'multiturn', 'long_user', 'coding', 'english']);
		expect(availableCategories(battles).find((c) => c.name === 'long_user')?.label).toBe('Longer Query');
	});

	it('excludes models and ties of both kinds', () => {
		expect(filterBattles(battles, { excludeModels: ['z'] }).map((b) => battles.indexOf(b))).toEqual([0, 3]);
		expect(filterBattles(battles, { excludeTies: true }).map((b) => battles.indexOf(b))).toEqual([0, 3, 4]);
		expect(filterBattles(battles, { category: 'english', excludeTies: true, excludeModels: ['y'] })).toEqual([]);
	});

	it('refuses an unknown category by name, saying what to use', () => {
		expect(() => filterBattles(battles, { category: 'hard_6!' })).toThrow(/unknown category "hard_6!": use one of full, multiturn, long_user, coding/);
	});
});
