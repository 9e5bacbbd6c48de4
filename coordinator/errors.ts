// Every HTTP error the coordinator answers is an ApiError rendered in OpenAI's shape
// `{error:{message,type,param,code}}`; 5xx bodies never carry internal details.
import { z } from 'zod';
import { LumenError, errorText, isAbortError, type ErrorText } from '#protocol/errors';
import { statusOf, type OpenAIErrorBody } from '#protocol/openai-errors';

export type ErrorType = 'invalid_request_error' | 'authentication_error' | 'rate_limit_error' | 'server_error';

export class ApiError extends Error {
	/** The message for the web app's other languages, sent as the body's extra `error.i18n` (see ErrorText). */
	i18n?: ErrorText;
	constructor(
		readonly status: number,
		readonly type: ErrorType,
		readonly code: string,
		message: string,
		readonly param: string | null = null,
		readonly headers: Record<string, string> = {}
	) {
		super(message);
		this.name = 'ApiError';
	}

	/** Adds the localized text (see ErrorText); returns this error, to throw. */
	localized(text: ErrorText | undefined): this {
		if (text) this.i18n = text;
		return this;
	}

	body(): OpenAIErrorBody {
		return { error: { message: this.message, type: this.type, param: this.param, code: this.code, ...(this.i18n ? { i18n: this.i18n } : {}) } };
	}
}

export const badRequest = (message: string, param: string | null = null, code = 'invalid_request') =>
	new ApiError(400, 'invalid_request_error', code, message, param);

export const unauthorized = (message: string) => new ApiError(401, 'authentication_error', 'invalid_api_key', message);

export const modelNotFound = (model: string) =>
	new ApiError(404, 'invalid_request_error', 'model_not_found', `The model '${model}' does not exist. GET /v1/models lists the available ones.`, 'model').localized(
		errorText('error.text.modelNotFound', { model })
	);

export const noWorker = (model: string) =>
	new ApiError(503, 'server_error', 'unavailable', `No worker is serving '${model}' right now. Try again shortly.`, null, {
		'Retry-After': '5'
	}).localized(errorText('error.text.noWorker', { model }));

/** `messages[0].content` style, as OpenAI names nested parameters. */
export function paramPath(path: readonly PropertyKey[]): string {
	let out = '';
	for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
	return out;
}

export function fromZodError(error: z.ZodError): ApiError {
	const issue = error.issues[0];
	if (!issue) return badRequest('Invalid request body.');
	const param = paramPath(issue.path);
	if (!param) return badRequest(`Invalid request body: ${issue.message}`);
	const missing = issue.code === 'invalid_type' && issue.message.includes('received undefined');
	return badRequest(missing ? `Missing required parameter: '${param}'.` : `Invalid '${param}': ${issue.message}.`, param);
}

/** Node's "aborted" (ECONNRESET) on a request whose client hung up. */
const isClientReset = (err: unknown) => err instanceof Error && (err as NodeJS.ErrnoException).code === 'ECONNRESET' && err.message === 'aborted';

/** Anything thrown, as the ApiError to answer with. Unknown failures become a generic 500. */
export function toApiError(err: unknown): ApiError {
	if (err instanceof ApiError) return err;
	if (err instanceof z.ZodError) return fromZodError(err);
	if (err instanceof LumenError) {
		const status = statusOf(err.code);
		const type: ErrorType =
			status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : status < 500 ? 'invalid_request_error' : 'server_error';
		// LumenErrors are ours and written for users, so their message is safe to show even on 5xx.
		return new ApiError(status, type, err.code, err.message).localized(err.i18n);
	}
	if (isAbortError(err) || isClientReset(err)) return new ApiError(499, 'invalid_request_error', 'aborted', 'The client closed the request.');
	return new ApiError(500, 'server_error', 'internal', 'The coordinator hit an internal error. It has been logged.');
}

/** The 429 of a spent per-minute budget: `message` in the caller's words, the localized text with the numbers. */
export function rateLimited(message: string, perMinute: number, retryAfterS: number): ApiError {
	return new ApiError(429, 'rate_limit_error', 'rate_limit_exceeded', message, null, { 'Retry-After': String(retryAfterS) }).localized(
		errorText('error.text.rateLimited', { limit: perMinute, seconds: retryAfterS })
	);
}
