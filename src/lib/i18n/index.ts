// The interface's language: English or Simplified Chinese, through svelte-i18n (ICU messages in
// src/lib/i18n/messages/*.json). The first visit follows the browser's languages; a choice made in Settings is
// remembered in localStorage (synchronous, so the first paint is already in the right language), and
// <html lang> follows the current locale. Numbers and dates go through Intl with the same locale.
import { derived, get } from 'svelte/store';
import { addMessages, init, locale as current, _ } from 'svelte-i18n';
import { LOCALES, MESSAGES, messageText, type Locale, type Message, type MessageKey } from './format';

export { LOCALES, MESSAGES, messageText, type Locale, type Message, type MessageKey };
/** Each language's own name for itself, for the picker in Settings. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };
export type MessageValues = Record<string, string | number | Date | null | undefined>;

const STORAGE_KEY = 'lumen-locale';
const BASE: Locale = 'en';

export function isLocale(value: unknown): value is Locale {
	return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The first of the browser's languages that the app speaks: any Chinese reads Simplified Chinese, any English English. */
export function matchLocale(languages: readonly string[]): Locale {
	for (const tag of languages) {
		const lower = tag.toLowerCase();
		if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
		if (lower === 'en' || lower.startsWith('en-')) return 'en';
	}
	return BASE;
}

function stored(): Locale | null {
	try {
		const value = globalThis.localStorage?.getItem(STORAGE_KEY);
		return isLocale(value) ? value : null;
	} catch {
		return null; // storage blocked: the browser's language still applies
	}
}

function browserLanguages(): readonly string[] {
	const nav = globalThis.navigator;
	if (!nav) return [];
	return nav.languages?.length ? nav.languages : nav.language ? [nav.language] : [];
}

let started = false;

/** Loads both languages and picks the locale; call once before the first component renders. Idempotent. */
export function setupI18n(initial: Locale = stored() ?? matchLocale(browserLanguages())): Locale {
	if (started) return currentLocale();
	started = true;
	for (const code of LOCALES) addMessages(code, MESSAGES[code]);
	void init({ fallbackLocale: BASE, initialLocale: initial });
	if (typeof document !== 'undefined') {
		current.subscribe((code) => {
			if (code) document.documentElement.lang = code;
		});
	}
	return initial;
}

/** Switches the interface's language and remembers the choice for the next visit. */
export function setLocale(code: Locale): void {
	try {
		globalThis.localStorage?.setItem(STORAGE_KEY, code);
	} catch {
		// not remembered, but still switched for this visit
	}
	void current.set(code);
}

export function currentLocale(): Locale {
	const code = get(current);
	return isLocale(code) ? code : BASE;
}

/** The current locale as a store ($locale in components). */
export const locale = derived(current, (code): Locale => (isLocale(code) ? code : BASE));

/** `$t('key', { name })`: a message in the current language; placeholders use ICU syntax ({name}, plurals). */
export const t = derived(_, (format) => (key: MessageKey, values?: MessageValues) => format(key, { values }));

/** The same, outside components (for text built in .ts code): reads the current locale at call time. */
export function translate(key: MessageKey, values?: MessageValues): string {
	if (!started) setupI18n(); // code run before the layout (a unit test, a worker) still gets a language
	return get(t)(key, values);
}

/** `$say(message)`: a message built in .ts code (id and values, see format.ts) in the current language. */
export const say = derived(locale, (code) => (message: Message) => messageText(message, code));

/** Numbers in the current locale (`$fmt.number(1234.5, { maximumFractionDigits: 1 })`), dates likewise. */
export const fmt = derived(locale, (code) => ({
	number: (value: number, options?: Intl.NumberFormatOptions) => new Intl.NumberFormat(code, options).format(value),
	date: (value: Date | number, options?: Intl.DateTimeFormatOptions) =>
		new Intl.DateTimeFormat(code, options ?? { dateStyle: 'medium', timeStyle: 'short' }).format(value),
	percent: (ratio: number, digits = 0) =>
		new Intl.NumberFormat(code, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(ratio)
}));
