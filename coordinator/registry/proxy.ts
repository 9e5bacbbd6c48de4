// Forwards one OpenAI request to a worker over pooled keep-alive connections (undici Agent), or to a
// browser worker over its WebSocket (browser-workers/hub.ts), whose answer reads the same way.
// A worker that fails before its first byte (refused, reset, timed out, its own 5xx) is marked and the
// request retried once elsewhere; its refusal of the client's request (4xx) is relayed and marks nothing
// (worker-errors.ts). A streamed answer is relayed by stream-to-client.ts, which also ends the client's
// stream with an in-band error when the worker dies and aborts the worker when the client leaves.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import type { WorkerCapability } from '#protocol/coordinator';
import type { Usage } from '#protocol/openai';
import type { DispatchInput } from '../browser-workers/connection';
import type { UpstreamAnswer } from '../browser-workers/pending-request';
import type { DispatchPolicy } from '../config';
import { ApiError, badRequest, modelNotFound, noWorker } from '../errors';
import type { Rng } from './pick';
import type { Registry, WorkerEntry } from './registry';
import { holdFirstChunk, pipeToClient, type HeldBody } from './stream-to-client';
import { judgeWorkerError } from './worker-errors';

export type Endpoint = 'chat/completions' | 'completions' | 'embeddings';

export type ForwardInput = {
	endpoint: Endpoint;
	capability: WorkerCapability;
	model: string;
	/** The request body to send upstream, already serialised. */
	body: string;
	stream: boolean;
	/** Drop the usage-only chunk (we asked for usage upstream; the client did not). */
	stripUsage: boolean;
	/** The client's response: a stream is written to it directly, and its early close aborts the worker. */
	client: ServerResponse;
};

/** What happened, for the request log. */
export type Outcome = {
	worker_id: string;
	status: number;
	finish_reason: string | null;
	usage: Usage | null;
	completion_chunks: number | null;
	/** performance.now() of the first content token, streams only. */
	first_token_at: number | null;
	error_code: string | null;
};

/** A complete answer (JSON or an error status from the worker), or a held stream ready to relay. */
export type Forwarded =
	| { kind: 'response'; response: Response; outcome: Outcome }
	| { kind: 'stream'; worker_id: string; send(headers: Record<string, string>): Promise<Outcome> };

export type ProxyOptions = {
	registry: Registry;
	policy: DispatchPolicy;
	rng?: Rng;
	workerSecret?: string;
	timeoutMs: number;
	/** Sends requests to browser workers (registry kind `browser`). */
	browserWorkers?: { open(workerId: string, input: DispatchInput, signal: AbortSignal): Promise<UpstreamAnswer> };
	log?: (line: string) => void;
};

const BROWSER_KIND: Record<Endpoint, DispatchInput['kind']> = { 'chat/completions': 'chat', completions: 'completion', embeddings: 'embeddings' };

async function readAll(body: Readable): Promise<Buffer<ArrayBuffer>> {
	const parts: Buffer[] = [];
	for await (const part of body) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(part as Uint8Array));
	return Buffer.concat(parts);
}

const SSE_HEADERS = {
	'content-type': 'text/event-stream; charset=utf-8',
	'cache-control': 'no-cache',
	'x-accel-buffering': 'no'
};

