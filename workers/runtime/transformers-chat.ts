// Streams an OpenAI chat completion from a Transformers.js causal LM, in a browser worker or in Node.
// Invariants: every yielded item is an OpenAI chunk; the last one carries finish_reason and usage;
// aborting the signal stops generation at the next decode step and ends the stream with finish 'abort';
// a prompt that fills the model's context fails before the first chunk with context_length_exceeded.
import { paramError } from '#protocol/errors';
import { makeChunk, type ChatCompletionChunk, type ChatCompletionRequest } from '#protocol/openai';
import { chatChunks } from './choice-chunks';
import { streamChoices } from './choices';
import { contextLengthOf, promptIds, usablePrompt } from './context-window';
import { chatFormat, toolPlan, type ChatFormat, type ChatPromptInput, type ToolPlan } from './transformers-chat-prompt';
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
	const settings = withFormatStops(settingsFrom(request, loaded, request.logprobs ? (request.top_logprobs ?? 0) : undefined), format);
	if (tools) yield* toolAnswer(loaded, request, ids, settings, tools, id, modelName, signal);
	// n answers, with log-probabilities when asked (OpenAI's `logprobs` and `top_logprobs`).
	else yield* chatChunks(streamChoices(loaded, ids, settings, signal), id, modelName, loaded.tokenizer, request.logprobs === true);
}

/**
 * One answer with tools offered: its text is read for tool calls as it streams. One answer at a time
 * and no log-probabilities here (a call is sent whole, so token entries would not line up with deltas).
 */
async function* toolAnswer(
	loaded: LoadedTextModel,
	request: ChatCompletionRequest,
	ids: number[],
	settings: GenerationSettings,
	tools: ToolPlan,
	id: string,
	modelName: string,
	signal?: AbortSignal
): AsyncGenerator<ChatCompletionChunk> {
	if ((request.n ?? 1) > 1) throw paramError('n', "With 'tools', this model's backend gives one answer per request: send n: 1 and repeat the request for more.");
	if (request.logprobs) throw paramError('logprobs', "With 'tools', this model's backend does not report log-probabilities: leave 'logprobs' out, or the tools.");
	yield makeChunk(id, modelName, { role: 'assistant', content: '' });
	// Generation also ends once no more calls are wanted (parallel_tool_calls: false).
	const enough = new AbortController();
	const events = streamGeneration(loaded, ids, settings, signal ? AbortSignal.any([signal, enough.signal]) : enough.signal);
	const chunk: MakeChunk = (delta, finish, usage) => {
		const made = makeChunk(id, modelName, {}, finish, usage);
		made.choices[0].delta = delta;
		return made;
	};
	yield* toolCallChunks(events, tools, chunk, () => enough.abort());
}

/** The template's own stop strings join the request's (a format's turn separator ends the answer). */
function withFormatStops(settings: GenerationSettings, format: ChatFormat): GenerationSettings {
	return format.stops.length ? { ...settings, stops: [...settings.stops, ...format.stops] } : settings;
}
