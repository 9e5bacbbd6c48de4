// Raw-prompt text completion (OpenAI /v1/completions) from a Transformers.js causal LM: no chat template.
// Same contract as streamChat: the last chunk carries finish_reason and usage; aborting stops at the next
// step; a prompt that fills the model's context fails before the first chunk with context_length_exceeded.
import type { CompletionChunk, CompletionRequest, FinishReason, Usage } from '#protocol/openai';
import { contextLengthOf, promptIds, usablePrompt } from './context-window';
import { settingsFrom, streamGeneration, type LoadedTextModel } from './transformers-generate';

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
): AsyncGenerator<CompletionChunk> {
	counter += 1;
	const id = `cmpl-${Date.now().toString(36)}${counter.toString(36)}`;
	const model = request.model || loaded.modelId;
	const ids = prompt ? usablePrompt(prompt, contextLengthOf(loaded.model, loaded.tokenizer)) : completionPromptIds(loaded, request);
	const chunk = (text: string, finish: FinishReason, usage?: Usage): CompletionChunk => ({
		id,
		object: 'text_completion',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [{ index: 0, text, finish_reason: finish }],
		...(usage ? { usage } : {})
	});
	for await (const event of streamGeneration(loaded, ids, settingsFrom(request, loaded), signal)) {
		if (event.type === 'delta') yield chunk(event.text, null);
		else yield chunk('', event.finish, event.usage);
	}
}
