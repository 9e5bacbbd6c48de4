// Raw-prompt text completion (OpenAI /v1/completions) from a Transformers.js causal LM: no chat template.
// Same contract as streamChat: the last chunk carries finish_reason and usage; aborting stops at the next
// step; a prompt that fills the model's context fails before the first chunk with context_length_exceeded.
// `echo` sends the prompt as each answer's first chunk; integer `logprobs` gives the legacy shape.
import { paramError } from '#protocol/errors';
import type { CompletionRequest } from '#protocol/openai';
import { completionChunks, type TextCompletionChunk } from './choice-chunks';
import { streamChoices } from './choices';
import { completionText, contextLengthOf, promptIds, usablePrompt } from './context-window';
import { settingsFrom, type LoadedTextModel } from './transformers-generate';

let counter = 0;

/** The prompt's tokens (the tokenizer's own special-token rules apply), checked against the context. */
export function completionPromptIds(loaded: LoadedTextModel, request: Pick<CompletionRequest, 'prompt'>): number[] {
	return promptIds(loaded.tokenizer, { prompt: request.prompt }, contextLengthOf(loaded.model, loaded.tokenizer));
}

/** OpenAI text completion chunks for a raw prompt; `prompt` skips tokenizing again (see completionPromptIds). */
export async function* streamCompletion(
	loaded: LoadedTextModel,
	request: CompletionRequest,
	signal?: AbortSignal,
	prompt?: number[]
): AsyncGenerator<TextCompletionChunk> {
	const logprobs = request.logprobs ?? undefined;
	// The prompt's own log-probabilities would take a forward pass holding logits for every prompt
	// position (prompt length x vocabulary floats): refused rather than answered without them.
	if (request.echo && logprobs !== undefined)
		throw paramError('logprobs', "'logprobs' together with 'echo' is not supported by this model's backend: it cannot score the prompt. Send one or the other.");
	counter += 1;
	const id = `cmpl-${Date.now().toString(36)}${counter.toString(36)}`;
	const model = request.model || loaded.modelId;
	const ids = prompt ? usablePrompt(prompt, contextLengthOf(loaded.model, loaded.tokenizer)) : completionPromptIds(loaded, request);
	const text = completionText(request.prompt);
	const events = streamChoices(loaded, ids, settingsFrom(request, loaded, logprobs), signal);
	yield* completionChunks(events, id, model, loaded.tokenizer, { logprobs: logprobs !== undefined, echo: request.echo ? text : undefined, promptChars: text.length });
}
