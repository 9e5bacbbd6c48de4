// OpenAI's HTTP error shape and its mapping to and from our LumenError, so any OpenAI client
// understands our errors and we understand theirs. Statuses follow OpenAI's API.
import { z } from 'zod';
import { ErrorTextSchema, LumenError, type ErrorCode } from './errors';

export const OpenAIErrorBodySchema = z.object({
	error: z.object({
		message: z.string(),
		type: z.string().nullish(),
		param: z.string().nullish(),
		code: z.union([z.string(), z.number()]).nullish(),
		/**
		 * Lumen's extra: the message for the interface's other languages (see ErrorText). OpenAI clients ignore
		 * unknown fields; a malformed one (another server's field of that name) is dropped, not an error.
		 */
		i18n: ErrorTextSchema.optional().catch(undefined)
	})
});
export type OpenAIErrorBody = z.infer<typeof OpenAIErrorBodySchema>;

const STATUS: Record<ErrorCode, number> = {
	bad_request: 400,
	context_length_exceeded: 400,
	unsupported_parameter: 400,
	unauthorized: 401,
	model_not_found: 404,
	rate_limited: 429,
	unavailable: 503,
	worker_crashed: 502,
	network: 502,
	model_load_failed: 500,
	download_failed: 502,
	download_cancelled: 499,
	quota_exceeded: 507,
	storage_failed: 500,
	generation_failed: 500,
	aborted: 499,
	internal: 500
};

const TYPE: Partial<Record<ErrorCode, string>> = {
	bad_request: 'invalid_request_error',
	context_length_exceeded: 'invalid_request_error',
	unsupported_parameter: 'invalid_request_error',
	model_not_found: 'invalid_request_error',
	unauthorized: 'authentication_error',
	rate_limited: 'rate_limit_error'
};

export function statusOf(code: ErrorCode): number {
	return STATUS[code];
}

/** Our error as OpenAI's body. 5xx messages are kept generic unless marked safe, so internals never leak. */
export function toOpenAIError(err: LumenError, param?: string): OpenAIErrorBody {
	return {
		error: {
			message: err.message,
			type: TYPE[err.code] ?? 'server_error',
			param: param ?? null,
			code: err.code,
			...(err.i18n ? { i18n: err.i18n } : {})
		}
	};
}

export function openAIErrorToLumen(body: OpenAIErrorBody, status: number): LumenError {
	const known = typeof body.error.code === 'string' && body.error.code in STATUS ? (body.error.code as ErrorCode) : null;
	const code: ErrorCode =
		known ??
		(status === 400 || status === 413 || status === 422
			? 'bad_request'
			: status === 401 || status === 403
				? 'unauthorized'
				: status === 404
					? 'model_not_found'
					: status === 429
						? 'rate_limited'
						: status === 503
							? 'unavailable'
							: 'internal');
	return new LumenError(code, body.error.message, status === 429 || status >= 500, body.error.i18n ? { i18n: body.error.i18n } : undefined);
}
