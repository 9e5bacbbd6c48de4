// An Engine over a coordinator's (or one native worker's) OpenAI API, through the one OpenAI client.
// Invariant: every failure reaches the caller as a LumenError; text already yielded stays yielded.
import type { CatalogModel } from '$lib/catalog/catalog';
import { LumenError } from '$lib/protocol/errors';
import { EmbeddingResponseSchema, type EmbeddingResponse } from '$lib/protocol/embeddings';
import type { ChatCompletionChunk, ChatCompletionRequest, EmbeddingRequest } from '$lib/protocol/openai';
import { OpenAIClient } from '$lib/protocol/openai-client';
import type { LoadResult } from '$lib/protocol/worker-api';
import { listRemoteModels, type RemoteModel } from './remote-models';
import type { ChatOptions, EmbedOptions, Engine, LoadOptions } from './types';

export type RemoteConfig = { url: string; apiKey?: string };

export class RemoteEngine implements Engine {
	readonly kind = 'remote' as const;
	/** The server root, whether Settings holds it with or without `/v1`. */
	readonly baseUrl: string;
	private readonly client: OpenAIClient;
	private modelId: string | null = null;

	constructor(config: RemoteConfig) {
		this.client = new OpenAIClient({ url: config.url, apiKey: config.apiKey, keyHint: 'Check the API key in Settings.' });
		this.baseUrl = this.client.root;
	}

	/** The models the server lists at /v1/models, with whether each can see images. */
	async listModels(signal?: AbortSignal): Promise<RemoteModel[]> {
		return listRemoteModels(this.client, { signal });
	}

	async load(model: CatalogModel, options: LoadOptions = {}): Promise<LoadResult> {
		const started = performance.now();
		const ids = (await this.listModels(options.signal)).map((m) => m.id);
		if (!ids.includes(model.id)) {
			const listed = ids.length ? `It serves: ${ids.join(', ')}.` : 'It serves no models right now (no worker registered?).';
			throw new LumenError('model_not_found', `The server at ${this.baseUrl} does not serve ${model.id}. ${listed}`, true);
		}
		this.modelId = model.id;
		return { modelId: model.id, device: 'wasm', dtype: model.defaultDtype, networkBytes: 0, cachedBytes: 0, loadMs: performance.now() - started };
	}

	chat(request: ChatCompletionRequest, options: ChatOptions = {}): AsyncGenerator<ChatCompletionChunk> {
		return this.client.streamChat(request, { signal: options.signal });
	}

	/** POST /v1/embeddings; the server's refusal (a chat-only model, a too long input) arrives as its LumenError. */
	embed(request: EmbeddingRequest, options: EmbedOptions = {}): Promise<EmbeddingResponse> {
		return this.client.postJSON('/v1/embeddings', request, EmbeddingResponseSchema, { signal: options.signal });
	}

	async unload(): Promise<void> {
		this.modelId = null;
	}

	get loadedModel(): string | null {
		return this.modelId;
	}
}
