// Pure transforms from a backend's chunk stream to what an OpenAI client asked for: streamed chunks
// with usage only in a final `choices: []` chunk (stream_options.include_usage), or one folded response.
import type {
	ChatCompletion,
	ChatCompletionChunk,
	CompletionChunk,
	FinishReason,
	TokenLogprob,
	ToolCall,
	Usage
} from '#protocol/openai';
import type { LegacyLogprobs, TextCompletionChunk } from '../runtime/choice-chunks';

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
	choices: { index: number; text: string; finish_reason: FinishReason; logprobs: LegacyLogprobs | null }[];
	usage?: Usage;
};

/** One slot per choice index, created on first sight; returned in index order. */
function slots<T>(make: (index: number) => T) {
	const byIndex = new Map<number, T>();
	return {
		at: (index: number) => byIndex.get(index) ?? byIndex.set(index, make(index)).get(index)!,
		all: () => [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, v]) => v)
	};
}

/** Folds a chat stream into one non-streamed chat.completion, a choice per index (n answers). */
export async function foldChat(chunks: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletion> {
	let head: ChatCompletionChunk | undefined;
	let usage: Usage | undefined;
	const choices = slots((index) => ({ index, content: '', finish: null as FinishReason, logprobs: null as TokenLogprob[] | null, calls: [] as ToolCall[] }));
	for await (const chunk of chunks) {
		head ??= chunk;
		for (const c of chunk.choices) {
			const choice = choices.at(c.index);
			choice.content += c.delta.content ?? '';
			choice.finish = c.finish_reason ?? choice.finish;
			if (c.logprobs?.content) (choice.logprobs ??= []).push(...c.logprobs.content);
			// A call's first delta brings its id and name; later deltas at the same index add arguments.
			for (const d of c.delta.tool_calls ?? []) {
				const call = (choice.calls[d.index] ??= { id: d.id ?? '', type: 'function', function: { name: '', arguments: '' } });
				if (d.id) call.id = d.id;
				call.function.name += d.function?.name ?? '';
				call.function.arguments += d.function?.arguments ?? '';
			}
		}
		if (chunk.usage) usage = chunk.usage;
	}
	const folded = choices.all();
	return {
		id: head?.id ?? 'chatcmpl-empty',
		object: 'chat.completion',
		created: head?.created ?? Math.floor(Date.now() / 1000),
		model: head?.model ?? '',
		choices: (folded.length ? folded : [choices.at(0)]).map((c) => ({
			index: c.index,
			message: c.calls.length
				? { role: 'assistant', content: c.content || null, tool_calls: c.calls.filter(Boolean) }
				: { role: 'assistant', content: c.content },
			...(c.logprobs ? { logprobs: { content: c.logprobs } } : {}),
			finish_reason: c.finish ?? 'stop'
		})),
		...(usage ? { usage } : {})
	};
}

/** Folds a text-completion stream into one non-streamed text_completion, a choice per index. */
export async function foldCompletion(chunks: AsyncIterable<TextCompletionChunk>): Promise<TextCompletion> {
	let head: TextCompletionChunk | undefined;
	let usage: Usage | undefined;
	const choices = slots((index) => ({ index, text: '', finish_reason: null as FinishReason, logprobs: null as LegacyLogprobs | null }));
	for await (const chunk of chunks) {
		head ??= chunk;
		for (const c of chunk.choices) {
			const choice = choices.at(c.index);
			choice.text += c.text;
			choice.finish_reason = c.finish_reason ?? choice.finish_reason;
			if (c.logprobs) {
				const into = (choice.logprobs ??= { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] });
				into.tokens.push(...c.logprobs.tokens);
				into.token_logprobs.push(...c.logprobs.token_logprobs);
				into.top_logprobs.push(...c.logprobs.top_logprobs);
				into.text_offset.push(...c.logprobs.text_offset);
			}
		}
		if (chunk.usage) usage = chunk.usage;
	}
	const folded = choices.all();
	return {
		id: head?.id ?? 'cmpl-empty',
		object: 'text_completion',
		created: head?.created ?? Math.floor(Date.now() / 1000),
		model: head?.model ?? '',
		choices: (folded.length ? folded : [choices.at(0)]).map((c) => ({ ...c, finish_reason: c.finish_reason ?? 'stop' })),
		...(usage ? { usage } : {})
	};
}
