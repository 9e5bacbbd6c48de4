// What an error says in the interface's language. English pages show the error's own message (the text of
// record the CLI, the API and logs share). Other languages show the error's localized text when it carries
// one (`i18n`, with its numbers), else a headline for its code (what went wrong, what to do) followed by the
// English message as a detail, marked as English so screen readers pronounce it right.
import type { ErrorCode, ErrorText, ErrorTextKey, LumenErrorData } from '$lib/protocol/errors';
import type { Locale, MessageKey, MessageValues } from './index';
import { MESSAGES } from './index';

/** One headline per error code: what went wrong and what to do, in a sentence or two. */
export const ERROR_HEADLINES: Record<ErrorCode, MessageKey> = {
	bad_request: 'error.code.bad_request',
	context_length_exceeded: 'error.code.context_length_exceeded',
	unsupported_parameter: 'error.code.unsupported_parameter',
	model_not_found: 'error.code.model_not_found',
	model_load_failed: 'error.code.model_load_failed',
	download_failed: 'error.code.download_failed',
	download_cancelled: 'error.code.download_cancelled',
	quota_exceeded: 'error.code.quota_exceeded',
	storage_failed: 'error.code.storage_failed',
	generation_failed: 'error.code.generation_failed',
	worker_crashed: 'error.code.worker_crashed',
	aborted: 'error.code.aborted',
	network: 'error.code.network',
	unauthorized: 'error.code.unauthorized',
	rate_limited: 'error.code.rate_limited',
	unavailable: 'error.code.unavailable',
	internal: 'error.code.internal'
};

/** The errors' own texts (ids in errors.ts), each a message of the files: a missing one is a type error here. */
export const ERROR_TEXTS: Record<ErrorTextKey, MessageKey> = {
	'error.text.contextLength': 'error.text.contextLength',
	'error.text.quota': 'error.text.quota',
	'error.text.stopped': 'error.text.stopped',
	'error.text.downloadCancelled': 'error.text.downloadCancelled',
	'error.text.workerCrashed': 'error.text.workerCrashed',
	'error.text.unreachable': 'error.text.unreachable',
	'error.text.noAnswer': 'error.text.noAnswer',
	'error.text.noModel': 'error.text.noModel',
	'error.text.unauthorized': 'error.text.unauthorized',
	'error.text.rateLimited': 'error.text.rateLimited',
	'error.text.dailyVoteLimit': 'error.text.dailyVoteLimit',
	'error.text.moderation': 'error.text.moderation',
	'error.text.messageNotSent': 'error.text.messageNotSent',
	'error.text.voteNotSaved': 'error.text.voteNotSaved',
	'error.text.modelNotFound': 'error.text.modelNotFound',
	'error.text.noWorker': 'error.text.noWorker',
	'error.text.arenaTurns': 'error.text.arenaTurns',
	'error.text.arenaPromptChars': 'error.text.arenaPromptChars',
	'error.text.arenaBattleChars': 'error.text.arenaBattleChars',
	'error.text.imagesServerTextOnly': 'error.text.imagesServerTextOnly',
	'error.text.imagesBrowserTextOnly': 'error.text.imagesBrowserTextOnly',
	'error.text.imagesTextOnly': 'error.text.imagesTextOnly',
	'error.text.conversationHasImages': 'error.text.conversationHasImages'
};

type Translate = (key: MessageKey, values?: MessageValues) => string;

/** What ErrorNotice shows: `text` in the page's language; `detail`, when set, is the English message. */
export type ErrorView = { text: string; detail?: string };

/** A text id an error carries, when this page knows it (a newer server may send one it does not). */
function known(key: string | undefined): MessageKey | null {
	if (!key) return null;
	return key in ERROR_TEXTS ? ERROR_TEXTS[key as ErrorTextKey] : key in MESSAGES.en ? (key as MessageKey) : null;
}

/** A text an error or a refusal carries, in the page's language: `english` on English pages, and when the id is unknown. */
export function localizeText(text: ErrorText | undefined, english: string, locale: Locale, t: Translate): string {
	const key = locale === 'en' ? null : known(text?.key);
	return key ? t(key, text?.values) : english;
}

export function describeError(error: LumenErrorData, locale: Locale, t: Translate): ErrorView {
	if (locale === 'en') return { text: error.message };
	const own = known(error.i18n?.key);
	if (own && error.i18n) {
		const reason = error.i18n.reason;
		if (!reason) return { text: t(own, error.i18n.values) };
		const inner = known(reason.key);
		const text = t(own, { ...error.i18n.values, reason: inner ? t(inner, reason.values) : t(ERROR_HEADLINES[reason.code]) });
		return inner ? { text } : { text, detail: error.message };
	}
	return { text: t(ERROR_HEADLINES[error.code]), detail: error.message };
}
