// An Engine over a coordinator's (or one native worker's) OpenAI API: fetch + SSE, chunks validated.
// Invariant: every failure reaches the caller as a LumenError; text already yielded stays yielded.
import type { CatalogModel } from '$lib/catalog/catalog';
import { LumenError, isAbortError } from '$lib/protocol/errors';
import { ChatCompletionChunkSchema, ModelListSchema, type ChatCompletionChunk, type ChatCompletionRequest } from '$lib/protocol/openai';
import { OpenAIErrorBodySchema, openAIErrorToLumen } from '$lib/protocol/openai-errors';
import { parseSSE } from '$lib/protocol/sse';
import type { LoadResult } from '$lib/protocol/worker-api';
import type { ChatOptions, Engine, LoadOptions } from './types';

export type RemoteConfig = { url: string; apiKey?: string };

/** Accepts a coordinator root or an OpenAI base URL ending in /v1; returns the root without a slash. */
export function normalizeBaseUrl(url: string): string {
	return url.trim().replace(/\/+$/, '').replace(/\/v1$/, '');
}

export class RemoteEngine implements Engine {
	readonly kind = 'remote' as const;
	readonly baseUrl: string;
	private modelId: string | null = null;

	constructor(private readonly config: RemoteConfig) {
		this.baseUrl = normalizeBaseUrl(config.url);
	}

	private headers(json = false): Record<string, string> {
		const h: Record<string, string> = {};
		if (this.config.apiKey) h.Authorization = `Bearer ${this.config.apiKey}`;
		if (json) h['Content-Type'] = 'application/json';
		return h;
	}

	private async request(path: string, init: RequestInit): Promise<Response> {
		let res: Response;
		try {
			res = await fetch(`${this.baseUrl}${path}`, init);
		} catch (err) {
			if (init.signal?.aborted || isAbortError(err)) throw new LumenError('aborted', 'Stopped.', true, { cause: err });
			throw new LumenError('network', `Could not reach the server at ${this.baseUrl}. Check the URL and that it is running.`, true, { cause: err });
		}
		if (res.ok) return res;
		throw await httpError(res, this.baseUrl);
	}

	/** The model ids the server lists at /v1/models. */
	async listModels(signal?: AbortSignal): Promise<string[]> {
		const res = await this.request('/v1/models', { headers: this.headers(), signal });
		const parsed = ModelListSchema.safeParse(await res.json().catch(() => null));
		if (!parsed.success) throw new LumenError('internal', `${this.baseUrl} answered /v1/models with something that is not an OpenAI model list.`);
		return parsed.data.data.map((m) => m.id);
	}

	async load(model: CatalogModel, options: LoadOptions = {}): Promise<LoadResult> {
		const started = performance.now();
		const ids = await this.listModels(options.signal);
		if (!ids.includes(model.id)) {
			const listed = ids.length ? `It serves: ${ids.join(', ')}.` : 'It serves no models right now (no worker registered?).';
			throw new LumenError('model_not_found', `The server at ${this.baseUrl} does not serve ${model.id}. ${listed}`, true);
		}
		this.modelId = model.id;
		return { modelId: model.id, device: 'wasm', dtype: model.defaultDtype, networkBytes: 0, cachedBytes: 0, loadMs: performance.now() - started };
	}

	async *chat(request: ChatCompletionRequest, options: ChatOptions = {}): AsyncGenerator<ChatCompletionChunk> {
		const body = { ...request, stream: true, stream_options: { include_usage: true } };
		const res = await this.request('/v1/chat/completions', {
			method: 'POST',
			headers: this.headers(true),
			body: JSON.stringify(body),
			signal: options.signal
		});
		if (!res.body) throw new LumenError('network', 'The server answered without a body.', true);
		for await (const data of parseSSE(res.body, options.signal)) {
			const chunk = ChatCompletionChunkSchema.safeParse(data);
			if (!chunk.success) throw new LumenError('internal', 'The server sent a chunk that is not an OpenAI chat-completion chunk.', false);
			yield chunk.data;
		}
	}

	async unload(): Promise<void> {
		this.modelId = null;
	}

	get loadedModel(): string | null {
		return this.modelId;
	}
}

async function httpError(res: Response, base: string): Promise<LumenError> {
	const body: unknown = await res.json().catch(() => null);
	const parsed = OpenAIErrorBodySchema.safeParse(body);
	if (res.status === 401 || res.status === 403) {
		const detail = parsed.success ? ` (${parsed.data.error.message})` : '';
		return new LumenError('unauthorized', `The server at ${base} refused the API key${detail}. Check the API key in Settings.`, false);
	}
	if (parsed.success) return openAIErrorToLumen(parsed.data, res.status);
	return openAIErrorToLumen({ error: { message: `The server at ${base} answered HTTP ${res.status}.` } }, res.status);
}
