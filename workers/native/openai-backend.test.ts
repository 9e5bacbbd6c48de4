// The openai backend: a worker process fronting another (onnx) worker process, driven with the openai
// client; and the adapter alone against a fake upstream that speaks other servers' dialects.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectChunks } from '#protocol/openai';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { loadOpenAIBackend } from './openai-backend';
import { health, spawnWorker, startFakeCoordinator, until, type FakeCoordinator, type SpawnedWorker } from './test-support';

const MODEL = 'lumen-tiny-a';
const messages = [{ role: 'user' as const, content: 'Tell me about the sea.' }];

describe('openai backend fronting an onnx worker process', () => {
	let upstream: SpawnedWorker;
	let front: SpawnedWorker;
	let coordinator: FakeCoordinator;
	let direct: OpenAI;
	let viaFront: OpenAI;

	beforeAll(async () => {
		ensureModels();
		coordinator = await startFakeCoordinator(100);
		upstream = await spawnWorker(['--model', MODEL, '--threads', '1']);
		front = await spawnWorker(['--backend', 'openai', '--upstream', upstream.url.replace(/\/v1$/, ''), '--coordinator', coordinator.url, '--max-concurrency', '4']);
		direct = new OpenAI({ baseURL: upstream.url, apiKey: 'x', maxRetries: 0 });
		viaFront = new OpenAI({ baseURL: front.url, apiKey: 'x', maxRetries: 0 });
	});
	afterAll(async () => {
		await front?.kill();
		await upstream?.kill();
		await coordinator?.close();
	});

	it('registers the models it discovered upstream, as backend "openai"', async () => {
		const reg = await coordinator.waitFor((c) => c.path === '/workers/register');
		expect(reg.body).toMatchObject({ url: front.url, backend: 'openai', max_concurrency: 4, models: [{ id: MODEL }] });
		expect((await viaFront.models.list()).data.map((m) => m.id)).toEqual([MODEL]);
	});

	it('streams the same greedy chat and usage as the upstream does directly', async () => {
		const params = { model: MODEL, messages, temperature: 0, max_tokens: 30, stream: true as const, stream_options: { include_usage: true } };
		const read = async (client: OpenAI) => {
			let text = '';
			let usage: unknown;
			for await (const c of await client.chat.completions.create(params)) {
				text += c.choices[0]?.delta.content ?? '';
				if (c.usage) usage = c.usage;
			}
			return { text, usage };
		};
		const a = await read(direct);
		const b = await read(viaFront);
		expect(b.text).toBe(a.text);
		expect(b.text.length).toBeGreaterThan(10);
		expect(b.usage).toEqual(a.usage);
		const plain = await viaFront.chat.completions.create({ ...params, stream: false, stream_options: undefined });
		expect(plain.choices[0].message.content).toBe(a.text);
	});

	it('forwards raw-prompt completions', async () => {
		const params = { model: MODEL, prompt: 'Once upon', temperature: 0, max_tokens: 10 };
		expect((await viaFront.completions.create(params)).choices[0].text).toBe((await direct.completions.create(params)).choices[0].text);
	});

	it('forwards embeddings', async () => {
		const params = { model: MODEL, input: ['the sea', 'a river'], encoding_format: 'float' as const };
		expect(await viaFront.embeddings.create(params)).toEqual(await direct.embeddings.create(params));
	});

	it('passes upstream errors through with their status and code', async () => {
		// The onnx upstream refuses an empty input: its 400 and message come back through the front.
		await expect(viaFront.embeddings.create({ model: MODEL, input: '' })).rejects.toMatchObject({
			status: 400,
			code: 'bad_request',
			message: expect.stringContaining('The input is empty')
		});
		await expect(viaFront.chat.completions.create({ model: 'other', messages })).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
	});

	it('aborts the upstream generation when its own client goes away', async () => {
		const controller = new AbortController();
		const stream = await viaFront.chat.completions.create({ model: MODEL, messages, temperature: 0, max_tokens: 1800, stream: true }, { signal: controller.signal });
		let seen = 0;
		for await (const c of stream) if (c.choices[0]?.delta.content && ++seen === 3) controller.abort();
		const t0 = Date.now();
		await until(async () => (await health(upstream.url)).queue_length === 0 && (await health(front.url)).queue_length === 0, 3000);
		expect(Date.now() - t0).toBeLessThan(1000);
	});
});

describe('openai backend against other servers’ dialects', () => {
	let server: Server;
	let url: string;
	const routes: Record<string, (res: import('node:http').ServerResponse) => void> = {
		'GET /v1/models': (res) => json(res, 200, { object: 'list', data: [{ id: 'qwen', object: 'model', max_model_len: 32768 }] }),
		'POST /v1/chat/completions': (res) => {
			res.writeHead(200, { 'Content-Type': 'text/event-stream' });
			const events = [
				{ id: 'x', object: 'chat.completion.chunk', created: 1.5, model: 'qwen', choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null, logprobs: null }] },
				{ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'qwen', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] },
				{ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'qwen', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
				{ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'qwen', choices: [], usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 } }
			];
			res.end(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n');
		},
		'POST /v1/completions': (res) => json(res, 404, { error: "model 'qwen' not found, try pulling it first" }),
		'POST /v1/embeddings': (res) => json(res, 401, { error: { message: 'bad key', type: 'authentication_error' } })
	};

	beforeAll(async () => {
		server = createServer((req, res) => {
			req.resume().on('end', () => (routes[`${req.method} ${req.url}`] ?? ((r) => json(r, 500, { message: 'boom' })))(res));
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(() => new Promise<void>((r) => server.close(() => r())));

	it('reads context length, null content, unknown finish reasons and a trailing usage chunk', async () => {
		const backend = await loadOpenAIBackend({ upstream: `${url}/v1/` });
		expect(backend.models).toEqual([{ id: 'qwen', context_length: 32768, capabilities: ['chat', 'completions', 'embeddings'] }]);
		const out = await collectChunks(backend.chat({ model: 'qwen', messages }, new AbortController().signal));
		expect(out).toEqual({ text: 'Hi', finish: 'tool_calls', usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 } });
	});

	it('maps Ollama-style string errors and refused credentials', async () => {
		const backend = await loadOpenAIBackend({ upstream: url });
		const signal = new AbortController().signal;
		const first = backend.complete({ model: 'qwen', prompt: 'x' }, signal)[Symbol.asyncIterator]().next();
		await expect(first).rejects.toMatchObject({ code: 'model_not_found', message: expect.stringContaining('try pulling it') });
		await expect(backend.embed!({ model: 'qwen', input: 'x' }, signal)).rejects.toMatchObject({ code: 'network', message: expect.stringContaining('--upstream-key') });
	});

	it('gives up discovery with a retryable "unavailable" error when nothing listens upstream', async () => {
		await expect(loadOpenAIBackend({ upstream: 'http://127.0.0.1:9', waitMs: 0 })).rejects.toMatchObject({ code: 'unavailable', retryable: true });
	});
});

function json(res: import('node:http').ServerResponse, status: number, body: unknown) {
	res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
