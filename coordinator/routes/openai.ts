// The OpenAI-compatible API: validate with the protocol schemas, dispatch to a worker that serves
// the model, relay its answer untouched. Usage is always requested upstream so the log gets token
// counts; the usage-only chunk is dropped again when the client did not ask for it.
import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import type { ListedModel, WorkerCapability } from '#protocol/coordinator';
import {
	ChatCompletionRequestSchema,
	CompletionRequestSchema,
	EmbeddingRequestSchema,
	type ModelList
} from '#protocol/openai';
import { fromZodError } from '../errors';
import type { AppEnv } from '../env';
import { logOutcome } from '../request-logging';
import type { Endpoint, Proxy } from '../registry/proxy';
import type { Registry } from '../registry/registry';
import type { RequestLog } from '../storage/request-log';
import { readJson } from './read-json';

type RouteDeps = { registry: Registry; proxy: Proxy; requestLog: RequestLog; bodyLimit: number };

/**
 * Content is never logged: only the sampling parameters (by name, so whatever else a client sends,
 * however big, stays out of the database) and how many messages there were.
 */
const LOGGED_PARAMS = [
	'stream',
	'stream_options',
	'temperature',
	'top_p',
	'max_tokens',
	'max_completion_tokens',
	'stop',
	'n',
	'seed',
	'top_k',
	'presence_penalty',
	'frequency_penalty',
	'repetition_penalty',
	'logprobs',
	'top_logprobs',
	'echo',
	'tool_choice',
	'encoding_format',
	'dimensions'
] as const;
const clip = (v: unknown): unknown => (typeof v === 'string' && v.length > 100 ? `${v.slice(0, 100)}…` : Array.isArray(v) ? v.map(clip) : v);
function paramsOf(raw: Record<string, unknown>): Record<string, unknown> {
	const params: Record<string, unknown> = {};
	for (const k of LOGGED_PARAMS) if (raw[k] !== undefined) params[k] = clip(raw[k]);
	if (Array.isArray(raw.messages)) params.message_count = raw.messages.length;
	// What was asked for, not what it says: tool names and the format's type, never schemas or descriptions.
	if (Array.isArray(raw.tools)) params.tools = raw.tools.map((t: { function?: { name?: unknown } }) => clip(t?.function?.name ?? null));
	const format = (raw.response_format as { type?: unknown } | undefined)?.type;
	if (format !== undefined) params.response_format = clip(format);
	return params;
}

export function openaiRoutes({ registry, proxy, requestLog, bodyLimit }: RouteDeps) {
	const app = new Hono<AppEnv>();
	const startedAt = Math.floor(Date.now() / 1000);

	// OpenAI clients ignore the extra fields; FastChat-style clients read context_length to size their
	// prompts, and the chat page reads capabilities (e.g. "vision": it may attach images).
	app.get('/v1/models', (c) =>
		c.json({
			object: 'list',
			data: registry.catalog().map((m): ListedModel => ({ ...m, object: 'model', created: startedAt, owned_by: 'lumen' }))
		} satisfies ModelList)
	);

	async function generate(c: Context<AppEnv>, endpoint: Endpoint, capability: WorkerCapability, schema: z.ZodType) {
		const raw = await readJson(c, bodyLimit);
		const parsed = schema.safeParse(raw);
		if (!parsed.success) throw fromZodError(parsed.error);
		const model = raw.model as string;
		const stream = endpoint !== 'embeddings' && raw.stream === true;
		const options = (raw.stream_options ?? {}) as { include_usage?: boolean };
		const draft = { endpoint, model, params: paramsOf(raw), stream };
		c.set('draft', draft);
		const askUsage = stream && options.include_usage !== true;
		const body = JSON.stringify(askUsage ? { ...raw, stream_options: { ...options, include_usage: true } } : raw);
		const forwarded = await proxy.forward({
			endpoint,
			capability,
			model,
			body,
			stream,
			stripUsage: askUsage,
			client: c.env.outgoing
		});
		c.set('deferred', true);
		const meta = { draft, started: c.get('started'), createdAt: c.get('createdAt'), clientId: c.get('clientId') };
		if (forwarded.kind === 'response') {
			logOutcome(requestLog, meta, forwarded.outcome);
			return forwarded.response;
		}
		// Streams are written straight to the socket (see stream-to-client.ts), CORS headers included;
		// what is returned here is never sent (server.ts checks that headers already went out).
		void forwarded.send(c.get('cors') ?? {}).then((o) => logOutcome(requestLog, meta, o));
		return new Response(null);
	}

	app.post('/v1/chat/completions', (c) => generate(c, 'chat/completions', 'chat', ChatCompletionRequestSchema));
	app.post('/v1/completions', (c) => generate(c, 'completions', 'completions', CompletionRequestSchema));
	app.post('/v1/embeddings', (c) => generate(c, 'embeddings', 'embeddings', EmbeddingRequestSchema));

	return app;
}
