// The one error shape inside the app. Errors cross worker and network boundaries as this data
// and are rebuilt on the other side, never as String(err).
import { z } from 'zod';

export const ErrorCodes = [
	'bad_request',
	'context_length_exceeded',
	/** A request parameter this backend cannot honour: refused by name rather than silently ignored. */
	'unsupported_parameter',
	'model_not_found',
	'model_load_failed',
	'download_failed',
	'download_cancelled',
	'quota_exceeded',
	'storage_failed',
	'generation_failed',
	'worker_crashed',
	'aborted',
	'network',
	'unauthorized',
	'rate_limited',
	'unavailable',
	'internal'
] as const;

/**
 * The ids of the errors' own texts in src/lib/i18n/messages (`error.text.*`). Code that raises an error a person
 * meets in the browser names one, with the numbers its placeholders take, so a page in another language can
 * say exactly what the English message says. The list is checked against the message files by a unit test.
 */
export const ErrorTextKeys = [
	'error.text.contextLength',
	'error.text.quota',
	'error.text.stopped',
	'error.text.downloadCancelled',
	'error.text.workerCrashed',
	'error.text.unreachable',
	'error.text.noAnswer',
	'error.text.noModel',
	'error.text.unauthorized',
	'error.text.rateLimited',
	'error.text.dailyVoteLimit',
	'error.text.moderation',
	'error.text.messageNotSent',
	'error.text.voteNotSaved',
	'error.text.modelNotFound',
	'error.text.noWorker',
	'error.text.arenaTurns',
	'error.text.arenaPromptChars',
	'error.text.arenaBattleChars',
	'error.text.imagesServerTextOnly',
	'error.text.imagesBrowserTextOnly',
	'error.text.imagesTextOnly',
	'error.text.conversationHasImages'
] as const;
export type ErrorTextKey = (typeof ErrorTextKeys)[number];

const TextValuesSchema = z.record(z.string().max(100), z.union([z.string().max(2000), z.number()]));
const TextKeySchema = z.string().regex(/^[a-zA-Z]+\.[\w.]+$/).max(100);

/**
 * The message again, for the interface's other languages: a message id and the values of its placeholders.
 * The English `message` stays the text of record (CLI, API, logs); a page in another language shows this
 * instead. `reason`: an error that wraps another ("The vote was not saved: …") names the inner one's code and
 * text, which fills the `{reason}` placeholder. The id is a plain string on the wire: a page that does not
 * know it (a newer server's) falls back to the code's headline.
 */
export const ErrorTextSchema = z.object({
	key: TextKeySchema,
	values: TextValuesSchema.optional(),
	reason: z.object({ code: z.enum(ErrorCodes), key: TextKeySchema.optional(), values: TextValuesSchema.optional() }).optional()
});
export type ErrorText = z.infer<typeof ErrorTextSchema>;

/** An error text for a LumenError's options: the id is one of ErrorTextKeys (a typo is a type error). */
export function errorText(key: ErrorTextKey, values?: Record<string, string | number>): ErrorText {
	return values ? { key, values } : { key };
}

export const LumenErrorDataSchema = z.object({
	code: z.enum(ErrorCodes),
	message: z.string(),
	retryable: z.boolean(),
	/** The request field at fault, as OpenAI's error `param` names it (`tool_choice`, `messages[1].content[0]`). */
	param: z.string().optional(),
	i18n: ErrorTextSchema.optional()
});
export type LumenErrorData = z.infer<typeof LumenErrorDataSchema>;
export type ErrorCode = LumenErrorData['code'];

export type LumenErrorOptions = { cause?: unknown; param?: string; i18n?: ErrorText };

