// The openai backend: fronts any OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp, Ollama).
// It discovers models from /v1/models, forwards requests as streams (fetch + parseSSE), normalises the
// upstream's dialect into our chunk types, maps its errors, and aborts upstream when our client leaves.
import { z } from 'zod';
import { LumenError, isAbortError } from '#protocol/errors';
import { openAIErrorToLumen } from '#protocol/openai-errors';
import { parseSSE } from '#protocol/sse';
import type { ChatCompletionChunk, CompletionChunk, FinishReason } from '#protocol/openai';
import type { WorkerModel } from '#protocol/coordinator';
import { EmbeddingResponseSchema, type Backend } from './backend';

export type OpenAIBackendOptions = {
	/** Upstream base URL, with or without the trailing `/v1`. */
	upstream: string;
	apiKey?: string;
	speed?: number;
	/** How long to keep retrying model discovery while the upstream is still starting. */
	waitMs?: number;
	log?: (line: string) => void;
};

/** `http://host:8000` and `http://host:8000/` mean `http://host:8000/v1`; any other path is kept. */
export function upstreamBase(upstream: string): string {
	const url = new URL(upstream);
	const path = url.pathname.replace(/\/+$/, '');
	return `${url.origin}${path === '' ? '/v1' : path}`;
}

const UpstreamModelsSchema = z.object({
	data: z.array(z.looseObject({ id: z.string(), max_model_len: z.number().int().positive().nullish(), context_length: z.number().int().positive().nullish() }))
});
const UsageSchema = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() }).nullish();
const finish = z.string().nullish().transform((r): FinishReason => (r == null ? null : r === 'length' ? 'length' : r === 'abort' || r === 'error' ? r : 'stop'));
const base = { id: z.string().default('upstream'), created: z.number().default(() => Date.now() / 1000), model: z.string().default(''), usage: UsageSchema };
const UpstreamChatChunkSchema = z.object({
	...base,
	choices: z.array(z.object({ index: z.number().int().default(0), delta: z.object({ role: z.string().nullish(), content: z.string().nullish() }).default({}), finish_reason: finish })).default([])
});
const UpstreamCompletionChunkSchema = z.object({
	...base,
	choices: z.array(z.object({ index: z.number().int().default(0), text: z.string().nullish(), finish_reason: finish })).default([])
});

export async function loadOpenAIBackend(options: OpenAIBackendOptions): Promise<Backend> {
	const root = upstreamBase(options.upstream);
	const headers = { 'Content-Type': 'application/json', ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}) };
	const call = async (path: string, init: { method: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal }): Promise<Response> => {
		let res: Response;
		try {
			res = await fetch(root + path, { method: init.method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal: init.signal });
		} catch (err) {
			if (isAbortError(err)) throw new LumenError('aborted', 'Stopped.', true, { cause: err });
			throw new LumenError('unavailable', `The upstream server at ${root} is unreachable: ${(err as Error).message}`, true, { cause: err });
		}
		if (!res.ok) throw await upstreamError(res, root);
		return res;
	};

	const models = await discoverModels(() => call('/models', { method: 'GET', signal: AbortSignal.timeout(10_000) }), options);
	options.log?.(`openai: fronting ${root} with ${models.map((m) => m.id).join(', ')}`);

	async function* stream(path: string, body: object, signal: AbortSignal): AsyncGenerator<unknown> {
		const res = await call(path, { method: 'POST', body: { ...body, stream: true, stream_options: { include_usage: true } }, signal });
		if (!res.body) throw new LumenError('network', `The upstream server sent no body for ${path}.`, true);
		yield* parseSSE(res.body, signal);
	}

	return {
		kind: 'openai',
		models,
		speed: options.speed ?? 1,
		defaultConcurrency: 32,
		async *chat(request, signal): AsyncGenerator<ChatCompletionChunk> {
			for await (const raw of stream('/chat/completions', request, signal)) {
				const c = UpstreamChatChunkSchema.parse(raw);
				yield {
					id: c.id,
					object: 'chat.completion.chunk',
					created: Math.floor(c.created),
					model: c.model || request.model,
					choices: c.choices.map((ch) => ({
						index: ch.index,
						delta: { ...(ch.delta.role === 'assistant' ? { role: 'assistant' as const } : {}), ...(ch.delta.content != null ? { content: ch.delta.content } : {}) },
						finish_reason: ch.finish_reason
					})),
					...(c.usage ? { usage: c.usage } : {})
				};
			}
		},
		async *complete(request, signal): AsyncGenerator<CompletionChunk> {
			for await (const raw of stream('/completions', request, signal)) {
				const c = UpstreamCompletionChunkSchema.parse(raw);
				yield {
					id: c.id,
					object: 'text_completion',
					created: Math.floor(c.created),
					model: c.model || request.model,
					choices: c.choices.map((ch) => ({ index: ch.index, text: ch.text ?? '', finish_reason: ch.finish_reason })),
					...(c.usage ? { usage: c.usage } : {})
				};
			}
		},
		async embed(request, signal) {
			const res = await call('/embeddings', { method: 'POST', body: request, signal });
			const parsed = EmbeddingResponseSchema.safeParse(await res.json());
			if (!parsed.success) throw new LumenError('network', 'The upstream server answered /embeddings with an unexpected body.', true);
			return parsed.data;
		},
		close: async () => undefined
	};
}

async function discoverModels(list: () => Promise<Response>, options: OpenAIBackendOptions): Promise<WorkerModel[]> {
	const deadline = Date.now() + (options.waitMs ?? 60_000);
	for (let attempt = 0; ; attempt++) {
		try {
			const parsed = UpstreamModelsSchema.safeParse(await (await list()).json());
			if (!parsed.success) throw new LumenError('network', 'The upstream /v1/models answer is not an OpenAI model list.', false);
			if (parsed.data.data.length === 0) throw new LumenError('model_not_found', 'The upstream server lists no models.', true);
			return parsed.data.data.map((m) => ({
				id: m.id,
				context_length: m.max_model_len ?? m.context_length ?? undefined,
				// Forwarded as is: if the upstream cannot embed this model, its own error reaches the client.
				capabilities: ['chat', 'completions', 'embeddings']
			}));
		} catch (err) {
			const e = err instanceof LumenError ? err : new LumenError('network', String(err), true);
			if (!e.retryable || Date.now() >= deadline) throw e;
			if (attempt % 10 === 0) options.log?.(`openai: waiting for ${upstreamBase(options.upstream)} (${e.message})`);
			await new Promise((r) => setTimeout(r, 1000));
		}
	}
}

/** Upstreams report errors in several dialects: OpenAI's `{error: {message}}`, Ollama's `{error: "…"}`, vLLM's `{message}`. */
async function upstreamError(res: Response, root: string): Promise<LumenError> {
	const text = await res.text().catch(() => '');
	let message = text.slice(0, 300) || res.statusText;
	let code: string | undefined;
	try {
		const body = JSON.parse(text) as { error?: unknown; message?: unknown; code?: unknown };
		const inner = typeof body.error === 'object' && body.error !== null ? (body.error as { message?: unknown; code?: unknown }) : undefined;
		const m = inner?.message ?? body.error ?? body.message;
		if (typeof m === 'string') message = m;
		const c = inner?.code ?? body.code;
		if (typeof c === 'string') code = c;
	} catch {
		// not JSON: keep the text
	}
	if (res.status === 401 || res.status === 403)
		return new LumenError('network', `The upstream server at ${root} refused this worker's credentials (check --upstream-key): ${message}`, false);
	return openAIErrorToLumen({ error: { message, code } }, res.status);
}