export function createProxy({ registry, policy, rng = Math.random, workerSecret, timeoutMs, browserWorkers, log = () => undefined }: ProxyOptions) {
	// One pool for all workers: connections are reused across requests (no handshake per stream).
	const agent = new Agent({ keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: 5_000 });

	function headersFor(worker: WorkerEntry): Record<string, string> {
		const key = worker.kind === 'upstream' ? worker.api_key : workerSecret;
		return { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
	}

	/** The worker's answer: over HTTP, or over a browser worker's socket. */
	async function ask(worker: WorkerEntry, input: ForwardInput, signal: AbortSignal): Promise<UpstreamAnswer> {
		if (worker.kind === 'browser') {
			if (!browserWorkers) throw new Error('browser workers are not enabled');
			return browserWorkers.open(worker.id, { kind: BROWSER_KIND[input.endpoint], body: input.body, stream: input.stream }, signal);
		}
		const res = await request(`${worker.url}/${input.endpoint}`, {
			method: 'POST',
			headers: headersFor(worker),
			body: input.body,
			signal,
			dispatcher: agent
		});
		return { statusCode: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body };
	}

	async function forward(input: ForwardInput): Promise<Forwarded> {
		const tried = new Set<string>();
		let resetRetried = false;
		for (let attempt = 0; attempt < 2; attempt++) {
			const chosen = registry.choose(input.model, input.capability, policy, rng, tried);
			if (!('id' in chosen)) {
				if (attempt > 0 || chosen.kind === 'unavailable') throw noWorker(input.model);
				if (chosen.kind === 'unknown') throw modelNotFound(input.model);
				throw badRequest(`The model '${input.model}' does not support ${input.endpoint}.`, 'model', 'unsupported_endpoint');
			}
			tried.add(chosen.id);
			let result = await attemptOn(chosen, input, !resetRetried);
			if (result === 'reset') {
				// A kept-alive connection the worker had just closed: once, the same worker on a fresh one.
				resetRetried = true;
				result = await attemptOn(chosen, input, false);
			}
			if (result && result !== 'reset') return result;
			if (clientGone(input.client)) throw new ApiError(499, 'invalid_request_error', 'aborted', 'The client closed the request.');
		}
		throw noWorker(input.model);
	}

	/**
	 * One try on one worker; null means it failed before answering and another may be tried. 'reset' (only
	 * when `mayRetryReset`): the connection was reset before any answer, which a pooled connection closed by
	 * the worker at that instant also does, so it is not yet held against the worker.
	 */
	async function attemptOn(worker: WorkerEntry, input: ForwardInput, mayRetryReset: boolean): Promise<Forwarded | null | 'reset'> {
		const upstream = new AbortController();
		// Until the stream relay takes over, a client that leaves cancels the upstream request here.
		const onClientClose = () => upstream.abort();
		input.client.once('close', onClientClose);
		registry.acquire(worker.id);
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			registry.release(worker.id);
			input.client.off('close', onClientClose);
		};
		try {
			const res = await ask(worker, input, upstream.signal);
			if (res.statusCode >= 400) {
				const verdict = judgeWorkerError(res.statusCode, await readAll(res.body));
				if (verdict.kind === 'worker_fault') throw new Error(`worker ${worker.id} failed: ${verdict.reason}`);
				release();
				return {
					kind: 'response',
					response: Response.json(verdict.body, { status: verdict.status, headers: { 'x-lumen-worker': worker.id } }),
					outcome: {
						worker_id: worker.id,
						status: verdict.status,
						finish_reason: null,
						usage: null,
						completion_chunks: null,
						first_token_at: null,
						error_code: verdict.body.error.code == null ? null : String(verdict.body.error.code)
					}
				};
			}
			const type = res.contentType;
			if (!input.stream || res.statusCode !== 200 || !type.includes('text/event-stream')) {
				const bytes = await readAll(res.body);
				release();
				return {
					kind: 'response',
					response: new Response(bytes, {
						status: res.statusCode,
						headers: { 'content-type': type || 'application/json', 'x-lumen-worker': worker.id }
					}),
					outcome: { worker_id: worker.id, status: res.statusCode, ...summariseJson(bytes), completion_chunks: null, first_token_at: null, error_code: null }
				};
			}
			// Waiting for the first chunk before answering keeps "fails before the first byte" retryable.
			const held = await holdFirstChunk(res.body);
			if (!held) throw new Error('worker sent an empty stream');
			input.client.off('close', onClientClose);
			return { kind: 'stream', worker_id: worker.id, send: (headers) => send(worker, held, input, upstream, release, headers) };
		} catch (err) {
			release();
			if (clientGone(input.client)) return null;
			if (mayRetryReset && isConnectionReset(err)) return 'reset';
			registry.markFailed(worker.id);
			return null;
		}
	}

	async function send(
		worker: WorkerEntry,
		held: HeldBody,
		input: ForwardInput,
		upstream: AbortController,
		release: () => void,
		headers: Record<string, string>
	): Promise<Outcome> {
		const end = await pipeToClient({
			held,
			out: input.client,
			headers: { ...headers, ...SSE_HEADERS, 'x-lumen-worker': worker.id },
			stripUsage: input.stripUsage,
			abortUpstream: () => upstream.abort(),
			onWorkerFailure: () => registry.markFailed(worker.id)
		});
		release();
		const s = end.stats;
		if (end.error_code === 'client_closed')
			log(`POST /v1/${input.endpoint}: client closed the connection mid-stream (${s.contentEvents} chunks from worker ${worker.id})`);
		return {
			worker_id: worker.id,
			status: 200,
			finish_reason: end.error_code ? (s.finishReason ?? 'error') : s.finishReason,
			usage: s.usage,
			completion_chunks: s.contentEvents,
			first_token_at: s.firstContentAt,
			error_code: end.error_code ?? (s.upstreamError ? (s.upstreamError.code ?? 'upstream_error') : null)
		};
	}

	return { forward, close: () => agent.close() };
}

export type Proxy = ReturnType<typeof createProxy>;

const clientGone = (out: ServerResponse) => out.destroyed || !out.socket || out.socket.destroyed;

/** finish_reason and usage of a non-streamed answer; a body that is not JSON just yields nothing. */
function summariseJson(bytes: Buffer): Pick<Outcome, 'finish_reason' | 'usage'> {
	try {
		const json = JSON.parse(bytes.toString()) as { choices?: { finish_reason?: string | null }[]; usage?: Usage };
		return { finish_reason: json.choices?.[0]?.finish_reason ?? null, usage: json.usage ?? null };
	} catch {
		return { finish_reason: null, usage: null };
	}
}

/** A connection reset or closed by the other side before any answer (undici's SocketError, ECONNRESET, EPIPE). */
function isConnectionReset(err: unknown): boolean {
	const code = (err as { code?: unknown } | null)?.code;
	return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}
