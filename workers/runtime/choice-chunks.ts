// Choice events as OpenAI wire chunks: chat chunks with `logprobs.content`, and text-completion chunks
// with the legacy `{tokens, token_logprobs, top_logprobs, text_offset}` (and the prompt first, for echo).
// Every chunk has one choice, tagged with its index; a client sees n answers one after another.
import type * as TF from '@huggingface/transformers';
import { makeChunk, type ChatCompletionChunk, type CompletionChunk, type FinishReason, type TokenLogprob, type Usage } from '#protocol/openai';
import type { ChoiceEvent } from './choices';
import { tokenTexts } from './token-bytes';
import type { TokenEntry } from './transformers-generate';

/**
 * The legacy completions API's log-probabilities; offsets count characters of prompt plus answer.
 * OpenAI gives an echoed prompt's first token null entries; this runtime never scores the prompt.
 */
export type LegacyLogprobs = {
	tokens: string[];
	token_logprobs: (number | null)[];
	/** The requested number of alternatives, plus the chosen token (OpenAI's "up to logprobs + 1"). */
	top_logprobs: (Record<string, number> | null)[];
	text_offset: number[];
};

/** CompletionChunk as it leaves this runtime: its choices may carry legacy log-probabilities. */
export type TextCompletionChunk = Omit<CompletionChunk, 'choices'> & {
	choices: (CompletionChunk['choices'][number] & { logprobs?: LegacyLogprobs | null })[];
};

export async function* chatChunks(
	events: AsyncIterable<ChoiceEvent>,
	id: string,
	model: string,
	tokenizer: TF.PreTrainedTokenizer,
	logprobs: boolean
): AsyncGenerator<ChatCompletionChunk> {
	const text = tokenTexts(tokenizer);
	const chunk = (index: number, delta: { role?: 'assistant'; content?: string }, tokens?: TokenEntry[], finish: FinishReason = null, usage?: Usage) => {
		const c = makeChunk(id, model, delta, finish, usage);
		c.choices[0].index = index;
		if (logprobs && tokens) c.choices[0].logprobs = { content: tokens.map((t) => chatLogprob(t, text)) };
		return c;
	};
	for await (const e of events) {
		if (e.type === 'start') yield chunk(e.index, { role: 'assistant', content: '' });
		else if (e.type === 'delta') yield chunk(e.index, { content: e.text }, e.tokens);
		else yield chunk(e.index, {}, e.tokens, e.finish, e.usage);
	}
}

function chatLogprob(entry: TokenEntry, text: (id: number) => { token: string; bytes: number[] }): TokenLogprob {
	return {
		...text(entry.id),
		logprob: entry.logprob ?? 0,
		top_logprobs: (entry.top ?? []).map((t) => ({ ...text(t.id), logprob: t.logprob }))
	};
}

/** `echo` is the prompt text to send first in each choice (or undefined); offsets start after it. */
export async function* completionChunks(
	events: AsyncIterable<ChoiceEvent>,
	id: string,
	model: string,
	tokenizer: TF.PreTrainedTokenizer,
	options: { logprobs: boolean; echo?: string; promptChars: number }
): AsyncGenerator<TextCompletionChunk> {
	const text = tokenTexts(tokenizer);
	const chunk = (index: number, content: string, tokens?: TokenEntry[], finish: FinishReason = null, usage?: Usage): TextCompletionChunk => ({
		id,
		object: 'text_completion',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [
			{
				index,
				text: content,
				finish_reason: finish,
				...(options.logprobs && tokens ? { logprobs: legacyLogprobs(tokens, text, options.promptChars) } : {})
			}
		],
		...(usage ? { usage } : {})
	});
	for await (const e of events) {
		if (e.type === 'start') {
			if (options.echo !== undefined) yield chunk(e.index, options.echo);
		} else if (e.type === 'delta') yield chunk(e.index, e.text, e.tokens);
		else yield chunk(e.index, '', e.tokens, e.finish, e.usage);
	}
}

function legacyLogprobs(entries: TokenEntry[], text: (id: number) => { token: string }, promptChars: number): LegacyLogprobs {
	return {
		tokens: entries.map((e) => text(e.id).token),
		token_logprobs: entries.map((e) => e.logprob ?? 0),
		top_logprobs: entries.map((e) => {
			const top: Record<string, number> = {};
			for (const t of e.top ?? []) top[text(t.id).token] ??= t.logprob;
			top[text(e.id).token] ??= e.logprob ?? 0;
			return top;
		}),
		text_offset: entries.map((e) => promptChars + e.offset)
	};
}
