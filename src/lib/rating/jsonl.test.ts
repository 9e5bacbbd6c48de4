import { describe, expect, it } from 'vitest';
import type { Battle } from './battle';
import { createBattleLineParser, parseBattleFile, parseBattlesJsonArray, parseBattlesJsonl, toJsonl } from './jsonl';

const battles: Battle[] = [
	{ model_a: 'gpt-4', model_b: 'vicuna-13b', winner: 'model_a', anony: true, tstamp: 1700000000.5, turn: 1 },
	{ model_a: 'vicuna-13b', model_b: 'llama-2-70b-chat', winner: 'tie (bothbad)', anony: false, tstamp: 1700000001, turn: 2 },
	{ model_a: 'claude-2', model_b: 'gpt-4', winner: 'tie' }
];

describe('JSON lines', () => {
	it('round-trips battles', () => {
		const text = toJsonl(battles);
		expect(text.split('\n')).toHaveLength(battles.length + 1);
		expect(parseBattlesJsonl(text)).toEqual({ battles, errors: [] });
	});

	it('skips bad lines, reporting each with its line number, and keeps the good ones', () => {
		const text = [
			JSON.stringify(battles[0]),
			'{"model_a": "x", "model_b": ',
			'',
			JSON.stringify({ model_a: 'x', model_b: 'y', winner: 'draw' }),
			JSON.stringify({ model_a: 'x', model_b: 'x', winner: 'tie' }),
			'[1, 2]',
			JSON.stringify(battles[2])
		].join('\n');
		const { battles: ok, errors } = parseBattlesJsonl(text);
		expect(ok).toEqual([battles[0], battles[2]]);
		expect(errors.map((e) => e.line)).toEqual([2, 4, 5, 6]);
		expect(errors[0].message).toMatch(/^not valid JSON/);
		expect(errors[1].message).toMatch(/^winner: /);
		expect(errors[2].message).toBe('model_b: model_a and model_b must differ');
	});

	it('accepts CRLF line ends, blank lines and a missing final newline', () => {
		const text = `${JSON.stringify(battles[0])}\r\n\r\n   \n${JSON.stringify(battles[1])}`;
		expect(parseBattlesJsonl(text)).toEqual({ battles: battles.slice(0, 2), errors: [] });
	});

	it('gives the same result however the text is cut into chunks', () => {
		const text = toJsonl(battles) + '{oops}\n' + toJsonl(battles);
		const whole = parseBattlesJsonl(text);
		for (const size of [1, 3, 7, 64]) {
			const parser = createBattleLineParser();
			for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
			expect(parser.end()).toEqual(whole);
		}
		expect(whole.errors).toEqual([{ line: 4, message: expect.stringMatching(/^not valid JSON/) }]);
	});
});

describe('JSON array files', () => {
	it('parses FastChat clean_battle JSON arrays, reporting bad items by position', () => {
		const text = JSON.stringify([battles[0], { model_a: 'x' }, battles[1]]);
		const { battles: ok, errors } = parseBattlesJsonArray(text);
		expect(ok).toEqual(battles.slice(0, 2));
		expect(errors).toEqual([{ line: 2, message: expect.stringContaining('item 2') }]);
	});

	it('rejects a file that is neither', () => {
		expect(parseBattlesJsonArray('{"a": 1}').errors[0].message).toBe('expected a JSON array of battles');
	});

	it('tells the two formats apart', () => {
		expect(parseBattleFile('  \n' + JSON.stringify(battles)).battles).toEqual(battles);
		expect(parseBattleFile(toJsonl(battles)).battles).toEqual(battles);
	});
});
