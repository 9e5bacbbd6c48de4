// Sampling features end to end: the coordinator with a real onnx worker process on lumen-tiny-a, driven
// by the official openai client, streamed and not: n choices, logprobs with top_logprobs, penalties,
// and echo and legacy logprobs on /v1/completions.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModels } from '../scripts/model-builder/test-support';
import { startCoordinatorWithOnnxWorker, type CoordinatorWithOnnxWorker } from './testing/processes';

const MODEL = 'lumen-tiny-a';
const MESSAGES = [{ role: 'user' as const, content: 'Tell me about the sea.' }];

let served: CoordinatorWithOnnxWorker;
let client: OpenAI;

/** The legacy completions logprobs, which the openai client types loosely. */
type LegacyLogprobs = { tokens: string[]; token_logprobs: number[]; top_logprobs: Record<string, number>[]; text_offset: number[] };

describe('sampling through the coordinator and a real onnx worker', () => {
	beforeAll(async () => {
		ensureModels();
		served = await startCoordinatorWithOnnxWorker(MODEL);
		({ client } = served);
	}, 120_000);

	afterAll(async () => {
		await served?.stop();
	});

	it('n: 3 returns three choices, streamed or not; usage counts the prompt once and every answer', async () => {
		const request = { model: MODEL, messages: MESSAGES, n: 3, max_tokens: 10, temperature: 1.3, seed: 5 };
		const completion = await client.chat.completions.create(request);
		expect(completion.choices.map((c) => c.index)).toEqual([0, 1, 2]);
		for (const c of completion.choices) {
			expect(c.message.role).toBe('assistant');
			expect(c.message.content!.length).toBeGreaterThan(0);
			expect(c.finish_reason).toBe('length');
		}
		expect(new Set(completion.choices.map((c) => c.message.content)).size).toBeGreaterThan(1);
		expect(completion.usage!.completion_tokens).toBe(30);

		const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
		const texts = ['', '', ''];
		const finishes: (string | null)[] = [null, null, null];
		let usage: OpenAI.CompletionUsage | undefined;
		for await (const chunk of stream) {
			for (const c of chunk.choices) {
				texts[c.index] += c.delta.content ?? '';
				finishes[c.index] = c.finish_reason ?? finishes[c.index];
			}
			usage = chunk.usage ?? usage;
		}
		expect(texts, 'the same seed gives the same three answers').toEqual(completion.choices.map((c) => c.message.content));
		expect(finishes).toEqual(['length', 'length', 'length']);
		expect(usage).toEqual(completion.usage);
	});

	it('logprobs with top_logprobs: 5 gives one entry per token, whose greedy token is the top-1', async () => {
		const request = { model: MODEL, messages: MESSAGES, max_tokens: 16, temperature: 0, logprobs: true, top_logprobs: 5 };
		const completion = await client.chat.completions.create(request);
		const [choice] = completion.choices;
		const entries = choice.logprobs!.content!;
		expect(entries).toHaveLength(completion.usage!.completion_tokens);
		for (const e of entries) {
			expect(e.top_logprobs).toHaveLength(5);
			expect(e.top_logprobs[0].token).toBe(e.token);
			expect(e.top_logprobs[0].logprob).toBe(e.logprob);
			expect(e.logprob).toBeLessThanOrEqual(0);
			expect(e.bytes).toEqual(Array.from(new TextEncoder().encode(e.token)));
		}
		expect(entries.map((e) => e.token).join('')).toBe(choice.message.content);

		const streamed: OpenAI.ChatCompletionTokenLogprob[] = [];
		for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
		expect(streamed).toEqual(entries);
	});

	it('penalties change the greedy answer of a repetitive prompt', async () => {
		const repetitive = [{ role: 'user' as const, content: 'the sea the sea the sea the sea the sea the sea the sea the sea' }];
		const answer = async (extra: object) =>
			(await client.chat.completions.create({ model: MODEL, messages: repetitive, max_tokens: 40, temperature: 0, ...extra })).choices[0].message.content;
		const plain = await answer({});
		expect(await answer({}), 'greedy is deterministic').toBe(plain);
		const frequency = await answer({ frequency_penalty: 1.5 });
		const presence = await answer({ presence_penalty: 2 });
		const repetition = await answer({ repetition_penalty: 1.5 });
		expect(frequency).not.toBe(plain);
		expect(presence).not.toBe(plain);
		expect(repetition).not.toBe(plain);
		const distinctWords = (text: string | null) => new Set(text!.trim().split(/\s+/)).size;
		expect(distinctWords(frequency), `plain: ${plain}\npenalised: ${frequency}`).toBeGreaterThanOrEqual(distinctWords(plain));
	});

	it('echo returns the prompt before the completion, streamed (first chunk) or not', async () => {
		const prompt = 'The sea is';
		const plain = await client.completions.create({ model: MODEL, prompt, max_tokens: 8, temperature: 0 });
		const echoed = await client.completions.create({ model: MODEL, prompt, max_tokens: 8, temperature: 0, echo: true });
		expect(echoed.choices[0].text).toBe(prompt + plain.choices[0].text);
		const chunks: string[] = [];
		for await (const chunk of await client.completions.create({ model: MODEL, prompt, max_tokens: 8, temperature: 0, echo: true, stream: true }))
			chunks.push(chunk.choices[0]?.text ?? '');
		expect(chunks[0]).toBe(prompt);
		expect(chunks.join('')).toBe(echoed.choices[0].text);
	});

	it('completions logprobs: 3 gives the legacy shape; with echo it is a 400 naming logprobs', async () => {
		const prompt = 'The sea is';
		const completion = await client.completions.create({ model: MODEL, prompt, max_tokens: 8, temperature: 0, logprobs: 3 });
		const lp = completion.choices[0].logprobs as unknown as LegacyLogprobs;
		expect(lp.tokens).toHaveLength(8);
		expect(lp.tokens.join('')).toBe(completion.choices[0].text);
		expect(lp.text_offset[0]).toBe(prompt.length);
		lp.tokens.forEach((t, i) => {
			expect(Object.keys(lp.top_logprobs[i]).length).toBeLessThanOrEqual(4);
			expect(Math.max(...Object.values(lp.top_logprobs[i]))).toBe(lp.token_logprobs[i]);
			expect(lp.top_logprobs[i][t]).toBe(lp.token_logprobs[i]);
		});

		const refused = await client.completions.create({ model: MODEL, prompt, max_tokens: 8, echo: true, logprobs: 1 }).then(
			() => null,
			(e: unknown) => e
		);
		expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
		expect(refused).toMatchObject({ status: 400, param: 'logprobs', type: 'invalid_request_error' });
	});
});
