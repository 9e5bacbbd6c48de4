// n answers, log-probabilities and echo on the real tiny model, in the wire shapes OpenAI clients read:
// chat `choices[].logprobs.content` and the legacy completions `{tokens, token_logprobs, top_logprobs, text_offset}`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatCompletionRequest, CompletionRequest, TokenLogprob } from '#protocol/openai';
import type { TextCompletionChunk } from './choice-chunks';
import { LumenError } from '#protocol/errors';
import { chatPromptIds, streamChat } from './transformers-chat';
import { streamCompletion } from './transformers-complete';
import type { LoadedTextModel } from './transformers-generate';
import { forwardLogits, loadTinyModel, logSoftmaxAt } from './test-model';

const MODEL = 'lumen-tiny-a';
const PROMPT = 'The sea is';
let loaded: LoadedTextModel;

beforeAll(async () => {
	loaded = await loadTinyModel(MODEL);
});
afterAll(async () => {
	await loaded?.model.dispose();
});

const chatRequest = (extra: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({
	model: MODEL,
	messages: [{ role: 'user', content: 'Tell me about the sea.' }],
	temperature: 0,
	...extra
});

async function chatChunks(extra: Partial<ChatCompletionRequest>, signal?: AbortSignal): Promise<ChatCompletionChunk[]> {
	const chunks: ChatCompletionChunk[] = [];
	for await (const c of streamChat(loaded, chatRequest(extra), signal)) chunks.push(c);
	return chunks;
}

async function completionChunks(extra: Partial<CompletionRequest>): Promise<TextCompletionChunk[]> {
	const chunks: TextCompletionChunk[] = [];
	for await (const c of streamCompletion(loaded, { model: MODEL, prompt: PROMPT, temperature: 0, ...extra })) chunks.push(c);
	return chunks;
}

/** Per choice index: text, finish reason, log-probability entries, and whether it began with a role chunk. */
function byChoice(chunks: ChatCompletionChunk[]) {
	const choices = new Map<number, { text: string; finish: string | null; logprobs: TokenLogprob[]; role: boolean }>();
	for (const chunk of chunks)
		for (const c of chunk.choices) {
			const entry = choices.get(c.index) ?? { text: '', finish: null, logprobs: [], role: false };
			if (!choices.has(c.index)) entry.role = c.delta.role === 'assistant';
			entry.text += c.delta.content ?? '';
			entry.finish = c.finish_reason ?? entry.finish;
			entry.logprobs.push(...(c.logprobs?.content ?? []));
			choices.set(c.index, entry);
		}
	return [...choices.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
}

describe('n answers', () => {
	it('n: 3 gives three independent choices, each from its role chunk to its finish; usage counts the prompt once', async () => {
		const chunks = await chatChunks({ n: 3, max_tokens: 12, temperature: 1.2, seed: 21 });
		const choices = byChoice(chunks);
		expect(choices).toHaveLength(3);
		expect(choices.every((c) => c.role && c.finish === 'length' && c.text.length > 0)).toBe(true);
		expect(new Set(choices.map((c) => c.text)).size, 'sampled answers differ').toBeGreaterThan(1);
		const withUsage = chunks.filter((c) => c.usage);
		expect(withUsage, 'usage rides on the very last chunk only').toEqual([chunks.at(-1)]);
		const prompt = chatPromptIds(loaded, chatRequest({})).length;
		expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: prompt, completion_tokens: 36, total_tokens: prompt + 36 });
		expect(await chatChunks({ n: 3, max_tokens: 12, temperature: 1.2, seed: 21 }).then(byChoice), 'a seed repeats all n').toEqual(choices);
	});

	it('at temperature 0 the n answers are identical copies of the single greedy answer', async () => {
		const single = byChoice(await chatChunks({ max_tokens: 15 }))[0];
		const copies = byChoice(await chatChunks({ n: 3, max_tokens: 15, logprobs: true }));
		expect(copies.map((c) => c.text)).toEqual([single.text, single.text, single.text]);
		expect(copies[2].logprobs).toEqual(copies[0].logprobs);
	});

	it('a client leaving stops the answer in progress and starts no other', async () => {
		const controller = new AbortController();
		const chunks: ChatCompletionChunk[] = [];
		for await (const c of streamChat(loaded, chatRequest({ n: 3, max_tokens: 500 }), controller.signal)) {
			chunks.push(c);
			if (chunks.length === 5) controller.abort();
		}
		const choices = byChoice(chunks);
		expect(choices).toHaveLength(1);
		expect(choices[0].finish).toBe('abort');
		expect(chunks.at(-1)!.usage!.completion_tokens).toBeLessThan(20);
	});

	it('n works on completions too, each answer with its own index', async () => {
		const chunks = await completionChunks({ n: 2, max_tokens: 8, temperature: 1.5, seed: 3 });
		const indexes = [...new Set(chunks.map((c) => c.choices[0].index))];
		expect(indexes).toEqual([0, 1]);
		expect(chunks.filter((c) => c.choices[0].finish_reason).map((c) => c.choices[0].index)).toEqual([0, 1]);
		expect(chunks.at(-1)!.usage!.completion_tokens).toBe(16);
	});
});

