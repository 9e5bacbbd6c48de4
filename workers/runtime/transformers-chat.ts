// Streams an OpenAI chat completion from a Transformers.js causal LM, in a browser worker or in Node.
// Invariants: every yielded item is an OpenAI chunk; the last one carries finish_reason and usage;
// aborting the signal stops generation at the next decode step and ends the stream with finish 'abort'.
import type * as TF from '@huggingface/transformers';
import { makeChunk, type ChatCompletionChunk, type ChatCompletionRequest } from '#protocol/openai';
import { settingsFrom, streamGeneration, type Inputs, type LoadedTextModel } from './transformers-generate';

export type { LoadedTextModel, TransformersModule } from './transformers-generate';

let counter = 0;
function completionId(): string {
	counter += 1;
	return `chatcmpl-${Date.now().toString(36)}${counter.toString(36)}`;
}

export async function* streamChat(
	loaded: LoadedTextModel,
	request: ChatCompletionRequest,
	signal?: AbortSignal
): AsyncGenerator<ChatCompletionChunk> {
	const id = completionId();
	const modelName = request.model || loaded.modelId;
	yield makeChunk(id, modelName, { role: 'assistant', content: '' });
	const inputs = loaded.tokenizer.apply_chat_template(request.messages, {
		add_generation_prompt: true,
		return_dict: true
	}) as unknown as Inputs & Record<string, TF.Tensor>;
	for await (const event of streamGeneration(loaded, inputs, settingsFrom(request, loaded), signal)) {
		if (event.type === 'delta') yield makeChunk(id, modelName, { content: event.text });
		else yield makeChunk(id, modelName, {}, event.finish, event.usage);
	}
}
