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

export const LumenErrorDataSchema = z.object({
	code: z.enum(ErrorCodes),
	message: z.string(),
	retryable: z.boolean(),
	/** The request field at fault, as OpenAI's error `param` names it (`tool_choice`, `messages[1].content[0]`). */
	param: z.string().optional()
});
export type LumenErrorData = z.infer<typeof LumenErrorDataSchema>;
export type ErrorCode = LumenErrorData['code'];

export class LumenError extends Error {
	readonly code: ErrorCode;
	readonly retryable: boolean;
	readonly param?: string;
	constructor(code: ErrorCode, message: string, retryable = false, options?: { cause?: unknown; param?: string }) {
		super(message, options);
		this.name = 'LumenError';
		this.code = code;
		this.retryable = retryable;
		if (options?.param !== undefined) this.param = options.param;
	}
	toData(): LumenErrorData {
		return { code: this.code, message: this.message, retryable: this.retryable, ...(this.param !== undefined ? { param: this.param } : {}) };
	}
	static fromData(data: LumenErrorData): LumenError {
		return new LumenError(data.code, data.message, data.retryable, { param: data.param });
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
	if (isAbortError(err)) return new LumenError('aborted', 'Stopped.', true, { cause: err });
	if (isQuotaError(err))
		return new LumenError(
			'quota_exceeded',
			'This browser ran out of storage space. Delete a cached model or free disk space, then try again.',
			true,
			{ cause: err }
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
		false
	);
}
