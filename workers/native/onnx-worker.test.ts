// A real onnx worker process on an ephemeral port, driven over HTTP with the official openai client,
// registered with a fake coordinator: greedy parity with Node, stop/max_tokens, abort, queueing.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyGenerateNode } from '../../scripts/model-builder/node-generate';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { health, spawnWorker, startFakeCoordinator, until, type FakeCoordinator, type SpawnedWorker } from './test-support';

const MODEL = 'lumen-tiny-a';
const messages = [{ role: 'user' as const, content: 'Tell me about the sea.' }];
let modelDir: string;
let coordinator: FakeCoordinator;
let worker: SpawnedWorker;
let client: OpenAI;

beforeAll(async () => {
	modelDir = ensureModels();
	coordinator = await startFakeCoordinator(100);
	worker = await spawnWorker(['--model', MODEL, '--coordinator', coordinator.url, '--threads', '1', '--worker-id', 'onnx-test'], {
		LUMEN_WORKER_SECRET: 's3cret'
	});
	client = new OpenAI({ baseURL: worker.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
	await worker?.kill();
	await coordinator?.close();
});

async function streamText(params: Partial<OpenAI.ChatCompletionCreateParamsStreaming> & { signal?: AbortSignal }) {
	const { signal, ...rest } = params;
	const stream = await client.chat.completions.create(
		{ model: MODEL, messages, temperature: 0, stream: true, stream_options: { include_usage: true }, ...rest },
		{ signal }
	);
	let text = '';
	let finish: string | null = null;
	let usage: OpenAI.CompletionUsage | undefined;
	let contentChunks = 0;
	for await (const chunk of stream) {
		const choice = chunk.choices[0];
		if (choice?.delta.content) {
			text += choice.delta.content;
			contentChunks++;
		}
		finish = choice?.finish_reason ?? finish;
		if (chunk.usage) usage = chunk.usage;
	}
	return { text, finish, usage, contentChunks };
}

describe('onnx worker over HTTP', () => {
	it('registers its URL, model, backend and speed with the secret, then heartbeats', async () => {
		const reg = await coordinator.waitFor((c) => c.path === '/workers/register');
		expect(reg.auth).toBe('Bearer s3cret');
		expect(reg.body).toMatchObject({ worker_id: 'onnx-test', url: worker.url, backend: 'onnx', max_concurrency: 1 });
		expect((reg.body.models as { id: string }[])[0]).toMatchObject({ id: MODEL, context_length: 2048 });
		expect(reg.body.speed).toBeGreaterThan(1);
		const beat = await coordinator.waitFor((c) => c.path === '/workers/heartbeat' && c.at > reg.at);
		expect(beat.body).toEqual({ worker_id: 'onnx-test', queue_length: 0 });
	});

	it('streams a chat whose greedy text equals greedyGenerateNode, with token counts from the tokenizer', async () => {
		const reference = await greedyGenerateNode({ modelDir, modelId: MODEL, messages, maxNewTokens: 40 });
		const got = await streamText({ max_tokens: 40 });
		expect(got.text).toBe(reference.text);
		expect(got.contentChunks).toBeGreaterThan(5);
		expect(got.finish).toBe('length');
		expect(got.usage).toEqual({ prompt_tokens: reference.promptTokenIds.length, completion_tokens: 40, total_tokens: reference.promptTokenIds.length + 40 });
	});

	it('answers non-streamed with the same text as streamed', async () => {
		const streamed = await streamText({ max_tokens: 25 });
		const res = await client.chat.completions.create({ model: MODEL, messages, temperature: 0, max_tokens: 25 });
		expect(res.choices[0].message.content).toBe(streamed.text);
		expect(res.usage?.completion_tokens).toBe(25);
	});

	it('honours stop strings and max_tokens', async () => {
		const full = await streamText({ max_tokens: 40 });
		const word = full.text.trim().split(/\s+/)[3];
		const stopped = await streamText({ max_tokens: 40, stop: [word] });
		expect(stopped.finish).toBe('stop');
		expect(stopped.text).toBe(full.text.slice(0, full.text.indexOf(word)));
		const short = await streamText({ max_tokens: 3 });
		expect(short.usage?.completion_tokens).toBe(3);
		expect(short.finish).toBe('length');
	});

	it('serves raw-prompt completions, streamed and not, and seeded sampling repeats', async () => {
		const res = await client.completions.create({ model: MODEL, prompt: 'The sea is', max_tokens: 12, temperature: 0 });
		expect(res.usage?.completion_tokens).toBe(12);
		let streamed = '';
		for await (const c of await client.completions.create({ model: MODEL, prompt: 'The sea is', max_tokens: 12, temperature: 0, stream: true }))
			streamed += c.choices[0]?.text ?? '';
		expect(streamed).toBe(res.choices[0].text);
		const sample = () => client.completions.create({ model: MODEL, prompt: 'The sea is', max_tokens: 20, temperature: 1.2, seed: 7 });
		expect((await sample()).choices[0].text).toBe((await sample()).choices[0].text);
	});

	it('answers bad input with OpenAI errors and the right statuses', async () => {
		await expect(client.chat.completions.create({ model: 'nope', messages })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
		await expect(client.chat.completions.create({ model: MODEL, messages: [] })).rejects.toMatchObject({ status: 400, param: 'messages' });
		await expect(client.embeddings.create({ model: MODEL, input: [] })).rejects.toMatchObject({ status: 400, param: 'input' });
		const res = await fetch(worker.url + '/chat/completions', { method: 'POST', body: '{not json', headers: { 'Content-Type': 'application/json' } });
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
	});

	it('counts prompt tokens with the model\'s tokenizer and lists the context length', async () => {
		const count = async (body: object) =>
			(await fetch(worker.url + '/count_tokens', { method: 'POST', body: JSON.stringify({ model: MODEL, ...body }), headers: { 'Content-Type': 'application/json' } })).json();
		const streamed = await streamText({ max_tokens: 2 });
		expect(await count({ messages })).toEqual({ model: MODEL, count: streamed.usage!.prompt_tokens, exact: true, context_length: 2048 });
		const completion = await client.completions.create({ model: MODEL, prompt: 'The sea is', max_tokens: 1 });
		expect(await count({ prompt: 'The sea is' })).toMatchObject({ count: completion.usage!.prompt_tokens, exact: true });
		expect((await client.models.list()).data[0]).toMatchObject({ id: MODEL, context_length: 2048 });
	});

	it('refuses an empty prompt and an over-long one with 400s, and keeps serving', async () => {
		await expect(client.completions.create({ model: MODEL, prompt: '', max_tokens: 5 })).rejects.toMatchObject({ status: 400, code: 'bad_request' });
		await expect(
			client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'the sea '.repeat(1600) }], max_tokens: 5 })
		).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' });
		expect((await streamText({ max_tokens: 3 })).usage?.completion_tokens).toBe(3);
	});

	it('stops generating when the client aborts, and the queue drains', async () => {
		const controller = new AbortController();
		const stream = await client.chat.completions.create(
			{ model: MODEL, messages, temperature: 0, max_tokens: 1800, stream: true },
			{ signal: controller.signal }
		);
		let seen = 0;
		let finish: string | null = null;
		// openai v6 ends the iteration quietly when its signal aborts.
		for await (const chunk of stream) {
			if (chunk.choices[0]?.delta.content && ++seen === 5) controller.abort();
			finish = chunk.choices[0]?.finish_reason ?? finish;
		}
		const abortedAt = Date.now();
		// Chunks already in the client's buffer may still arrive after the abort; what matters is that
		// the stream ended long before 1800 tokens.
		expect(seen).toBeGreaterThanOrEqual(5);
		expect(seen).toBeLessThan(50);
		expect(finish).toBeNull();
		await until(async () => (await health(worker.url)).queue_length === 0, 3000);
		// 1800 tokens take several seconds here (the greedy answer has no end token for at least 600, see the
		// queue test); draining this fast means generation really stopped.
		expect(Date.now() - abortedAt).toBeLessThan(1000);
	});

	it('queues FIFO with max_concurrency 1 and reports the queue length in heartbeats', async () => {
		const long = streamText({ max_tokens: 600 });
		await until(async () => (await health(worker.url)).running === 1);
		let shortDone = 0;
		const short = client.chat.completions.create({ model: MODEL, messages, temperature: 0, max_tokens: 5 }).then((r) => {
			shortDone = Date.now();
			return r;
		});
		await until(async () => (await health(worker.url)).waiting === 1);
		const beat = await coordinator.waitFor((c) => c.path === '/workers/heartbeat' && c.body.queue_length === 2);
		expect(beat.auth).toBe('Bearer s3cret');
		expect((await long).finish, 'this prompt runs 600 greedy tokens without an end token').toBe('length');
		const longEnded = Date.now();
		await short;
		expect(shortDone).toBeGreaterThanOrEqual(longEnded - 50);
	});

	it('drops a queued request whose client went away', async () => {
		const long = streamText({ max_tokens: 500 });
		await until(async () => (await health(worker.url)).running === 1);
		const controller = new AbortController();
		const queued = client.chat.completions.create({ model: MODEL, messages, max_tokens: 5 }, { signal: controller.signal });
		await until(async () => (await health(worker.url)).waiting === 1);
		controller.abort();
		await expect(queued).rejects.toThrow();
		await until(async () => (await health(worker.url)).waiting === 0, 2000);
		expect((await health(worker.url)).running).toBe(1);
		expect((await long).usage?.completion_tokens).toBe(500);
		expect((await health(worker.url)).queue_length).toBe(0);
	});

	it('registers again when a heartbeat answers known:false', async () => {
		const before = coordinator.calls.filter((c) => c.path === '/workers/register').length;
		coordinator.known = false;
		const since = Date.now();
		await coordinator.waitFor((c) => c.path === '/workers/register' && c.at >= since);
		coordinator.known = true;
		expect(coordinator.calls.filter((c) => c.path === '/workers/register').length).toBeGreaterThan(before);
	});

	it('decodes lumen-tiny-a at a useful rate over HTTP (prints tokens/s)', async () => {
		const t0 = performance.now();
		const got = await streamText({ max_tokens: 300 });
		const seconds = (performance.now() - t0) / 1000;
		const rate = (got.usage?.completion_tokens ?? 0) / seconds;
		console.log(`onnx worker, ${MODEL}, 1 thread, over HTTP: ${got.usage?.completion_tokens} tokens in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} tokens/s`);
		expect(rate).toBeGreaterThan(20);
	});
});
