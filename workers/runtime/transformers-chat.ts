// Streams an OpenAI chat completion from a Transformers.js causal LM, in a browser worker or in Node.
// Invariants: every yielded item is an OpenAI chunk; the last one carries finish_reason and usage;
// aborting the signal stops generation at the next decode step and ends the stream with finish 'abort';
// a prompt that fills the model's context fails before the first chunk with context_length_exceeded.
import { makeChunk, type ChatCompletionChunk, type ChatCompletionRequest } from '#protocol/openai';
import { contextLengthOf, promptIds, usablePrompt } from './context-window';
import { chatFormat, toolPlan, type ChatFormat, type ChatPromptInput } from './transformers-chat-prompt';
import { settingsFrom, streamGeneration, type GenerationSettings, type LoadedTextModel } from './transformers-generate';
import { toolCallChunks, type MakeChunk } from './tool-calls-stream';

export type { LoadedTextModel, TransformersModule } from './transformers-generate';

let counter = 0;
function completionId(): string {
	counter += 1;
	return `chatcmpl-${Date.now().toString(36)}${counter.toString(36)}`;
}

/**
 * The chat's prompt tokens, checked against the model's context (throws the 400 when it does not fit).
 * `format` is how this model formats chats (default: its own chat template, or the one its id matches).
 */
export function chatPromptIds(loaded: LoadedTextModel, request: ChatPromptInput, format: ChatFormat = chatFormat(loaded)): number[] {
	const { messages, tools, tool_choice, parallel_tool_calls } = request;
	return promptIds(loaded.tokenizer, { messages, tools, tool_choice, parallel_tool_calls }, contextLengthOf(loaded.model, loaded.tokenizer), format);
}

/** `prompt` skips tokenizing again when the caller already ran chatPromptIds on this request (with this format). */
export async function* streamChat(
	loaded: LoadedTextModel,
	request: ChatCompletionRequest,
	signal?: AbortSignal,
	prompt?: number[],
	format: ChatFormat = chatFormat(loaded)
): AsyncGenerator<ChatCompletionChunk> {
	const id = completionId();
	const modelName = request.model || loaded.modelId;
	const tools = toolPlan(format, request);
	const ids = prompt ? usablePrompt(prompt, contextLengthOf(loaded.model, loaded.tokenizer)) : chatPromptIds(loaded, request, format);
	const settings = withFormatStops(settingsFrom(request, loaded), format);
	yield makeChunk(id, modelName, { role: 'assistant', content: '' });
	if (tools) {
		// Generation also ends once no more calls are wanted (parallel_tool_calls: false).
		const enough = new AbortController();
		const events = streamGeneration(loaded, ids, settings, signal ? AbortSignal.any([signal, enough.signal]) : enough.signal);
		const chunk: MakeChunk = (delta, finish, usage) => {
			const made = makeChunk(id, modelName, {}, finish, usage);
			made.choices[0].delta = delta;
			return made;
		};
		yield* toolCallChunks(events, tools, chunk, () => enough.abort());
		return;
	}
	for await (const event of streamGeneration(loaded, ids, settings, signal)) {
		if (event.type === 'delta') yield makeChunk(id, modelName, { content: event.text });
		else yield makeChunk(id, modelName, {}, event.finish, event.usage);
	}
}

/** The template's own stop strings join the request's (a format's turn separator ends the answer). */
function withFormatStops(settings: GenerationSettings, format: ChatFormat): GenerationSettings {
	return format.stops.length ? { ...settings, stops: [...settings.stops, ...format.stops] } : settings;
}
