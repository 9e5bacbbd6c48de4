// Raw-prompt text completion (OpenAI /v1/completions) from a Transformers.js causal LM: no chat template.
// Same contract as streamChat: the last chunk carries finish_reason and usage; aborting stops at the next step.
import type { CompletionChunk, CompletionRequest, FinishReason, Usage } from '#protocol/openai';
import { settingsFrom, streamGeneration, type Inputs, type LoadedTextModel } from './transformers-generate';

let counter = 0;

/** OpenAI text completion chunks for a raw prompt, tokenized as is (the tokenizer's own special-token rules apply). */
export async function* streamCompletion(
	loaded: LoadedTextModel,
	request: CompletionRequest,
	signal?: AbortSignal
): AsyncGenerator<CompletionChunk> {
	counter += 1;
	const id = `cmpl-${Date.now().toString(36)}${counter.toString(36)}`;
	const model = request.model || loaded.modelId;
	const prompt = Array.isArray(request.prompt) ? request.prompt[0] : request.prompt;
	const inputs = loaded.tokenizer(prompt, { return_tensor: true }) as unknown as Inputs;
	const chunk = (text: string, finish: FinishReason, usage?: Usage): CompletionChunk => ({
		id,
		object: 'text_completion',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [{ index: 0, text, finish_reason: finish }],
		...(usage ? { usage } : {})
	});
	for await (const event of streamGeneration(loaded, inputs, settingsFrom(request, loaded), signal)) {
		if (event.type === 'delta') yield chunk(event.text, null);
		else yield chunk('', event.finish, event.usage);
	}
}
