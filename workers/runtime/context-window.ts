// The model's context window, counted with the model's own tokenizer: how many tokens a prompt takes,
// how many new tokens still fit (FastChat's check_length), and the one error when none do.
import type * as TF from '@huggingface/transformers';
import { LumenError, contextLengthExceeded } from '#protocol/errors';
import { textOf } from '#protocol/openai';
import { chatFormat, chatTokenIds, type ChatFormat, type ChatPromptInput } from './transformers-chat-prompt';

/** What a prompt is made of: a chat (rendered by the chat template, tools included) or a raw completion prompt. */
export type PromptInput = ChatPromptInput | { prompt: string | string[] };

/**
 * A prompt's size in tokens. `exact: false` means the prompt was so long that it was not tokenized:
 * `count` is then a lower bound that already exceeds the context.
 */
export type PromptCount = { ids: number[]; count: number; exact: true } | { count: number; exact: false };

type Tokenizer = TF.PreTrainedTokenizer;

/** The positions the model was trained for, from its config; undefined when the config names none. */
export function contextLengthOf(model: TF.PreTrainedModel, tokenizer?: Tokenizer): number | undefined {
	const config = (model as unknown as { config?: Record<string, unknown> }).config ?? {};
	for (const key of ['max_position_embeddings', 'n_positions', 'max_sequence_length', 'seq_length', 'n_ctx']) {
		const value = config[key];
		if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
	}
	// Tokenizers without a real limit carry a huge sentinel (1e30) here.
	const fromTokenizer = (tokenizer as unknown as { model_max_length?: unknown } | undefined)?.model_max_length;
	return typeof fromTokenizer === 'number' && Number.isInteger(fromTokenizer) && fromTokenizer > 0 && fromTokenizer < 1e7 ? fromTokenizer : undefined;
}

/** The single text a completion request continues (OpenAI allows a list; we serve its first entry). */
export function completionText(prompt: string | string[]): string {
	return Array.isArray(prompt) ? (prompt[0] ?? '') : prompt;
}

/**
 * Counts a prompt's tokens with the model's tokenizer. A prompt whose characters alone prove it cannot
 * fit `contextLength` is not tokenized at all: tokenizing megabytes would block the worker's event loop
 * (1 MB takes over a second) while other clients' streams wait. A chat is formatted by `format` (default:
 * the tokenizer's own chat template, or the plain template when it has none).
 */
export function countPrompt(tokenizer: Tokenizer, input: PromptInput, contextLength: number | undefined, format?: ChatFormat): PromptCount {
	const atLeast = contextLength === undefined ? null : provablyTooLong(tokenizer, input, contextLength, format);
	if (atLeast !== null) return { count: atLeast, exact: false };
	const ids =
		'messages' in input
			? chatTokenIds(tokenizer, format ?? chatFormat({ modelId: '', tokenizer }), input)
			: completionIds(tokenizer, completionText(input.prompt));
	return { ids, count: ids.length, exact: true };
}

/** The 400 for a prompt that leaves no room for a single new token. */
export function promptTooLong(counted: Pick<PromptCount, 'count' | 'exact'>, contextLength: number): LumenError {
	return contextLengthExceeded(counted.count, contextLength, counted.exact);
}

/**
 * Tokenizes a prompt and checks it leaves room for at least one new token; throws the 400
 * `context_length_exceeded` otherwise (and a 400 for a prompt with no tokens at all).
 */
export function promptIds(tokenizer: Tokenizer, input: PromptInput, contextLength: number | undefined, format?: ChatFormat): number[] {
	const counted = countPrompt(tokenizer, input, contextLength, format);
	if (!counted.exact) throw promptTooLong(counted, contextLength ?? counted.count);
	return usablePrompt(counted.ids, contextLength);
}

/** The same checks for ids counted earlier (at admission): room for one new token, and not empty. */
export function usablePrompt(ids: number[], contextLength: number | undefined): number[] {
	if (contextLength !== undefined && ids.length >= contextLength) throw promptTooLong({ count: ids.length, exact: true }, contextLength);
	if (ids.length === 0) throw new LumenError('bad_request', 'The prompt is empty: it has no tokens to continue from. Send at least one character.');
	return ids;
}

/** FastChat's check_length: max_tokens lowered so prompt + answer never pass the end of the context. */
export function fitMaxTokens(maxTokens: number, promptTokens: number, contextLength: number | undefined): number {
	return contextLength === undefined ? maxTokens : Math.max(0, Math.min(maxTokens, contextLength - promptTokens));
}

function completionIds(tokenizer: Tokenizer, prompt: string): number[] {
	return (tokenizer(prompt, { return_tensor: false }) as unknown as { input_ids: number[] }).input_ids;
}

/**
 * A lower bound on the prompt's tokens when it alone proves the prompt cannot fit, else null. Each
 * token covers at most as many characters as the longest entry of the vocabulary (byte-level and
 * SentencePiece vocabularies spell a token with at least as many characters as it matches), and the
 * chat template only adds text (a system override replaces the system messages, so they do not count).
 */
function provablyTooLong(tokenizer: Tokenizer, input: PromptInput, contextLength: number, format?: ChatFormat): number | null {
	const texts = 'messages' in input ? chatTexts(input, format) : [completionText(input.prompt)];
	const longest = longestToken(tokenizer);
	let total = 0;
	for (const text of texts) total += text.length;
	// Most prompts are far too short for the bound to prove anything: skip the scan.
	if (total < longest * contextLength) return null;
	let kept = 0;
	for (const text of texts) kept += keptCodeUnits(text);
	const atLeast = Math.floor(kept / longest);
	return atLeast >= contextLength ? atLeast : null;
}

function chatTexts(input: ChatPromptInput, format: ChatFormat | undefined): string[] {
	const override = format?.systemOverride;
	if (override === undefined) return input.messages.map((m) => textOf(m.content));
	const kept = input.messages.filter((m) => m.role !== 'system' && m.role !== 'developer');
	return [override, ...kept.map((m) => textOf(m.content))];
}

/**
 * UTF-16 code units that no common normalizer or pre-tokenizer drops, counted conservatively (a plain
 * loop: a Unicode-property regex takes 150 ms a megabyte). Whitespace, control and combining characters
 * may vanish (BERT-style whitespace splitting, accent stripping), so only printable ASCII and the
 * letters of the big scripts count; anything else counts as nothing, which only lowers the bound.
 */
function keptCodeUnits(text: string): number {
	let kept = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c < 0x80) {
			if (c > 0x20 && c < 0x7f) kept++;
		} else if (
			(c >= 0x00c0 && c <= 0x024f && c !== 0x00d7 && c !== 0x00f7) || // Latin letters with diacritics
			(c >= 0x0388 && c <= 0x03ff) || // Greek letters
			(c >= 0x0400 && c <= 0x0482) || // Cyrillic letters (0x0483-0x0489 combine)
			(c >= 0x048a && c <= 0x052f) ||
			(c >= 0x3040 && c <= 0x30ff) || // Hiragana, Katakana
			(c >= 0x4e00 && c <= 0x9fff) || // CJK ideographs
			(c >= 0xac00 && c <= 0xd7a3) // Hangul syllables
		)
			kept++;
	}
	return kept;
}

const longestTokens = new WeakMap<Tokenizer, number>();
function longestToken(tokenizer: Tokenizer): number {
	let longest = longestTokens.get(tokenizer);
	if (longest === undefined) {
		longest = 1;
		for (const token of tokenizer.get_vocab().keys()) longest = Math.max(longest, token.length);
		longestTokens.set(tokenizer, longest);
	}
	return longest;
}
