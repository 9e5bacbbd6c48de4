// The Engine: one interface for every token source (this tab's GPU or CPU, or a coordinator).
// Pages talk only to this; where the tokens come from is the router's business.
import type { ChatCompletionChunk, ChatCompletionRequest, EmbeddingRequest } from '$lib/protocol/openai';
import type { EmbeddingResponse } from '$lib/protocol/embeddings';
import type { ChatFormatChoice, LoadProgress, LoadResult } from '$lib/protocol/worker-api';
import type { CatalogModel } from '$lib/catalog/catalog';

export type LoadOptions = { onProgress?: (p: LoadProgress) => void; signal?: AbortSignal };
export type ChatOptions = {
	signal?: AbortSignal;
	/** The chat template and system override for engines that format prompts here (the Transformers.js worker). */
	format?: ChatFormatChoice;
};
export type EmbedOptions = { signal?: AbortSignal };

export interface Engine {
	readonly kind: 'worker' | 'remote' | 'scripted';
	load(model: CatalogModel, options?: LoadOptions): Promise<LoadResult>;
	chat(request: ChatCompletionRequest, options?: ChatOptions): AsyncIterable<ChatCompletionChunk>;
	/** OpenAI embeddings of `request.input` from the loaded model; an engine or model without them rejects with a LumenError saying so. */
	embed(request: EmbeddingRequest, options?: EmbedOptions): Promise<EmbeddingResponse>;
	unload(): Promise<void>;
}
