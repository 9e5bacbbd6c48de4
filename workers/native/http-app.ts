// The worker's OpenAI-compatible HTTP API (Hono): validates input with the protocol schemas, refuses a
// prompt too long for the model's context at once, admits the rest through the FIFO queue, streams SSE,
// and aborts the backend when the client goes away. A relaying backend gets the client's body unchanged;
// a local one only what it declared it honours (the rest is refused by name). Each failed request is one short log line.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { LumenError } from '#protocol/errors';
import { statusOf, toOpenAIError } from '#protocol/openai-errors';
import {
	ChatCompletionRequestSchema,
	CompletionRequestSchema,
	EmbeddingRequestSchema,
	maxTokensOf,
	type ModelList
} from '#protocol/openai';
import type { ListedModel, WorkerCapability } from '#protocol/coordinator';
import { boundedError } from '../runtime/errors';
import type { ApiEndpoint, Backend, TokenCountInput } from './backend';
import { unsupportedParameter } from './parameters';
import { COUNT_TOKENS_PATH, CountTokensRequestSchema, type CountTokensResponse } from '#protocol/coordinator';
import { checkContext, countInput, noTokenizer } from './count-tokens';
import { relayedResponse } from './http-app-relay';
import { foldChat, foldCompletion } from './openai-shapes';
import type { RequestQueue } from './request-queue';
import { streamResponse, type Generation } from './sse-response';

export type WorkerAppOptions = {
	backend: Backend;
	queue: RequestQueue;
	/** True once shutdown began: new work is refused with a retryable 503. */
	isDraining: () => boolean;
	log?: (line: string) => void;
	/** Largest request body read; a bigger one is refused with a 413 (default 32 MiB: room for images). */
	maxBodyBytes?: number;
};

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export function createWorkerApp({ backend, queue, isDraining, log = () => undefined, maxBodyBytes = DEFAULT_MAX_BODY_BYTES }: WorkerAppOptions): Hono {
	const app = new Hono();
	const created = Math.floor(Date.now() / 1000);

	// A worker reachable without the coordinator (standalone, or its port exposed) must not buffer any
	// body it is sent: over the limit, it answers 413 from Content-Length, or as soon as a chunked body passes it.
	app.use(
		'/v1/*',
		bodyLimit({
			maxSize: maxBodyBytes,
			onError: (c) => {
				log(`${c.req.method} ${c.req.path} 413 request_too_large: body over ${maxBodyBytes} bytes`);
				return c.json(
					{
						error: {
							message: `The request body is larger than this worker's limit of ${maxBodyBytes} bytes. Send a smaller request (fewer or smaller images, a shorter prompt), or start the worker with a larger --max-body-bytes.`,
							type: 'invalid_request_error',
							param: null,
							code: 'request_too_large'
						}
					},
					413
				);
			}
		})
	);

	app.get('/health', (c) =>
		c.json({
			status: isDraining() ? 'draining' : 'ok',
			backend: backend.kind,
			models: backend.models.map((m) => m.id),
			queue_length: queue.length,
			running: queue.running,
			waiting: queue.waiting,
			max_concurrency: queue.maxConcurrency
		})
	);

	app.get('/v1/models', (c) =>
		c.json({
			object: 'list',
			data: backend.models.map(
				(m): ListedModel => ({
					id: m.id,
					object: 'model',
					created,
					owned_by: `lumen-${backend.kind}`,
					...(m.context_length ? { context_length: m.context_length } : {}),
					capabilities: m.capabilities
				})
			)
		} satisfies ModelList)
	);

	const refuseWhileDraining = () => {
		if (isDraining()) throw new LumenError('unavailable', 'This worker is shutting down. Try again; another worker will answer.', true);
	};

	const admit = async <T>(
		c: Context,
		modelId: string,
		capability: WorkerCapability,
		work: (signal: AbortSignal) => Promise<T>,
		prompt?: TokenCountInput
	) => {
		checkModel(backend, modelId, capability);
		refuseWhileDraining();
		if (prompt) await checkContext(backend, prompt);
		const clientSignal = c.req.raw.signal;
		const release = await queue.acquire(clientSignal);
		return work(clientSignal).finally(() => {
			release();
			if (clientSignal.aborted) log(`${c.req.method} ${c.req.path}: the client went away before its answer was sent; generation stopped`);
		});
	};

	/** A relaying backend's answer to the client's body, unchanged both ways, the queue slot held until it is sent. */
	const relay = async (c: Context, endpoint: ApiEndpoint, model: string, capability: WorkerCapability, body: unknown) => {
		const send = backend.relay!.bind(backend);
		checkModel(backend, model, capability);
		refuseWhileDraining();
		const signal = c.req.raw.signal;
		const release = await queue.acquire(signal);
		let upstream: Response;
		try {
			upstream = await send(endpoint, body, signal);
		} catch (err) {
			release();
			throw err;
		}
		const where = `${c.req.method} ${c.req.path}`;
		return relayedResponse(upstream, release, (line) => log(`${where}: ${line}`));
	};

	app.post('/v1/chat/completions', async (c) => {
		const { raw, parsed } = await parseBody(c, ChatCompletionRequestSchema);
		if (backend.relay) return relay(c, 'chat', parsed.model, 'chat', raw);
		checkModel(backend, parsed.model, 'chat');
		checkParameters(backend, 'chat', raw);
		// Local backends read max_tokens; OpenAI's newer name for it wins when both are given.
		const request = { ...parsed, max_tokens: maxTokensOf(parsed) };
		const run: Generation<'chat'> = { kind: 'chat', start: (signal) => backend.chat(request, signal) };
		if (request.stream) return startStream(c, request, 'chat', run, request.stream_options?.include_usage ?? false);
		return admit(c, request.model, 'chat', async (signal) => c.json(await foldChat(backend.chat(request, signal))), request);
	});

	app.post('/v1/completions', async (c) => {
		const { raw, parsed: request } = await parseBody(c, CompletionRequestSchema);
		if (backend.relay) return relay(c, 'completions', request.model, 'completions', raw);
		checkModel(backend, request.model, 'completions');
		checkParameters(backend, 'completions', raw);
		const run: Generation<'completion'> = { kind: 'completion', start: (signal) => backend.complete(request, signal) };
		if (request.stream) return startStream(c, request, 'completions', run, request.stream_options?.include_usage ?? false);
		return admit(c, request.model, 'completions', async (signal) => c.json(await foldCompletion(backend.complete(request, signal))), request);
	});

	app.post('/v1/embeddings', async (c) => {
		const { raw, parsed: request } = await parseBody(c, EmbeddingRequestSchema);
		if (backend.relay) return relay(c, 'embeddings', request.model, 'embeddings', raw);
		const embed = backend.embed?.bind(backend);
		if (!embed) throw new LumenError('bad_request', `This worker's ${backend.kind} backend offers no embeddings.`);
		checkModel(backend, request.model, 'embeddings');
		checkParameters(backend, 'embeddings', raw);
		return admit(c, request.model, 'embeddings', async (signal) => c.json(await embed(request, signal)));
	});

	/** Counts a prompt with the model's tokenizer (FastChat's /count_token and /model_details in one). */
	app.post(`/v1${COUNT_TOKENS_PATH}`, async (c) => {
		const { parsed: request } = await parseBody(c, CountTokensRequestSchema);
		checkModel(backend, request.model, request.messages ? 'chat' : 'completions');
		if (!backend.countTokens) throw noTokenizer(backend);
		const counted = await backend.countTokens(countInput(request));
		return c.json({ model: request.model, ...counted } satisfies CountTokensResponse);
	});

	/** Streams hold their queue slot until the backend really stopped, not merely until the client left. */
	async function startStream<K extends 'chat' | 'completion'>(
		c: Context,
		prompt: TokenCountInput,
		capability: WorkerCapability,
		run: Generation<K>,
		includeUsage: boolean
	): Promise<Response> {
		checkModel(backend, prompt.model, capability);
		refuseWhileDraining();
		await checkContext(backend, prompt);
		const release = await queue.acquire(c.req.raw.signal);
		const where = `${c.req.method} ${c.req.path}`;
		return streamResponse(run, c.req.raw.signal, includeUsage, release, (line) => log(`${where}: ${line}`));
	}

	app.notFound((c) =>
		c.json({ error: { message: `No route ${c.req.method} ${c.req.path} on this worker.`, type: 'invalid_request_error', param: null, code: 'not_found' } }, 404)
	);

	app.onError((err, c) => {
		const e = boundedError(err);
		if (e.code === 'aborted') {
			log(`${c.req.method} ${c.req.path}: the client went away before its answer started`);
			return c.body(null, 499 as 200);
		}
		const status = statusOf(e.code);
		log(`${c.req.method} ${c.req.path} ${status} ${e.code}: ${e.message}`);
		// Errors we did not raise on purpose may carry internals: keep their 5xx message generic.
		const safe = err instanceof LumenError || status < 500 ? e : new LumenError(e.code, 'The worker failed to answer. Try again.', e.retryable);
		const body = toOpenAIError(safe, err instanceof LumenError ? err.param : undefined);
		return c.json(body, status as 500);
	});

	return app;
}

