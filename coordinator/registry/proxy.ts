// Forwards one OpenAI request to a worker over pooled keep-alive connections (undici Agent) and
// relays the answer. A worker that fails before its first byte is marked and the request retried
// once elsewhere; one that dies mid-stream ends the client's stream with an in-band error event;
// a client that goes away aborts the upstream request so the worker stops generating.
import { Agent, request } from 'undici';
import type { WorkerCapability } from '../../src/lib/protocol/coordinator';
import type { Usage } from '../../src/lib/protocol/openai';
import type { DispatchPolicy } from '../config';
import { ApiError, badRequest, modelNotFound, noWorker } from '../errors';
import type { Rng } from './pick';
import type { Registry, WorkerEntry } from './registry';
import { createSseRelay } from './sse-relay';

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
	/** Aborted when the client disconnects. */
	signal: AbortSignal;
};

/** What happened, for the request log; resolves when the response has been fully relayed or abandoned. */
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

export type Forwarded = { response: Response; outcome: Promise<Outcome> };

export type ProxyOptions = {
	registry: Registry;
	policy: DispatchPolicy;
	rng?: Rng;
	workerSecret?: string;
	timeoutMs: number;
};

const SSE_HEADERS = {
	'Content-Type': 'text/event-stream; charset=utf-8',
	'Cache-Control': 'no-cache',
	'X-Accel-Buffering': 'no'
};

function errorEvent(message: string, code: string): Uint8Array {
	return Buffer.from(`data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code } })}\n\n`);
}

export function createProxy({ registry, policy, rng = Math.random, workerSecret, timeoutMs }: ProxyOptions) {
	const agent = new Agent({
		keepAliveTimeout: 30_000,
		headersTimeout: timeoutMs,
		bodyTimeout: timeoutMs,
		connectTimeout: 5_000
	});

	function headersFor(worker: WorkerEntry): Record<string, string> {
		const key = worker.kind === 'upstream' ? worker.api_key : workerSecret;
		return { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
	}

	async function forward(input: ForwardInput): Promise<Forwarded> {
		const tried = new Set<string>();
		for (let attempt = 0; attempt < 2; attempt++) {
			const chosen = registry.choose(input.model, input.capability, policy, rng, tried);
			if (!('id' in chosen)) {
				if (attempt > 0 || chosen.kind === 'unavailable') throw noWorker(input.model);
				if (chosen.kind === 'unknown') throw modelNotFound(input.model);
				throw badRequest(`The model '${input.model}' does not support ${input.endpoint}.`, 'model', 'unsupported_endpoint');
			}
			tried.add(chosen.id);
			const result = await attemptOn(chosen, input);
			if (result) return result;
			if (input.signal.aborted) throw new ApiError(499, 'invalid_request_error', 'aborted', 'The client closed the request.');
		}
		throw noWorker(input.model);
	}

	/** One try on one worker; null means it failed before answering and another may be tried. */
	async function attemptOn(worker: WorkerEntry, input: ForwardInput): Promise<Forwarded | null> {
		const upstream = new AbortController();
		const onClientAbort = () => upstream.abort();
		input.signal.addEventListener('abort', onClientAbort, { once: true });
		registry.acquire(worker.id);
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			registry.release(worker.id);
			input.signal.removeEventListener('abort', onClientAbort);
		};
		const base = { worker_id: worker.id, finish_reason: null, usage: null, completion_chunks: null, first_token_at: null };
		try {
			const res = await request(`${worker.url}/${input.endpoint}`, {
				method: 'POST',
				headers: headersFor(worker),
				body: input.body,
				signal: upstream.signal,
				dispatcher: agent
			});
			if (res.statusCode >= 500) {
				await res.body.dump();
				throw new Error(`worker answered ${res.statusCode}`);
			}
			const type = String(res.headers['content-type'] ?? '');
			if (!input.stream || res.statusCode !== 200 || !type.includes('text/event-stream')) {
				const bytes = Buffer.from(await res.body.arrayBuffer());
				release();
				const outcome: Outcome = { ...base, status: res.statusCode, ...summariseJson(bytes), error_code: null };
				return {
					response: new Response(bytes, {
						status: res.statusCode,
						headers: { 'Content-Type': type || 'application/json', 'X-Lumen-Worker': worker.id }
					}),
					outcome: Promise.resolve(outcome)
				};
			}
			const chunks = res.body[Symbol.asyncIterator]();
			// Waiting for the first chunk before answering keeps "fails before the first byte" retryable.
			const first = await chunks.next();
			return relayStream(worker, chunks, first, input, upstream, release);
		} catch {
			release();
			if (!input.signal.aborted) registry.markFailed(worker.id);
			return null;
		}
	}

	function relayStream(
		worker: WorkerEntry,
		chunks: AsyncIterator<Buffer>,
		first: IteratorResult<Buffer>,
		input: ForwardInput,
		upstream: AbortController,
		release: () => void
	): Forwarded {
		const relay = createSseRelay({ stripUsage: input.stripUsage });
		let settle: (o: Outcome) => void = () => undefined;
		const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
		let pendingFirst: IteratorResult<Buffer> | null = first;
		const finish = (error_code: string | null) => {
			release();
			const s = relay.stats;
			settle({
				worker_id: worker.id,
				status: 200,
				finish_reason: error_code ? (s.finishReason ?? 'error') : s.finishReason,
				usage: s.usage,
				completion_chunks: s.contentEvents,
				first_token_at: s.firstContentAt,
				error_code: error_code ?? (s.upstreamError ? (s.upstreamError.code ?? 'upstream_error') : null)
			});
		};
		const body = new ReadableStream<Uint8Array>(
			{
				async pull(controller) {
					try {
						for (;;) {
							const r = pendingFirst ?? (await chunks.next());
							pendingFirst = null;
							if (r.done) {
								const rest = relay.end();
								if (rest) controller.enqueue(rest);
								if (!relay.stats.sawDone && !relay.stats.upstreamError) {
									controller.enqueue(errorEvent('The worker ended the stream before it was complete. Try again.', 'worker_crashed'));
									finish('worker_crashed');
								} else finish(null);
								controller.close();
								return;
							}
							const out = relay.push(r.value);
							if (out) {
								controller.enqueue(out);
								return;
							}
						}
					} catch {
						if (input.signal.aborted || upstream.signal.aborted) return finish('client_closed');
						registry.markFailed(worker.id);
						controller.enqueue(errorEvent('The worker stopped in the middle of the answer. Try again.', 'worker_crashed'));
						finish('worker_crashed');
						controller.close();
					}
				},
				cancel() {
					// The client went away: stop the worker's generation too.
					upstream.abort();
					finish('client_closed');
				}
			},
			{ highWaterMark: 0 }
		);
		return { response: new Response(body, { status: 200, headers: { ...SSE_HEADERS, 'X-Lumen-Worker': worker.id } }), outcome };
	}

	return { forward, close: () => agent.close() };
}

export type Proxy = ReturnType<typeof createProxy>;

/** finish_reason and usage of a non-streamed answer; a body that is not JSON just yields nothing. */
function summariseJson(bytes: Buffer): Pick<Outcome, 'finish_reason' | 'usage'> {
	try {
		const json = JSON.parse(bytes.toString()) as { choices?: { finish_reason?: string | null }[]; usage?: Usage };
		return { finish_reason: json.choices?.[0]?.finish_reason ?? null, usage: json.usage ?? null };
	} catch {
		return { finish_reason: null, usage: null };
	}
}
