// Streams an OpenAI chat completion from a Transformers.js causal LM, in a browser worker or in Node.
// Invariants: every yielded item is an OpenAI chunk; the last one carries finish_reason and usage;
// aborting the signal stops generation at the next decode step and ends the stream with finish 'abort';
// a prompt that fills the model's context fails before the first chunk with context_length_exceeded.
import type { ChatCompletionChunk, ChatCompletionRequest } from '#protocol/openai';
import { chatChunks } from './choice-chunks';
import { streamChoices } from './choices';
import { contextLengthOf, promptIds, usablePrompt } from './context-window';
import { settingsFrom, type LoadedTextModel } from './transformers-generate';

export type { LoadedTextModel, TransformersModule } from './transformers-generate';

let counter = 0;
function completionId(): string {
	counter += 1;
	return `chatcmpl-${Date.now().toString(36)}${counter.toString(36)}`;
}

/** The chat's prompt tokens, checked against the model's context (throws the 400 when it does not fit). */
export function chatPromptIds(loaded: LoadedTextModel, request: Pick<ChatCompletionRequest, 'messages'>): number[] {
	return promptIds(loaded.tokenizer, { messages: request.messages }, contextLengthOf(loaded.model, loaded.tokenizer));
}

/** `prompt` skips tokenizing again when the caller already ran chatPromptIds on this request. */
export async function* streamChat(
	loaded: LoadedTextModel,
	request: ChatCompletionRequest,
	signal?: AbortSignal,
	prompt?: number[]
): AsyncGenerator<ChatCompletionChunk> {
	const id = completionId();
	const modelName = request.model || loaded.modelId;
	const ids = prompt ? usablePrompt(prompt, contextLengthOf(loaded.model, loaded.tokenizer)) : chatPromptIds(loaded, request);
	yield* answerChunks(loaded, request, ids, id, modelName, signal);
}

/** n answers, with log-probabilities when asked (OpenAI's `logprobs` and `top_logprobs`). */
function answerChunks(loaded: LoadedTextModel, request: ChatCompletionRequest, ids: number[], id: string, model: string, signal?: AbortSignal) {
	const settings = settingsFrom(request, loaded, request.logprobs ? (request.top_logprobs ?? 0) : undefined);
	return chatChunks(streamChoices(loaded, ids, settings, signal), id, model, loaded.tokenizer, request.logprobs === true);
}
