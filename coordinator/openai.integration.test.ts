// The coordinator and stub workers as real processes on loopback, driven by the official openai client.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from './server';
import { spawnStub, startTestCoordinator, until, type StubProcess } from './testing/processes';

const SECRET = 'worker-secret';
let coordinator: RunningCoordinator;
let client: OpenAI;
let stub: StubProcess;
const extra: StubProcess[] = [];

beforeAll(async () => {
	coordinator = await startTestCoordinator({ worker_secret: SECRET });
	stub = await spawnStub({ coordinator: coordinator.url, secret: SECRET, model: ['lumen-stub', 'lumen-embed'], tokens: 5, intervalMs: 5, embeddings: true });
	client = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterEach(async () => {
	await Promise.all(extra.splice(0).map((s) => s.kill()));
});
afterAll(async () => {
	await stub?.kill();
	await coordinator?.close({ graceMs: 0 });
});

describe('OpenAI API through the coordinator', () => {
	it('lists the models of registered workers', async () => {
		const models = await client.models.list();
		expect(models.data.map((m) => m.id)).toEqual(['lumen-embed', 'lumen-stub']);
	});

	it('streams a chat completion token by token and ends cleanly', async () => {
		const stream = await client.chat.completions.create({
			model: 'lumen-stub',
			messages: [{ role: 'user', content: 'Hello there' }],
			stream: true
		});
		const pieces: string[] = [];
		let finish: string | null = null;
		let usageSeen = false;
		for await (const chunk of stream) {
			pieces.push(chunk.choices[0]?.delta.content ?? '');
			finish = chunk.choices[0]?.finish_reason ?? finish;
			if (chunk.usage) usageSeen = true;
		}
		expect(pieces.join('')).toBe('tok0 tok1 tok2 tok3 tok4 ');
		expect(finish).toBe('stop');
		// We asked the worker for usage (for the log) but the client did not, so it must not see it.
		expect(usageSeen).toBe(false);
	});

	it('passes usage through when the client asks for it', async () => {
		const stream = await client.chat.completions.create({
			model: 'lumen-stub',
			messages: [{ role: 'user', content: 'count these four words' }],
			stream: true,
			stream_options: { include_usage: true }
		});
		let usage: OpenAI.CompletionUsage | null | undefined;
		for await (const chunk of stream) usage = chunk.usage ?? usage;
		expect(usage).toEqual({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
	});

	it('answers a non-streamed chat completion', async () => {
		const res = await client.chat.completions.create({ model: 'lumen-stub', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });
		expect(res.choices[0].message.content).toBe('tok0 tok1 ');
		expect(res.choices[0].finish_reason).toBe('length');
	});

	it('serves legacy completions, streamed and not', async () => {
		const res = await client.completions.create({ model: 'lumen-stub', prompt: 'Once upon' });
		expect(res.choices[0].text).toBe('tok0 tok1 tok2 tok3 tok4 ');
		const stream = await client.completions.create({ model: 'lumen-stub', prompt: 'Once upon', stream: true, max_tokens: 3 });
		let text = '';
		for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
		expect(text).toBe('tok0 tok1 tok2 ');
	});

	it('sends embeddings only to workers that offer them', async () => {
		const res = await client.embeddings.create({ model: 'lumen-embed', input: ['abc', 'de'], encoding_format: 'float' });
		expect(res.data.map((d) => d.embedding[0])).toEqual([3, 2]);
		const plain = await spawnStub({ coordinator: coordinator.url, secret: SECRET, model: 'chat-only' });
		extra.push(plain);
		await expect(client.embeddings.create({ model: 'chat-only', input: 'x' })).rejects.toMatchObject({ status: 400, param: 'model' });
	});

	it('logs each request with model, worker, parameters, finish reason, token counts and timings', async () => {
		await client.chat.completions.create({ model: 'lumen-stub', messages: [{ role: 'user', content: 'one two' }], temperature: 0.3, stream: true }).then(async (s) => {
			for await (const _ of s);
		});
		await until(() => coordinator.requestLog.recent(1)[0]?.params.temperature === 0.3, 2_000, 'the log row');
		const [row] = coordinator.requestLog.recent(1);
		expect(row).toMatchObject({
			endpoint: 'chat/completions',
			model: 'lumen-stub',
			worker_id: stub.workerId,
			stream: true,
			status: 200,
			finish_reason: 'stop',
			prompt_tokens: 2,
			completion_tokens: 5,
			completion_chunks: 5,
			error_code: null
		});
		expect(row.params).toEqual({ temperature: 0.3, stream: true, message_count: 1 });
		expect(row.ttft_ms).toBeGreaterThan(0);
		expect(row.latency_ms).toBeGreaterThanOrEqual(row.ttft_ms!);
		expect(row.client_hash).toMatch(/^[0-9a-f]{64}$/);
	});

	it('logs which tools and response format were asked for, never their schemas or descriptions', async () => {
		const tool = { type: 'function' as const, function: { name: 'get_weather', description: 'SECRET description', parameters: { type: 'object', properties: { SECRET: { type: 'string' } } } } };
		await client.chat.completions.create({
			model: 'lumen-stub',
			messages: [{ role: 'user', content: 'SECRET prompt' }],
			tools: [tool],
			tool_choice: 'auto',
			response_format: { type: 'json_schema', json_schema: { name: 'SECRET', schema: {} } },
			logprobs: true,
			top_logprobs: 3,
			max_completion_tokens: 9
		});
		await until(() => coordinator.requestLog.recent(1)[0]?.params.top_logprobs === 3, 2_000, 'the log row');
		const [row] = coordinator.requestLog.recent(1);
		expect(row.params).toEqual({ message_count: 1, tools: ['get_weather'], tool_choice: 'auto', response_format: 'json_schema', logprobs: true, top_logprobs: 3, max_completion_tokens: 9 });
		expect(JSON.stringify(row)).not.toContain('SECRET');
	});
});