describe('chat logprobs', () => {
	it('one entry per token with its top_logprobs; the greedy token is the top-1; values are the model\'s log-softmax', async () => {
		const chunks = await chatChunks({ max_tokens: 20, logprobs: true, top_logprobs: 5 });
		const [choice] = byChoice(chunks);
		const usage = chunks.at(-1)!.usage!;
		expect(choice.logprobs).toHaveLength(usage.completion_tokens);
		const prompt = chatPromptIds(loaded, chatRequest({}));
		const ids = choice.logprobs.map((e) => idOf(e));
		const rows = await forwardLogits(loaded, [...prompt, ...ids]);
		choice.logprobs.forEach((entry, i) => {
			expect(entry.top_logprobs).toHaveLength(5);
			expect(entry.top_logprobs[0]).toEqual({ token: entry.token, logprob: entry.logprob, bytes: entry.bytes });
			const values = entry.top_logprobs.map((t) => t.logprob);
			expect(values).toEqual([...values].sort((a, b) => b - a));
			expect(entry.logprob).toBeCloseTo(logSoftmaxAt(rows[prompt.length - 1 + i], ids[i]), 4);
		});
		expect(new TextDecoder().decode(Uint8Array.from(choice.logprobs.flatMap((e) => e.bytes!)))).toBe(choice.text);
	});

	it('does not depend on the temperature (the sampled token need not be the top-1)', async () => {
		const [choice] = byChoice(await chatChunks({ max_tokens: 20, logprobs: true, top_logprobs: 2, temperature: 1.8, seed: 8 }));
		const prompt = chatPromptIds(loaded, chatRequest({}));
		const ids = choice.logprobs.map((e) => idOf(e));
		const rows = await forwardLogits(loaded, [...prompt, ...ids]);
		choice.logprobs.forEach((e, i) => expect(e.logprob).toBeCloseTo(logSoftmaxAt(rows[prompt.length - 1 + i], ids[i]), 4));
		expect(choice.logprobs.some((e) => e.top_logprobs[0].token !== e.token), 'some sampled token was not the most likely').toBe(true);
	});

	it('with penalties on, the greedy token is still the top-1 (log-probabilities are taken after penalties)', async () => {
		const [choice] = byChoice(await chatChunks({ max_tokens: 30, logprobs: true, top_logprobs: 3, frequency_penalty: 1.5, presence_penalty: 0.5, repetition_penalty: 1.3 }));
		expect(choice.logprobs.length).toBe(30);
		for (const e of choice.logprobs) expect(e.top_logprobs[0].token).toBe(e.token);
	});

	it('each chunk carries the entries of the tokens whose text it completes; logprobs without top_logprobs lists no alternatives', async () => {
		const chunks = await chatChunks({ max_tokens: 20, logprobs: true });
		let text = '';
		const bytes: number[] = [];
		for (const chunk of chunks) {
			const c = chunk.choices[0];
			text += c.delta.content ?? '';
			for (const e of c.logprobs?.content ?? []) {
				expect(e.top_logprobs).toEqual([]);
				bytes.push(...e.bytes!);
			}
			expect(text.startsWith(new TextDecoder().decode(Uint8Array.from(bytes))), 'entries never run ahead of the text').toBe(true);
		}
		expect(new TextDecoder().decode(Uint8Array.from(bytes))).toBe(text);
	});

	it('no logprobs unless asked', async () => {
		const chunks = await chatChunks({ max_tokens: 5 });
		expect(chunks.every((c) => c.choices[0].logprobs === undefined)).toBe(true);
	});

	it('entries stay one per counted token when a stop string ends the answer', async () => {
		const full = byChoice(await chatChunks({ max_tokens: 30 }))[0].text;
		const word = full.trim().split(/\s+/)[3];
		const chunks = await chatChunks({ max_tokens: 30, stop: word, logprobs: true });
		expect(byChoice(chunks)[0].logprobs).toHaveLength(chunks.at(-1)!.usage!.completion_tokens);
	});
});