function checkModel(backend: Backend, modelId: string, capability: WorkerCapability): void {
	const model = backend.models.find((m) => m.id === modelId);
	if (!model)
		throw new LumenError('model_not_found', `Model "${modelId}" is not served here. This worker serves: ${backend.models.map((m) => m.id).join(', ')}.`);
	if (!model.capabilities.includes(capability))
		throw new LumenError('bad_request', `Model "${modelId}" does not offer ${capability} on this worker.`);
}

/** A 400 about the request body: OpenAI's `param` names the field at fault. */
class RequestError extends LumenError {
	constructor(message: string, param?: string) {
		super('bad_request', message, false, { param });
	}
}

/** The body as sent (what a relay forwards) and as checked (what a local backend reads). */
async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<{ raw: Record<string, unknown>; parsed: z.infer<S> }> {
	let body: unknown;
	try {
		body = await c.req.json();
	} catch {
		throw new RequestError('The request body is not valid JSON.');
	}
	const parsed = schema.safeParse(body);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const param = issue.path.join('.');
		throw new RequestError(`Invalid request${param ? ` at "${param}"` : ''}: ${issue.message}`, param || undefined);
	}
	return { raw: body as Record<string, unknown>, parsed: parsed.data };
}

/** Refuses, by name, the first parameter this backend cannot honour (see unsupportedParameter). */
function checkParameters(backend: Backend, endpoint: ApiEndpoint, body: Record<string, unknown>): void {
	const refused = unsupportedParameter(`The ${backend.kind} backend`, endpoint, body, backend.supports?.[endpoint] ?? new Set());
	if (refused) throw new LumenError('unsupported_parameter', refused.message, false, { param: refused.param });
}
