// The worker's HTTP layer against a scripted backend over a real socket: usage shaping, errors before
// and after the first chunk, draining, and that a client abort reaches the backend while the slot stays held.
import { afterEach, describe, expect, it } from 'vitest';
import { LumenError } from '#protocol/errors';
import { makeChunk, type ChatCompletionChunk } from '#protocol/openai';
import { parseSSE } from '#protocol/sse';
import type { Backend } from './backend';
import { startApp, stopApp, type StartedApp } from './http-app-testing';
import { until } from './test-support';

type Script = (signal: AbortSignal) => AsyncIterable<ChatCompletionChunk>;
const apps: StartedApp[] = [];

afterEach(async () => {
	for (const a of apps.splice(0)) await stopApp(a);
});

type StartOptions = { draining?: boolean; embed?: Backend['embed']; countTokens?: Backend['countTokens'] };

async function start(script: Script, opts: StartOptions = {}) {
	const app = await startApp({ chat: (_req, signal) => script(signal), embed: opts.embed, countTokens: opts.countTokens }, { draining: opts.draining });
	apps.push(app);
	return app;
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
	it('refuses a body over its limit with an OpenAI 413, before reading it all, and keeps serving', async () => {
		const { url, logs } = await start(() => twoWords());
		const huge = body({ padding: 'x'.repeat(40 * 1024 * 1024) });
		const refused = await post(url, huge);
		expect(refused.status).toBe(413);
		expect(await refused.json()).toMatchObject({
			error: { type: 'invalid_request_error', code: 'request_too_large', message: expect.stringMatching(/larger than this worker's limit of 33554432 bytes/) }
		});
		expect(logs.join('\n')).toMatch(/413/);
		const served = await post(url, body({}));
		expect(served.status).toBe(200);
		await served.text();
	});

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

	it('refuses a prompt too long for the context at once, without waiting behind a running stream', async () => {
		// "Tokens" here are characters: enough to check admission order without a model.
		const countTokens: Backend['countTokens'] = async (input) => {
			const text = 'messages' in input ? input.messages.map((m) => m.content).join('') : String(input.prompt);
			return { count: text.length, exact: true, context_length: 100 };
		};
		const { url, queue, client, logs } = await start(
			async function* (signal) {
				while (!signal.aborted) {
					yield makeChunk('c', 'm', { content: 'x' });
					await new Promise((r) => setTimeout(r, 10));
				}
			},
			{ countTokens }
		);
		const busy = new AbortController();
		const running = await post(url, body({}), busy.signal);
		await until(() => queue.running === 1);
		const t0 = performance.now();
		await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'y'.repeat(150) }] })).rejects.toMatchObject({
			status: 400,
			code: 'context_length_exceeded',
			type: 'invalid_request_error'
		});
		await expect(client.completions.create({ model: 'm', prompt: 'y'.repeat(100), stream: true })).rejects.toMatchObject({
			status: 400,
			code: 'context_length_exceeded'
		});
		expect(performance.now() - t0).toBeLessThan(500);
		expect(queue.waiting).toBe(0);
		expect(logs.filter((l) => l.includes('context_length_exceeded'))).toHaveLength(2);
		busy.abort();
		await running.body?.cancel().catch(() => undefined);
	});

	it('counts tokens on /v1/count_tokens, and says plainly when the backend cannot', async () => {
		const countTokens: Backend['countTokens'] = async () => ({ count: 7, exact: true, context_length: 100 });
		const { url } = await start(() => twoWords(), { countTokens });
		const count = (b: object) => fetch(url + '/count_tokens', { method: 'POST', body: JSON.stringify(b), headers: { 'Content-Type': 'application/json' } });
		const ok = await count({ model: 'm', prompt: 'hello' });
		expect(await ok.json()).toEqual({ model: 'm', count: 7, exact: true, context_length: 100 });
		const both = await count({ model: 'm', prompt: 'hello', messages: [{ role: 'user', content: 'hi' }] });
		expect(both.status).toBe(400);
		expect((await both.json()).error.message).toMatch(/exactly one of "prompt"/);
		expect((await count({ model: 'nope', prompt: 'x' })).status).toBe(404);
		const { url: noCount } = await start(() => twoWords());
		const res = await fetch(noCount + '/count_tokens', { method: 'POST', body: JSON.stringify({ model: 'm', prompt: 'x' }), headers: { 'Content-Type': 'application/json' } });
		expect(res.status).toBe(400);
		expect((await res.json()).error.message).toMatch(/cannot count tokens/);
	});

	it('lists each model with its context length and capabilities', async () => {
		const { client } = await start(() => twoWords());
		const models = await client.models.list();
		expect(models.data[0]).toMatchObject({ id: 'm', context_length: 100, capabilities: ['chat', 'completions', 'embeddings'] });
	});

	it('logs one short line per failed request and never sends or logs a huge error message', async () => {
		const tensorDump = 'Non-zero status code returned while running Gather node. ' + '0.123456, '.repeat(50_000);
		let when = 'before';
		const { url, client, logs } = await start(async function* () {
			if (when === 'before') throw new LumenError('generation_failed', tensorDump);
			yield makeChunk('c', 'm', { content: 'x' });
			throw new Error(tensorDump);
		});
		const early = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }).catch((e: unknown) => e);
		expect(early).toMatchObject({ status: 500, code: 'generation_failed' });
		expect((early as Error).message.length).toBeLessThan(400);
		when = 'after';
		const text = await (await post(url, body({}))).text();
		expect(text).toContain('"code":"generation_failed"');
		expect(text.length).toBeLessThan(1500);
		expect(logs).toHaveLength(2);
		for (const line of logs) {
			expect(line).toContain('generation_failed');
			expect(line.length).toBeLessThan(400);
			expect(line).not.toContain('\n');
		}
	});

	it('logs a client that leaves mid-stream as one line', async () => {
		const { url, logs } = await start(async function* (signal) {
			while (!signal.aborted) {
				yield makeChunk('c', 'm', { content: 'x' });
				await new Promise((r) => setTimeout(r, 5));
			}
		});
		const controller = new AbortController();
		const res = await post(url, body({}), controller.signal);
		await res.body!.getReader().read();
		controller.abort();
		await until(() => logs.length > 0, 2000);
		expect(logs).toEqual(['POST /v1/chat/completions: the client went away mid-stream; generation stopped']);
	});

	it('logs a client that leaves a non-streamed generation as one line', async () => {
		let stopped = false;
		const { url, queue, logs } = await start(async function* (signal) {
			while (!signal.aborted) {
				yield makeChunk('c', 'm', { content: 'x' });
				await new Promise((r) => setTimeout(r, 5));
			}
			stopped = true;
			yield makeChunk('c', 'm', {}, 'abort');
		});
		const controller = new AbortController();
		const pending = post(url, body({ stream: false }), controller.signal).catch(() => null);
		await until(() => queue.running === 1);
		controller.abort();
		await pending;
		await until(() => queue.length === 0, 2000);
		expect(stopped).toBe(true);
		await until(() => logs.length > 0, 2000);
		expect(logs).toEqual(['POST /v1/chat/completions: the client went away before its answer was sent; generation stopped']);
	});
});