export class LumenError extends Error {
	readonly code: ErrorCode;
	readonly retryable: boolean;
	readonly param?: string;
	readonly i18n?: ErrorText;
	constructor(code: ErrorCode, message: string, retryable = false, options?: LumenErrorOptions) {
		super(message, options);
		this.name = 'LumenError';
		this.code = code;
		this.retryable = retryable;
		if (options?.param !== undefined) this.param = options.param;
		if (options?.i18n !== undefined) this.i18n = options.i18n;
	}
	toData(): LumenErrorData {
		return {
			code: this.code,
			message: this.message,
			retryable: this.retryable,
			...(this.param !== undefined ? { param: this.param } : {}),
			...(this.i18n !== undefined ? { i18n: this.i18n } : {})
		};
	}
	static fromData(data: LumenErrorData): LumenError {
		return new LumenError(data.code, data.message, data.retryable, { param: data.param, i18n: data.i18n });
	}
}

/** A client error about one request field; HTTP answers name it in OpenAI's `param`. */
export function paramError(param: string, message: string): LumenError {
	return new LumenError('bad_request', message, false, { param });
}

/** Turns anything thrown into a LumenError; `fallback` is used when the cause carries no code. */
export function toLumenError(err: unknown, fallback: ErrorCode = 'internal'): LumenError {
	if (err instanceof LumenError) return err;
	const parsed = LumenErrorDataSchema.safeParse(err);
	if (parsed.success) return LumenError.fromData(parsed.data);
	if (isAbortError(err)) return stopped(err);
	if (isQuotaError(err))
		return new LumenError(
			'quota_exceeded',
			'This browser ran out of storage space. Delete a cached model or free disk space, then try again.',
			true,
			{ cause: err, i18n: errorText('error.text.quota') }
		);
	const message = err instanceof Error ? err.message : typeof err === 'string' ? err : 'Unknown error';
	return new LumenError(fallback, message, false, { cause: err });
}

export function isAbortError(err: unknown): boolean {
	return (
		typeof err === 'object' && err !== null && 'name' in err && (err as { name: unknown }).name === 'AbortError'
	);
}

export function isQuotaError(err: unknown): boolean {
	if (typeof err !== 'object' || err === null) return false;
	const name = 'name' in err ? String((err as { name: unknown }).name) : '';
	const message = 'message' in err ? String((err as { message: unknown }).message) : '';
	return name === 'QuotaExceededError' || /quota/i.test(message);
}

/**
 * The prompt alone is longer than the model's context window: a client error (HTTP 400) that names both
 * numbers and what to do. Every backend and the chat page use this one message. `exact: false` says the
 * count is a lower bound (a prompt so long it was refused from its length without being tokenized).
 */
export function contextLengthExceeded(promptTokens: number, contextLength: number, exact = true): LumenError {
	return new LumenError(
		'context_length_exceeded',
		`This model's maximum context length is ${contextLength} tokens, but the prompt takes ${exact ? '' : 'at least '}${promptTokens} tokens. ` +
			'Shorten the messages or drop the oldest turns, then try again.',
		false,
		{ i18n: errorText('error.text.contextLength', { context: contextLength, prompt: promptTokens, exact: exact ? 'yes' : 'no' }) }
	);
}

/** Stopped on purpose (the Stop button, a closed page): `message` says by what when it is not just "Stopped.". */
export function stopped(cause?: unknown, message = 'Stopped.'): LumenError {
	return new LumenError('aborted', message, true, { cause, i18n: errorText('error.text.stopped') });
}

/**
 * `inner`, told as the failure of a step ("The vote was not saved: …"): the same code, the English message
 * behind `prefix`, and a text whose `{reason}` is the inner error's own (its text, or its code's headline).
 */
export function wrapError(inner: LumenError, key: ErrorTextKey, prefix: string): LumenError {
	const text = inner.i18n;
	const reason = { code: inner.code, ...(text ? { key: text.key } : {}), ...(text?.values ? { values: text.values } : {}) };
	return new LumenError(inner.code, `${prefix}${inner.message}`, inner.retryable, { cause: inner, i18n: { key, reason } });
}
