// The worker's HTTP layer against a scripted backend over a real socket: usage shaping, errors before
// and after the first chunk, draining, and that a client abort reaches the backend while the slot stays held.
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { LumenError } from '#protocol/errors';
import { makeChunk, type ChatCompletionChunk } from '#protocol/openai';
import { parseSSE } from '#protocol/sse';
import type { Backend } from './backend';
import { createWorkerApp } from './http-app';
import { RequestQueue } from './request-queue';
import { until } from './test-support';

type Script = (signal: AbortSignal) => AsyncIterable<ChatCompletionChunk>;
const servers: Server[] = [];

afterEach(async () => {
	for (const s of servers.splice(0)) {
		s.closeAllConnections();
		await new Promise((r) => s.close(r));
	}
});

async function start(script: Script, opts: { draining?: boolean; embed?: Backend['embed'] } = {}) {
	const backend: Backend = {
		kind: 'onnx',
		models: [{ id: 'm', capabilities: ['chat', 'completions', 'embeddings'] }],
		speed: 1,
		defaultConcurrency: 1,
		chat: (_req, signal) => script(signal),
		complete: () => {
			throw new Error('not scripted');
		},
		embed: opts.embed,
		close: async () => undefined
	};
	const queue = new RequestQueue(1);
	const app = createWorkerApp({ backend, queue, isDraining: () => opts.draining ?? false });
	const server = await new Promise<Server>((resolve) => {
		const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
	});
	servers.push(server);
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
	return { url, queue, client: new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 }) };
}

const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
async function* twoWords(): AsyncGenerator<ChatCompletionChunk> {
	yield makeChunk('c1', 'm', { role: 'assistant', content: '' });
	yield makeChunk('c1', 'm', { content: 'hello' });
	yield makeChunk('c1', 'm', { content: ' world' });
	yield makeChunk('c1', 'm', {}, 'stop', usage);
}
const body = (extra: object) => JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, ...extra });
const post = (url: string, b: string, signal?: AbortSignal) =>
	fetch(url + '/chat/completions', { method: 'POST', body: b, headers: { 'Content-Type': 'application/json' }, signal });

describe('worker HTTP app', () => {
	it('moves usage into a final choices:[] chunk only when include_usage is set', async () => {
		const { url } = await start(() => twoWords());
		const withUsage: ChatCompletionChunk[] = [];
		for await (const c of parseSSE((await post(url, body({ stream_options: { include_usage: true } }))).body!)) withUsage.push(c as ChatCompletionChunk);
		expect(withUsage.at(-1)).toMatchObject({ choices: [], usage });
		expect(withUsage.slice(0, -1).every((c) => c.usage === null)).toBe(true);
		const without: ChatCompletionChunk[] = [];
		for await (const c of parseSSE((await post(url, body({}))).body!)) without.push(c as ChatCompletionChunk);
		expect(without.at(-1)!.choices[0].finish_reason).toBe('stop');
		expect(without.some((c) => 'usage' in c)).toBe(false);
	});

	it('turns an error before the first chunk into an HTTP status, and a later one into an error event', async () => {
		let fail = 'early';
		const { url, client } = await start(async function* () {
			if (fail === 'early') throw new LumenError('model_load_failed', 'weights missing');
			yield makeChunk('c', 'm', { content: 'x' });
			throw new LumenError('generation_failed', 'ran out of memory');
		});
		await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true })).rejects.toMatchObject({
			status: 500,
			code: 'model_load_failed'
		});
		fail = 'late';
		const res = await post(url, body({}));
		expect(res.status).toBe(200);
		const text = await res.text();
		expect(text).toContain('"code":"generation_failed"');
		expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
		await expect(async () => {
			for await (const _ of parseSSE((await post(url, body({}))).body!));
		}).rejects.toMatchObject({ code: 'generation_failed' });
	});

	it('refuses new work with a retryable 503 while draining', async () => {
		const { client } = await start(() => twoWords(), { draining: true });
		await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
			status: 503,
			code: 'unavailable'
		});
	});

	it('aborts the backend when the client disconnects, holding the slot until the backend stopped', async () => {
		let aborted = false;
		let stopped = false;
		const { url, queue } = await start(async function* (signal) {
			try {
				for (let i = 0; ; i++) {
					if (signal.aborted) {
						aborted = true;
						await new Promise((r) => setTimeout(r, 150)); // a decode step still finishing
						return;
					}
					yield makeChunk('c', 'm', { content: `t${i} ` });
					await new Promise((r) => setTimeout(r, 5));
				}
			} finally {
				stopped = true;
			}
		});
		const controller = new AbortController();
		const res = await post(url, body({}), controller.signal);
		const reader = res.body!.getReader();
		await reader.read();
		controller.abort();
		await until(() => aborted, 2000);
		expect(queue.running).toBe(1);
		await until(() => queue.length === 0, 2000);
		expect(stopped).toBe(true);
	});

	it('serves embeddings when the backend offers them, answering non-streamed chat as one JSON', async () => {
		const { client } = await start(() => twoWords(), {
			embed: async (req) => ({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5, 0.25] }], model: req.model, usage: { prompt_tokens: 1, total_tokens: 1 } })
		});
		const emb = await client.embeddings.create({ model: 'm', input: 'hi', encoding_format: 'float' });
		expect(emb.data[0].embedding).toEqual([0.5, 0.25]);
		const chat = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
		expect(chat.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'hello world' }, finish_reason: 'stop' });
		expect(chat.usage).toEqual(usage);
	});
});
