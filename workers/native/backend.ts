// The contract every native-worker backend implements: OpenAI chunks in, OpenAI chunks out.
// Backend-specific types (Transformers.js tensors, an upstream's quirks) never leave an adapter.
import type { WorkerModel } from '#protocol/coordinator';
import type {
	ChatCompletionChunk,
	ChatCompletionRequest,
	CompletionChunk,
	CompletionRequest,
	EmbeddingRequest
} from '#protocol/openai';
import type { EmbeddingResponse } from '#protocol/embeddings';
import type { PromptInput } from '../runtime/context-window';

export const BackendKinds = ['onnx', 'openai'] as const;
export type BackendKind = (typeof BackendKinds)[number];

export { EmbeddingResponseSchema, type EmbeddingResponse } from '#protocol/embeddings';

/** What to count: the messages of a chat (chat template included) or a raw completion prompt. */
export type TokenCountInput = { model: string } & PromptInput;

/**
 * A prompt's size in the model's tokens. `exact: false`: the prompt was too long to be worth tokenizing
 * and `count` is a lower bound that already exceeds the context. `context_length` is null when unknown.
 */
export type TokenCount = { count: number; exact: boolean; context_length: number | null };

export interface Backend {
	readonly kind: BackendKind;
	/** What the worker registers and lists on /v1/models. */
	readonly models: WorkerModel[];
	/** Relative throughput reported to the coordinator (tokens/s where measured). */
	readonly speed: number;
	/** A sensible max_concurrency when the operator names none. */
	readonly defaultConcurrency: number;
	/**
	 * Streams a chat answer. The last chunk carries finish_reason; usage may ride on it or on a
	 * later chunk with no choices (the HTTP layer reshapes both to what the client asked for).
	 */
	chat(request: ChatCompletionRequest, signal: AbortSignal): AsyncIterable<ChatCompletionChunk>;
	complete(request: CompletionRequest, signal: AbortSignal): AsyncIterable<CompletionChunk>;
	/**
	 * Counts prompt tokens with the model's own tokenizer. The HTTP layer calls it at admission, before
	 * the queue, with the very request object it then passes to chat/complete (so a backend may keep the
	 * token ids for it). Absent when the backend has no tokenizer (an upstream counts for itself).
	 */
	countTokens?(input: TokenCountInput): Promise<TokenCount>;
	/** Absent when the backend offers no embeddings. */
	embed?(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResponse>;
	close(): Promise<void>;
}
