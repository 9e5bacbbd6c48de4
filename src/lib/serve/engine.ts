// What a tab (or a Node process) must offer to serve a model as a browser worker: the same three calls a
// native worker's backend makes (OpenAI requests in, OpenAI chunks out, an AbortSignal to stop), so the
// Transformers.js runtime in workers/runtime plugs in directly (see workers/runtime/serve-engine.ts).
import type { WorkerModel } from '../protocol/coordinator';
import type { EmbeddingResponse } from '../protocol/embeddings';
import type { ChatCompletionChunk, ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from '../protocol/openai';
import type { LegacyLogprobsSchema, RequestKind } from '../protocol/browser-worker';
import type { CompletionChunk } from '../protocol/openai';
import type { z } from 'zod';

/** A text_completion chunk whose choices may carry OpenAI's legacy log-probabilities. */
export type ServedCompletionChunk = Omit<CompletionChunk, 'choices'> & {
	choices: (CompletionChunk['choices'][number] & { logprobs?: z.infer<typeof LegacyLogprobsSchema> | null })[];
};

export interface ServeEngine {
	/** What the tab registers: its model(s), with context length and capabilities (`chat`, `completions`, `embeddings`). */
	readonly models: readonly WorkerModel[];
	/**
	 * Streams a chat answer. The last chunk with choices carries finish_reason; usage rides on it or on a
	 * trailing chunk with no choices. Aborting `signal` stops generation at the next step. Errors are thrown
	 * as LumenError (or LumenErrorData), e.g. `context_length_exceeded` before the first chunk.
	 */
	chat(request: ChatCompletionRequest, signal: AbortSignal): AsyncIterable<ChatCompletionChunk>;
	/** Raw-prompt completions; absent when the engine offers none. */
	complete?(request: CompletionRequest, signal: AbortSignal): AsyncIterable<ServedCompletionChunk>;
	/** Absent when the engine offers no embeddings. */
	embed?(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResponse>;
	/**
	 * Refuses, before the request waits in the queue, a request the engine would not answer faithfully
	 * (a parameter it cannot honour): throws a LumenError naming the field in `param`. Absent: no check.
	 */
	check?(kind: RequestKind, body: Record<string, unknown>): void;
}
