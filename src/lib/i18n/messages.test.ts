// The message files: both languages have every key, none is empty, every message is valid ICU, and a
// translation uses exactly the placeholders of the English text (a missing {name} would drop a value, an
// extra one would show the raw braces). Every key is used by the app, and every key the app uses exists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { LOCALES, MESSAGES, matchLocale, setupI18n, setLocale, translate } from './index';

function placeholders(elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
	for (const el of elements) {
		if (el.type === TYPE.literal || el.type === TYPE.pound) continue;
		into.add(el.value);
		if (el.type === TYPE.plural || el.type === TYPE.select) for (const option of Object.values(el.options)) placeholders(option.value, into);
		if (el.type === TYPE.tag) placeholders(el.children, into);
	}
	return into;
}

const english = MESSAGES.en;
const keys = Object.keys(english).sort();

describe.each(LOCALES)('messages/%s.json', (code) => {
	const messages = MESSAGES[code];

	it('has every key of the English file and no other', () => {
		expect(Object.keys(messages).sort()).toEqual(keys);
	});

	it('has no empty message', () => {
		const empty = Object.entries(messages).filter(([, text]) => typeof text !== 'string' || text.trim() === '');
		expect(empty.map(([key]) => key)).toEqual([]);
	});

	it('is valid ICU with the same placeholders as English', () => {
		for (const key of keys) {
			const mine = [...placeholders(parse(messages[key]))].sort();
			const theirs = [...placeholders(parse(english[key]))].sort();
			expect(mine, `${code} ${key}`).toEqual(theirs);
		}
	});
});

describe('the app and the message files', () => {
	const sources: string[] = [];
	const walk = (dir: string) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const path = join(dir, entry.name);
			if (entry.isDirectory()) walk(path);
			else if (/\.(svelte|ts)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) sources.push(readFileSync(path, 'utf8'));
		}
	};
	walk(join(import.meta.dirname, '..', '..'));
	const text = sources.join('\n');

	it('uses every key (a key no page shows is a leftover to delete)', () => {
		const unused = keys.filter((key) => !text.includes(`'${key}'`));
		expect(unused).toEqual([]);
	});

	it('asks only for keys that exist', () => {
		const asked = new Set([...text.matchAll(/\$?t\(\s*'([a-zA-Z]+\.[\w.]+)'/g)].map((m) => m[1]));
		expect([...asked].filter((key) => !(key in english))).toEqual([]);
	});
});

describe('locale choice', () => {
	it('follows the browser: any Chinese reads Simplified Chinese, English and anything else English', () => {
		expect(matchLocale(['zh-CN', 'en-US'])).toBe('zh-CN');
		expect(matchLocale(['zh'])).toBe('zh-CN');
		expect(matchLocale(['zh-TW'])).toBe('zh-CN');
		expect(matchLocale(['fr-FR', 'en-GB', 'zh-CN'])).toBe('en');
		expect(matchLocale(['fr-FR', 'zh-Hans-CN'])).toBe('zh-CN');
		expect(matchLocale(['de'])).toBe('en');
		expect(matchLocale([])).toBe('en');
	});

	it('formats messages in the chosen language, plurals and placeholders included', () => {
		setupI18n('en');
		expect(translate('composer.send')).toBe('Send');
		expect(translate('message.tokens', { count: 1 })).toBe('1 token');
		expect(translate('message.tokens', { count: 12 })).toBe('12 tokens');
		setLocale('zh-CN');
		expect(translate('composer.send')).toBe('发送');
		expect(translate('message.tokens', { count: 12 })).toBe('12 个词元');
		setLocale('en');
	});
});
