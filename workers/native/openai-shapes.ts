// Pure transforms from a backend's chunk stream to what an OpenAI client asked for: streamed chunks
// with usage only in a final `choices: []` chunk (stream_options.include_usage), or one folded response.
import type {
	ChatCompletion,
	ChatCompletionChunk,
	CompletionChunk,
	FinishReason,
	Usage
} from '#protocol/openai';

type AnyChunk = ChatCompletionChunk | CompletionChunk;

/**
 * Backends may put usage on the finish chunk or on a trailing chunk with no choices; OpenAI clients
 * expect it (only when asked) in one last chunk with `choices: []`, and `usage: null` before it.
 */
export async function* shapeStream<T extends AnyChunk>(chunks: AsyncIterable<T>, includeUsage: boolean): AsyncGenerator<T> {
	let usage: Usage | undefined;
	let last: T | undefined;
	for await (const chunk of chunks) {
		if (chunk.usage) usage = chunk.usage;
		last = chunk;
		if (chunk.choices.length === 0) continue;
		const { usage: _drop, ...rest } = chunk;
		yield (includeUsage ? { ...rest, usage: null } : rest) as T;
	}
	if (includeUsage && usage && last) yield { ...last, choices: [], usage } as T;
}

export type TextCompletion = {
	id: string;
	object: 'text_completion';
	created: number;
	model: string;
	choices: { index: number; text: string; finish_reason: FinishReason; logprobs: null }[];
	usage?: Usage;
};

/** Folds a chat stream into one non-streamed chat.completion. */
export async function foldChat(chunks: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletion> {
	let head: ChatCompletionChunk | undefined;
	let content = '';
	let finish: FinishReason = null;
	let usage: Usage | undefined;
	for await (const chunk of chunks) {
		head ??= chunk;
		for (const c of chunk.choices) {
			content += c.delta.content ?? '';
			finish = c.finish_reason ?? finish;
		}
		if (chunk.usage) usage = chunk.usage;
	}
	return {
		id: head?.id ?? 'chatcmpl-empty',
		object: 'chat.completion',
		created: head?.created ?? Math.floor(Date.now() / 1000),
		model: head?.model ?? '',
		choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish ?? 'stop' }],
		...(usage ? { usage } : {})
	};
}

/** Folds a text-completion stream into one non-streamed text_completion. */
export async function foldCompletion(chunks: AsyncIterable<CompletionChunk>): Promise<TextCompletion> {
	let head: CompletionChunk | undefined;
	let text = '';
	let finish: FinishReason = null;
	let usage: Usage | undefined;
	for await (const chunk of chunks) {
		head ??= chunk;
		for (const c of chunk.choices) {
			text += c.text;
			finish = c.finish_reason ?? finish;
		}
		if (chunk.usage) usage = chunk.usage;
	}
	return {
		id: head?.id ?? 'cmpl-empty',
		object: 'text_completion',
		created: head?.created ?? Math.floor(Date.now() / 1000),
		model: head?.model ?? '',
		choices: [{ index: 0, text, finish_reason: finish ?? 'stop', logprobs: null }],
		...(usage ? { usage } : {})
	};
}
