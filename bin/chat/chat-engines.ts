// Where `lumen chat` gets its tokens: a coordinator's /v1/chat/completions (fetch + SSE), or the onnx
// backend in this process (offline, our test models). Both speak OpenAI chunks and take an AbortSignal.
import { LumenError, isAbortError } from '#protocol/errors';
import { z } from 'zod';
import { ModelListSchema, makeChunk, type ChatCompletionChunk, type ChatCompletionRequest, type FinishReason } from '#protocol/openai';
import { OpenAIErrorBodySchema, openAIErrorToLumen } from '#protocol/openai-errors';
import { parseSSE } from '#protocol/sse';
import { loadOnnxBackend } from '../../workers/native/onnx-backend';
import { modelToLoad } from '../catalog';

export interface ChatEngine {
	readonly model: string;
	chat(request: Omit<ChatCompletionRequest, 'model'>, signal: AbortSignal): AsyncIterable<ChatCompletionChunk>;
	close(): Promise<void>;
}

/** `http://host:8000` and `http://host:8000/v1` both mean the API at `/v1`. */
export function apiBase(url: string): string {
	const trimmed = url.replace(/\/+$/, '');
	return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}

export async function remoteRequest(base: string, path: string, apiKey: string | undefined, init: { body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
	let res: Response;
	try {
		res = await fetch(base + path, {
			method: init.body === undefined ? 'GET' : 'POST',
			headers: { 'Content-Type': 'application/json', ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}) },
			body: init.body === undefined ? undefined : JSON.stringify(init.body),
			signal: init.signal
		});
	} catch (err) {
		if (isAbortError(err)) throw new LumenError('aborted', 'Stopped.', true, { cause: err });
		throw new LumenError('network', `Cannot reach ${base}: ${(err as Error).message}. Is the coordinator running?`, true, { cause: err });
	}
	if (res.ok) return res;
	const body = OpenAIErrorBodySchema.safeParse(await res.json().catch(() => null));
	throw body.success ? openAIErrorToLumen(body.data, res.status) : new LumenError('network', `${base}${path} answered ${res.status}`, res.status >= 500);
}

export async function listRemoteModels(url: string, apiKey?: string): Promise<string[]> {
	const res = await remoteRequest(apiBase(url), '/models', apiKey);
	return ModelListSchema.parse(await res.json()).data.map((m) => m.id);
}

// Servers behind a coordinator (vLLM, Ollama, …) send `content: null` and other finish reasons: read leniently.
const LooseChunkSchema = z.object({
	id: z.string().default('chatcmpl'),
	choices: z
		.array(
			z.object({
				delta: z.object({ content: z.string().nullish() }).default({}),
				finish_reason: z
					.string()
					.nullish()
					.transform((r): FinishReason => (r == null ? null : r === 'length' || r === 'abort' || r === 'error' ? r : 'stop'))
			})
		)
		.default([])
});

export async function remoteEngine(url: string, apiKey: string | undefined, model: string | undefined): Promise<ChatEngine> {
	const base = apiBase(url);
	const chosen = model ?? (await listRemoteModels(url, apiKey))[0];
	if (!chosen) throw new LumenError('model_not_found', `${base} serves no models yet. Start a worker, or pass --model.`, true);
	return {
		model: chosen,
		async *chat(request, signal) {
			const res = await remoteRequest(base, '/chat/completions', apiKey, { body: { ...request, model: chosen, stream: true }, signal });
			for await (const data of parseSSE(res.body!, signal)) {
				const chunk = LooseChunkSchema.parse(data);
				const choice = chunk.choices[0];
				if (choice) yield makeChunk(chunk.id, chosen, { content: choice.delta.content ?? undefined }, choice.finish_reason);
			}
		},
		close: async () => undefined
	};
}

export async function localEngine(model: string, threads?: number): Promise<ChatEngine> {
	const { model: toLoad, dtype } = modelToLoad(model);
	// speed is only reported to coordinators; skipping the measuring warm-up makes start-up faster.
	const backend = await loadOnnxBackend({ model: toLoad, dtype, threads, speed: 1 });
	const served = backend.models[0].id;
	return {
		model: served,
		chat: (request, signal) => backend.chat({ ...request, model: served }, signal),
		close: () => backend.close()
	};
}
