// The message files as plain data, and one formatter for text built outside components: the fit verdict's
// reasons, the router's where-and-why, the catalog's descriptions. No svelte-i18n here, so Node code (the CLI,
// unit tests) formats the same ICU messages from the same files as the page (svelte-i18n formats with the
// same intl-messageformat). A message is an id plus values; a value may itself be a message, formatted in the
// same language as a clause to sit inside a sentence ("Cannot run here: {blocker}, and {why}.").
import { IntlMessageFormat } from 'intl-messageformat';
import en from './messages/en.json' with { type: 'json' };
import zhCN from './messages/zh-CN.json' with { type: 'json' };

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
export const MESSAGES: Record<Locale, Record<string, string>> = { en, 'zh-CN': zhCN };
/** Every message id; a typo in a component is a type error. */
export type MessageKey = keyof typeof en;
/** Text to show, not yet in a language: the id of a message and its values (numbers, words, nested messages). */
export type Message = { id: MessageKey; values?: Readonly<Record<string, string | number | Message>> };

const compiled = new Map<string, IntlMessageFormat>();

function compile(id: MessageKey, locale: Locale): IntlMessageFormat {
	const cacheKey = `${locale}\u0000${id}`;
	let format = compiled.get(cacheKey);
	if (!format) {
		const source = MESSAGES[locale][id] ?? MESSAGES.en[id];
		if (source === undefined) throw new Error(`No message "${id}" in ${locale}.json or en.json: add it to src/lib/i18n/messages/.`);
		format = new IntlMessageFormat(source, locale);
		compiled.set(cacheKey, format);
	}
	return format;
}

/** The message in `locale` (English by default: the CLI and logs), nested messages formatted as clauses. */
export function messageText(message: Message, locale: Locale = 'en'): string {
	const values: Record<string, string | number> = {};
	for (const [name, value] of Object.entries(message.values ?? {}))
		values[name] = typeof value === 'object' ? asClause(messageText(value, locale), locale) : value;
	return String(compile(message.id, locale).format(values));
}

/**
 * A sentence as a clause inside another: without its full stop, and in English with a small first letter
 * ("Needs 26 MiB, …." → "needs 26 MiB, …"; "WebGPU …" keeps its capitals). Chinese has no letter case.
 */
export function asClause(sentence: string, locale: Locale): string {
	const text = sentence.replace(locale === 'en' ? /\.$/ : /[。.]$/, '');
	return locale === 'en' && /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}
