// Writes one request_log row per /v1 request. Routes that forward to a worker take the row over
// (`deferred`) and write it when the answer has been relayed; everything else, including errors,
// is written here once the response is known.
import type { MiddlewareHandler } from 'hono';
import { toApiError } from './errors';
import type { AppEnv, LogDraft } from './env';
import type { Outcome } from './registry/proxy';
import type { RequestLog } from './storage/request-log';

export function logRequests(requestLog: RequestLog): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		c.set('started', performance.now());
		c.set('createdAt', Date.now());
		await next();
		if (c.get('deferred')) return;
		const draft = c.get('draft');
		const error = c.error ? toApiError(c.error) : null;
		requestLog.append({
			created_at: c.get('createdAt'),
			endpoint: draft?.endpoint ?? c.req.path.replace(/^\/v1\//, ''),
			model: draft?.model ?? null,
			worker_id: c.res.headers.get('x-lumen-worker'),
			params: draft?.params ?? {},
			stream: draft?.stream ?? false,
			status: c.res.status,
			error_code: error?.code ?? null,
			finish_reason: null,
			prompt_tokens: null,
			completion_tokens: null,
			completion_chunks: null,
			latency_ms: performance.now() - c.get('started'),
			ttft_ms: null,
			client_hash: requestLog.hashClient(c.get('clientId') ?? 'unknown')
		});
	};
}

/** The row for a forwarded request, once its outcome is known. */
export function logOutcome(
	requestLog: RequestLog,
	meta: { draft: LogDraft; started: number; createdAt: number; clientId: string },
	outcome: Outcome
) {
	requestLog.append({
		created_at: meta.createdAt,
		...meta.draft,
		worker_id: outcome.worker_id,
		status: outcome.status,
		error_code: outcome.error_code,
		finish_reason: outcome.finish_reason,
		prompt_tokens: outcome.usage?.prompt_tokens ?? null,
		completion_tokens: outcome.usage?.completion_tokens ?? null,
		completion_chunks: outcome.completion_chunks,
		latency_ms: performance.now() - meta.started,
		ttft_ms: outcome.first_token_at === null ? null : outcome.first_token_at - meta.started,
		client_hash: requestLog.hashClient(meta.clientId)
	});
}