describe('completions: legacy logprobs and echo', () => {
	it('integer logprobs gives tokens, token_logprobs, top_logprobs (N + the chosen) and text_offset after the prompt', async () => {
		const chunks = await completionChunks({ max_tokens: 15, logprobs: 2 });
		const text = chunks.map((c) => c.choices[0].text).join('');
		const lp = {
			tokens: chunks.flatMap((c) => c.choices[0].logprobs?.tokens ?? []),
			token_logprobs: chunks.flatMap((c) => c.choices[0].logprobs?.token_logprobs ?? []),
			top_logprobs: chunks.flatMap((c) => c.choices[0].logprobs?.top_logprobs ?? []),
			text_offset: chunks.flatMap((c) => c.choices[0].logprobs?.text_offset ?? [])
		};
		expect(lp.tokens).toHaveLength(15);
		expect(lp.tokens.join('')).toBe(text);
		expect(lp.text_offset[0]).toBe(PROMPT.length);
		lp.tokens.forEach((t, i) => {
			if (i > 0) expect(lp.text_offset[i]).toBe(lp.text_offset[i - 1] + lp.tokens[i - 1].length);
			const top = lp.top_logprobs[i]!;
			expect(Object.keys(top).length).toBeLessThanOrEqual(3);
			expect(top[t]).toBe(lp.token_logprobs[i]);
			expect(Math.max(...Object.values(top)), 'greedy: the chosen token is the most likely').toBe(lp.token_logprobs[i]);
		});
	});

	it('echo sends the prompt as the first chunk, before the completion', async () => {
		const plain = (await completionChunks({ max_tokens: 10 })).map((c) => c.choices[0].text).join('');
		const chunks = await completionChunks({ max_tokens: 10, echo: true });
		expect(chunks[0].choices[0].text).toBe(PROMPT);
		expect(chunks.map((c) => c.choices[0].text).join('')).toBe(PROMPT + plain);
		expect(chunks.at(-1)!.usage!.completion_tokens).toBe(10);
	});

	it('echo with n: every answer starts with the prompt', async () => {
		const chunks = await completionChunks({ max_tokens: 4, echo: true, n: 2 });
		const firsts = [0, 1].map((i) => chunks.find((c) => c.choices[0].index === i)!.choices[0].text);
		expect(firsts).toEqual([PROMPT, PROMPT]);
	});

	it('echo together with logprobs is refused before any chunk, naming logprobs', async () => {
		const error = await completionChunks({ echo: true, logprobs: 1 }).then(
			() => null,
			(e: unknown) => e
		);
		expect(error).toBeInstanceOf(LumenError);
		expect(error).toMatchObject({ code: 'bad_request', param: 'logprobs' });
		expect((error as Error).message).toMatch(/echo/);
	});
});

/** The token id behind an entry: the tiny vocabulary spells each token uniquely. */
function idOf(entry: TokenLogprob): number {
	const vocab = loaded.tokenizer.get_vocab() as Map<string, number>;
	const byteLevel = byteLevelSpelling(entry.bytes!);
	const id = vocab.get(byteLevel);
	if (id === undefined) throw new Error(`no token spells ${JSON.stringify(entry.token)}`);
	return id;
}

/** GPT-2's byte-to-character table: how a byte-level BPE vocabulary spells raw bytes. */
function byteLevelSpelling(bytes: number[]): string {
	const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
	const table = new Map<number, string>();
	let extra = 0;
	for (let b = 0; b < 256; b++) table.set(b, String.fromCharCode(printable(b) ? b : 256 + extra++));
	return bytes.map((b) => table.get(b)!).join('');
}
