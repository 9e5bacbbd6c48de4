// The context window end to end: the coordinator with a real onnx worker process on lumen-tiny-a
// (2048 positions), driven by the official openai client. An over-long request is a quick 400 that
// neither waits behind nor disturbs other clients, and no max_tokens takes generation past the context.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModels } from '../scripts/model-builder/test-support';
import type { RunningCoordinator } from './server';
import { startCoordinatorWithOnnxWorker, until, type CoordinatorWithOnnxWorker } from './testing/processes';

const MODEL = 'lumen-tiny-a';
const CONTEXT = 2048;

let coordinator: RunningCoordinator;
let served: CoordinatorWithOnnxWorker;
let client: OpenAI;

/** The tiny vocabulary spells " the" as one token, so this prompt is `n` tokens long. */
const promptOf = (n: number) => 'The' + ' the'.repeat(n - 1);

const post = (path: string, body: unknown) =>
	fetch(`${coordinator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('context length through the coordinator and a real onnx worker', () => {
	beforeAll(async () => {
		ensureModels();
		served = await startCoordinatorWithOnnxWorker(MODEL);
		({ coordinator, client } = served);
	}, 120_000);

	afterAll(async () => {
		await served?.stop();
	});

	it('lists the model with its context length on /v1/models', async () => {
		const models = await client.models.list();
		expect(models.data.find((m) => m.id === MODEL)).toMatchObject({ id: MODEL, object: 'model', context_length: CONTEXT });
	});

	it('refuses an over-long prompt in under 100 ms while another client streams, and that stream ends normally', async () => {
		const tooLong = { model: MODEL, messages: [{ role: 'user' as const, content: promptOf(3000) }], max_tokens: 10 };
		const attempts = [
			() => client.chat.completions.create(tooLong),
			() => client.chat.completions.create({ ...tooLong, stream: true }),
			() => client.completions.create({ model: MODEL, prompt: promptOf(3000), max_tokens: 10 })
		];
		const refuse = async (attempt: () => Promise<unknown>) => {
			const t0 = performance.now();
			const error = await attempt().then(
				() => null,
				(e: unknown) => e
			);
			const ms = performance.now() - t0;
			expect(error).toBeInstanceOf(OpenAI.BadRequestError);
			expect(error).toMatchObject({ status: 400, code: 'context_length_exceeded', type: 'invalid_request_error' });
			expect((error as Error).message).toContain(`maximum context length is ${CONTEXT} tokens`);
			return ms;
		};
		// First requests of each kind pay one-time costs (JIT, a new pooled connection): measured apart,
		// then the same refusals on an idle worker as this machine's baseline.
		const cold: number[] = [];
		for (const attempt of attempts) cold.push(await refuse(attempt));
		const idle: number[] = [];
		for (const attempt of attempts) idle.push(await refuse(attempt));

		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: [{ role: 'user', content: 'Tell me about the sea.' }],
			max_tokens: 300,
			temperature: 0,
			stream: true,
			stream_options: { include_usage: true }
		});
		const streamStarted = performance.now();
		const iterator = stream[Symbol.asyncIterator]();
		let text = '';
		let finish: string | null = null;
		let completionTokens = 0;
		const take = (chunk: OpenAI.ChatCompletionChunk) => {
			text += chunk.choices[0]?.delta.content ?? '';
			finish = chunk.choices[0]?.finish_reason ?? finish;
			if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
		};
		for (let i = 0; i < 5; i++) take((await iterator.next()).value as OpenAI.ChatCompletionChunk);
		expect(coordinator.registry.list()[0].in_flight, 'the stream is in progress').toBe(1);
		const busy: number[] = [];
		for (let round = 0; round < 3; round++) for (const attempt of attempts) busy.push(await refuse(attempt));
		expect(coordinator.registry.list()[0].in_flight, 'the stream was still running throughout').toBe(1);

		for (let r = await iterator.next(); !r.done; r = await iterator.next()) take(r.value);
		const streamMs = performance.now() - streamStarted;
		expect(finish).toBe('length');
		expect(completionTokens).toBe(300);
		expect(text.length).toBeGreaterThan(100);

		const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
		const show = (ms: number[]) => ms.map((t) => t.toFixed(0)).join(', ');
		console.log(
			`over-long refusals: cold ${show(cold)} ms; idle ${show(idle)} ms; during a stream ${show(busy)} ms (median ${median(busy).toFixed(0)}); the stream took ${streamMs.toFixed(0)} ms`
		);
		// 100 ms, unless this machine is so loaded that even an idle refusal takes over 50 ms (shared CI
		// cores): then twice the idle figure, so the test checks the worker, not the machine.
		const bound = Math.max(100, 2 * median(idle));
		expect(median(busy), `refusals during a stream: ${show(busy)} ms; idle: ${show(idle)} ms`).toBeLessThan(bound);
		// None waited for the running stream (max_concurrency 1): each came back long before it ended.
		expect(Math.max(...busy)).toBeLessThan(streamMs / 4);
		expect(Math.max(...cold)).toBeLessThan(1000);
		// A client's mistake is no reason to stop sending work to the worker.
		expect(coordinator.registry.list()[0]).toMatchObject({ healthy: true, failed_until: null });
	});

	it('ends at the last position with finish "length" when max_tokens is 1e12, then serves a normal request', async () => {
		const completion = await client.completions.create({ model: MODEL, prompt: promptOf(2000), max_tokens: 1e12, temperature: 0 });
		expect(completion.choices[0].finish_reason).toBe('length');
		expect(completion.usage).toEqual({ prompt_tokens: 2000, completion_tokens: CONTEXT - 2000, total_tokens: CONTEXT });

		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: [{ role: 'user', content: promptOf(1990) }],
			max_tokens: 1e12,
			temperature: 0,
			stream: true,
			stream_options: { include_usage: true }
		});
		let finish: string | null = null;
		let usage: OpenAI.CompletionUsage | undefined;
		for await (const chunk of stream) {
			finish = chunk.choices[0]?.finish_reason ?? finish;
			usage = chunk.usage ?? usage;
		}
		expect(['length', 'stop']).toContain(finish);
		expect(usage!.total_tokens).toBeLessThanOrEqual(CONTEXT);
		if (finish === 'length') expect(usage!.total_tokens).toBe(CONTEXT);

		const normal = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello!' }], max_tokens: 8, temperature: 0 });
		expect(normal.usage?.completion_tokens).toBeGreaterThan(0);
		expect(normal.choices[0].message.content?.length).toBeGreaterThan(0);
	});

	it('answers FastChat token_check for a short and a too-long prompt, counting like generation does', async () => {
		const res = await post('/api/v1/token_check', {
			prompts: [
				{ model: MODEL, prompt: 'The sea is', max_tokens: 100 },
				{ model: MODEL, prompt: promptOf(3000), max_tokens: 1 },
				{ model: MODEL, prompt: promptOf(2000), max_tokens: 48 },
				{ model: MODEL, prompt: promptOf(2000), max_tokens: 49 }
			]
		});
		expect(res.status).toBe(200);
		const { usage } = await client.completions.create({ model: MODEL, prompt: 'The sea is', max_tokens: 1 });
		expect(await res.json()).toEqual({
			prompts: [
				{ fits: true, tokenCount: usage!.prompt_tokens, contextLength: CONTEXT },
				{ fits: false, tokenCount: 3000, contextLength: CONTEXT },
				{ fits: true, tokenCount: 2000, contextLength: CONTEXT },
				{ fits: false, tokenCount: 2000, contextLength: CONTEXT }
			]
		});
	});

	it('answers token_check mistakes with OpenAI-shaped errors', async () => {
		const unknown = await post('/api/v1/token_check', { prompts: [{ model: 'nope', prompt: 'x', max_tokens: 1 }] });
		expect(unknown.status).toBe(404);
		expect(await unknown.json()).toMatchObject({ error: { code: 'model_not_found', type: 'invalid_request_error' } });
		const invalid = await post('/api/v1/token_check', { prompts: [{ model: MODEL }] });
		expect(invalid.status).toBe(400);
		expect((await invalid.json()).error).toMatchObject({ type: 'invalid_request_error', param: 'prompts[0].prompt' });
	});

	it('keeps the worker log to short lines: no tensors, one line per refused request', async () => {
		const lines = () => served.output().split('\n').filter((l) => l.includes('context_length_exceeded')).length;
		const before = lines();
		await expect(client.completions.create({ model: MODEL, prompt: promptOf(5000), max_tokens: 1 })).rejects.toMatchObject({ status: 400 });
		await until(() => lines() > before, 2_000, 'the refusal to be logged');
		expect(lines()).toBe(before + 1);
		expect(served.output()).not.toMatch(/Inputs given to model|Gather node/);
		for (const line of served.output().split('\n')) expect(line.length).toBeLessThan(500);
	});
});
