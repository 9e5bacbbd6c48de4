// The context window on the real tiny model (2048 positions) in Node: the same runtime the browser
// and native workers run. No prompt or max_tokens may take generation past the last position.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectChunks, type CompletionChunk } from '#protocol/openai';
import { LumenError } from '#protocol/errors';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { countPrompt, fitMaxTokens } from './context-window';
import { streamChat, type LoadedTextModel } from './transformers-chat';
import { chatFormat } from './transformers-chat-prompt';
import { streamCompletion } from './transformers-complete';

const MODEL = 'lumen-tiny-a';
const CONTEXT = 2048;
let loaded: LoadedTextModel;

beforeAll(async () => {
	const tf = await import('@huggingface/transformers');
	tf.env.allowRemoteModels = false;
	tf.env.allowLocalModels = true;
	tf.env.localModelPath = ensureModels() + '/';
	const tokenizer = await tf.AutoTokenizer.from_pretrained(MODEL);
	const model = await tf.AutoModelForCausalLM.from_pretrained(MODEL, { dtype: 'fp32', device: 'cpu', session_options: { intraOpNumThreads: 1 } });
	loaded = { tf, tokenizer, model, modelId: MODEL, defaultMaxTokens: 64 };
});
afterAll(async () => {
	await loaded?.model.dispose();
});

const tokens = (text: string) => (loaded.tokenizer(text, { return_tensor: false }) as unknown as { input_ids: number[] }).input_ids.length;

/** A raw prompt of exactly `n` tokens (the tiny vocabulary spells " the" as one token). */
function promptOf(n: number): string {
	const text = 'The' + ' the'.repeat(n - 1);
	expect(tokens(text)).toBe(n);
	return text;
}

async function complete(prompt: string, max_tokens: number) {
	const chunks: CompletionChunk[] = [];
	for await (const c of streamCompletion(loaded, { model: MODEL, prompt, max_tokens, temperature: 0 })) chunks.push(c);
	const last = chunks.at(-1)!;
	return { text: chunks.map((c) => c.choices[0].text).join(''), finish: last.choices[0].finish_reason, usage: last.usage! };
}

async function firstError(chunks: AsyncIterable<unknown>): Promise<LumenError> {
	let seen = 0;
	try {
		for await (const _ of chunks) seen++;
	} catch (err) {
		expect(seen, 'the error comes before any chunk, so HTTP can answer it as a status').toBe(0);
		expect(err).toBeInstanceOf(LumenError);
		return err as LumenError;
	}
	throw new Error(`no error after ${seen} chunks`);
}

describe('the context window', () => {
	it('ends a completion at the last position with finish "length" when max_tokens would pass it', async () => {
		const prompt = promptOf(2000);
		const got = await complete(prompt, 1e12);
		// Greedy on this prompt meets no end token, so generation runs to the last position.
		expect(got.finish).toBe('length');
		expect(got.usage).toEqual({ prompt_tokens: 2000, completion_tokens: CONTEXT - 2000, total_tokens: CONTEXT });
	});

	it('generates the one token left when the prompt takes all but one position', async () => {
		const got = await complete(promptOf(CONTEXT - 1), 50);
		expect(got.usage).toEqual({ prompt_tokens: CONTEXT - 1, completion_tokens: 1, total_tokens: CONTEXT });
	});

	it('refuses a chat whose prompt fills the context with context_length_exceeded naming both numbers', async () => {
		const content = 'the sea '.repeat(1600);
		const err = await firstError(streamChat(loaded, { model: MODEL, messages: [{ role: 'user', content }], max_tokens: 5 }));
		expect(err.code).toBe('context_length_exceeded');
		const counted = countPrompt(loaded.tokenizer, { messages: [{ role: 'user', content }] }, CONTEXT);
		expect(counted.exact).toBe(true);
		expect(counted.count).toBeGreaterThan(CONTEXT);
		expect(err.message).toContain(`maximum context length is ${CONTEXT} tokens`);
		expect(err.message).toContain(`takes ${counted.count} tokens`);
	});

	it('refuses a completion prompt of exactly the context length (no room for one token)', async () => {
		const err = await firstError(streamCompletion(loaded, { model: MODEL, prompt: promptOf(CONTEXT), max_tokens: 1 }));
		expect(err.code).toBe('context_length_exceeded');
		expect(err.message).toContain(`takes ${CONTEXT} tokens`);
	});

	it('refuses a multi-megabyte prompt at once, from its characters, saying the count is a lower bound', async () => {
		const prompt = 'lorem ipsum dolor sit amet '.repeat(100_000); // 2.7 MB: tokenizing it takes seconds
		const t0 = performance.now();
		const err = await firstError(streamCompletion(loaded, { model: MODEL, prompt, max_tokens: 5 }));
		const refused = performance.now() - t0;
		const t1 = performance.now();
		const tenth = tokens(prompt.slice(0, prompt.length / 10));
		// A ratio measured in the same run, so a loaded machine slows both sides alike.
		expect(refused, 'refusing all of it is quicker than tokenizing a tenth of it').toBeLessThan(performance.now() - t1);
		expect(err.code).toBe('context_length_exceeded');
		expect(err.message).toMatch(/takes at least \d+ tokens/);
		const atLeast = Number(/at least (\d+)/.exec(err.message)![1]);
		expect(atLeast).toBeGreaterThanOrEqual(CONTEXT);
		// Honest: the bound is below the real count (ten times a tenth's count, give or take one token).
		expect(atLeast).toBeLessThanOrEqual(tenth * 10);
	});

	it('refuses an empty completion prompt with a clear 400 instead of running the model on nothing', async () => {
		const err = await firstError(streamCompletion(loaded, { model: MODEL, prompt: '', max_tokens: 5 }));
		expect(err.code).toBe('bad_request');
		expect(err.message).toMatch(/empty/);
	});

	it('counts exactly what generation sees as prompt tokens', async () => {
		const messages = [{ role: 'user' as const, content: 'Tell me about the sea.' }];
		const counted = countPrompt(loaded.tokenizer, { messages }, CONTEXT);
		const { usage } = await collectChunks(streamChat(loaded, { model: MODEL, messages, max_tokens: 2, temperature: 0 }));
		expect(counted.count).toBe(usage!.prompt_tokens);
	});

	it('a system override replaces a system message too long for the context, so the prompt still fits', () => {
		const messages = [
			{ role: 'system' as const, content: 'x'.repeat(200_000) },
			{ role: 'user' as const, content: 'Hi' }
		];
		expect(countPrompt(loaded.tokenizer, { messages }, CONTEXT).exact).toBe(false);
		const counted = countPrompt(loaded.tokenizer, { messages }, CONTEXT, chatFormat(loaded, { systemMessage: 'Be brief.' }));
		const brief = countPrompt(loaded.tokenizer, { messages: [{ role: 'system', content: 'Be brief.' }, messages[1]] }, CONTEXT);
		expect(counted).toMatchObject({ exact: true, count: brief.count });
	});

	it('lowers max_tokens to fit, as FastChat check_length does', () => {
		expect(fitMaxTokens(1e12, 2000, CONTEXT)).toBe(48);
		expect(fitMaxTokens(10, 2000, CONTEXT)).toBe(10);
		expect(fitMaxTokens(10, CONTEXT, CONTEXT)).toBe(0);
		expect(fitMaxTokens(10, 5, undefined)).toBe(10);
	});
});
