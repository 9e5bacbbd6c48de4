// RemoteEngine against a real local HTTP server (node:http): streaming, abort, error mapping, broken streams.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '$lib/catalog/catalog';
import { LumenError } from '$lib/protocol/errors';
import { encodeSSE, SSE_DONE } from '$lib/protocol/sse';
import { embeddingResponse, embeddingValues } from '$lib/protocol/embeddings';
import { makeChunk, type ChatCompletionChunk } from '$lib/protocol/openai';
import { RemoteEngine } from './remote-engine';

type Mode = 'ok' | 'slow' | 'break' | 'error500' | 'badjson' | 'dialect';
let server: Server;
let base = '';
let mode: Mode = 'ok';
let lastBody: Record<string, unknown> | null = null;
let lastAuth: string | undefined;
let slowClosed = false;

function chunk(text: string): ChatCompletionChunk {
	return makeChunk('c1', 'lumen-tiny-a', { content: text }, null);
}

async function handle(req: IncomingMessage, res: ServerResponse) {
	lastAuth = req.headers.authorization;
	if (req.url === '/v1/models') {
		if (lastAuth === 'Bearer wrong') {
			res.writeHead(401, { 'content-type': 'application/json' });
			return res.end(JSON.stringify({ error: { message: 'Invalid API key', type: 'authentication_error', code: 'unauthorized' } }));
		}
		res.writeHead(200, { 'content-type': 'application/json' });
		return res.end(JSON.stringify({ object: 'list', data: [{ id: 'lumen-tiny-a', object: 'model', created: 1, owned_by: 'lumen' }] }));
	}
	let raw = '';
	for await (const d of req) raw += d;
	lastBody = JSON.parse(raw) as Record<string, unknown>;
	if (req.url === '/v1/embeddings') {
		const served = lastBody.model === 'lumen-tiny-a';
		res.writeHead(served ? 200 : 400, { 'content-type': 'application/json' });
		const refusal = { error: { message: `The model '${lastBody.model}' does not support embeddings.`, type: 'invalid_request_error', param: 'model', code: 'unsupported_endpoint' } };
		return res.end(JSON.stringify(served ? embeddingResponse('lumen-tiny-a', [Float32Array.of(0.6, 0.8)], 2, lastBody.encoding_format as 'base64') : refusal));
	}
	if (mode === 'error500' || lastBody.model !== 'lumen-tiny-a') {
		const notFound = lastBody.model !== 'lumen-tiny-a';
		res.writeHead(notFound ? 404 : 503, { 'content-type': 'application/json' });
		const error = notFound ? { message: 'No worker serves that model', type: 'invalid_request_error', code: 'model_not_found' } : { message: 'All workers are busy', type: 'server_error', code: 'unavailable' };
		return res.end(JSON.stringify({ error }));
	}
	res.writeHead(200, { 'content-type': 'text/event-stream' });
	if (mode === 'dialect') return res.end(UPSTREAM_DIALECT.map(encodeSSE).join('') + SSE_DONE);
	res.write(encodeSSE(chunk('Hello')));
	if (mode === 'badjson') return res.end(encodeSSE({ nope: true }) + SSE_DONE);
	res.write(encodeSSE(chunk(' world')));
	if (mode === 'break') return void setTimeout(() => res.socket?.destroy(), 50);
	if (mode === 'slow') {
		const timer = setInterval(() => res.write(encodeSSE(chunk('.'))), 20);
		res.on('close', () => {
			clearInterval(timer);
			slowClosed = true;
		});
		return;
	}
	res.end(SSE_DONE);
}

/** What the coordinator relays untouched from vLLM, llama.cpp or TGI: null content, other finish reasons, extra fields. */
const UPSTREAM_DIALECT = [
	{ id: 'u', object: 'chat.completion.chunk', created: 1, model: 'lumen-tiny-a', choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null, logprobs: null }] },
	{ id: 'u', object: 'chat.completion.chunk', created: 1, model: 'lumen-tiny-a', system_fingerprint: 'fp', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] },
	{ id: 'u', object: 'chat.completion.chunk', created: 1, model: 'lumen-tiny-a', choices: [{ index: 0, delta: { content: null, tool_calls: [] }, finish_reason: 'tool_calls' }] },
	{ id: 'u', object: 'chat.completion.chunk', created: 1, model: 'lumen-tiny-a', choices: [{ index: 0, delta: { content: ' there' }, finish_reason: null }] },
	{ id: 'u', object: 'chat.completion.chunk', created: 1, model: 'lumen-tiny-a', choices: [{ index: 0, delta: {}, finish_reason: 'content_filter' }], usage: null }
];

beforeAll(async () => {
	server = createServer((req, res) => void handle(req, res));
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const tiny = findModel('lumen-tiny-a')!;
const request = { model: 'lumen-tiny-a', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 10 };

async function collect(engine: RemoteEngine, signal?: AbortSignal, model = 'lumen-tiny-a') {
	const texts: string[] = [];
	try {
		for await (const c of engine.chat({ ...request, model }, { signal })) texts.push(c.choices[0]?.delta.content ?? '');
		return { texts, error: null };
	} catch (err) {
		return { texts, error: err as LumenError };
	}
}

describe('RemoteEngine', () => {
	it('accepts a coordinator root or an OpenAI /v1 base URL', () => {
		expect(new RemoteEngine({ url: 'http://h:1/' }).baseUrl).toBe('http://h:1');
		expect(new RemoteEngine({ url: 'http://h:1/v1/' }).baseUrl).toBe('http://h:1');
	});

	it('loads a listed model and sends the API key', async () => {
		const engine = new RemoteEngine({ url: `${base}/v1`, apiKey: 'k1' });
		const result = await engine.load(tiny);
		expect(result.modelId).toBe('lumen-tiny-a');
		expect(lastAuth).toBe('Bearer k1');
	});

	it('refuses to load a model the server does not list, naming what it serves', async () => {
		const err = await new RemoteEngine({ url: base }).load(findModel('lumen-tiny-b')!).catch((e: LumenError) => e);
		expect(err).toBeInstanceOf(LumenError);
		expect((err as LumenError).code).toBe('model_not_found');
		expect((err as LumenError).message).toContain('lumen-tiny-a');
	});

	it('maps a 401 to unauthorized and an unreachable server to network', async () => {
		const unauth = await new RemoteEngine({ url: base, apiKey: 'wrong' }).listModels().catch((e: LumenError) => e);
		expect((unauth as LumenError).code).toBe('unauthorized');
		const down = await new RemoteEngine({ url: 'http://127.0.0.1:1' }).listModels().catch((e: LumenError) => e);
		expect((down as LumenError).code).toBe('network');
		expect((down as LumenError).message).toContain('Could not reach');
	});

	it('streams validated chunks and asks for usage', async () => {
		mode = 'ok';
		const { texts, error } = await collect(new RemoteEngine({ url: base }));
		expect(error).toBeNull();
		expect(texts.join('')).toBe('Hello world');
		expect(lastBody).toMatchObject({ stream: true, stream_options: { include_usage: true } });
	});

	it('maps OpenAI error bodies to LumenErrors', async () => {
		mode = 'error500';
		const busy = await collect(new RemoteEngine({ url: base }));
		expect(busy.error?.code).toBe('unavailable');
		expect(busy.error?.retryable).toBe(true);
		mode = 'ok';
		const missing = await collect(new RemoteEngine({ url: base }), undefined, 'nope');
		expect(missing.error?.code).toBe('model_not_found');
		expect(missing.error?.message).toBe('No worker serves that model');
	});

	it('throws when the stream breaks off, after the text already yielded', async () => {
		mode = 'break';
		const { texts, error } = await collect(new RemoteEngine({ url: base }));
		expect(texts.join('')).toBe('Hello world');
		expect(error).toBeInstanceOf(LumenError);
		expect(['network', 'unavailable']).toContain(error?.code);
	});

	it('reads upstream dialects relayed by the coordinator: null content, tool_calls and content_filter', async () => {
		mode = 'dialect';
		const engine = new RemoteEngine({ url: base });
		const chunks: ChatCompletionChunk[] = [];
		for await (const c of engine.chat(request)) chunks.push(c);
		expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hi there');
		expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['tool_calls', 'content_filter']);
	});

	it('rejects a chunk that is not an OpenAI chunk', async () => {
		mode = 'badjson';
		const { texts, error } = await collect(new RemoteEngine({ url: base }));
		expect(texts).toEqual(['Hello']);
		expect(error?.code).toBe('internal');
	});

	it('embeds through POST /v1/embeddings, sending the request as given, and relays a refusal as a LumenError', async () => {
		const engine = new RemoteEngine({ url: base, apiKey: 'k2' });
		const res = await engine.embed({ model: 'lumen-tiny-a', input: ['a', 'b'], encoding_format: 'base64' });
		expect(lastBody).toEqual({ model: 'lumen-tiny-a', input: ['a', 'b'], encoding_format: 'base64' });
		expect(lastAuth).toBe('Bearer k2');
		expect(Array.from(embeddingValues(res.data[0].embedding))).toEqual([Math.fround(0.6), Math.fround(0.8)]);
		const err = await engine.embed({ model: 'chat-only', input: 'a' }).catch((e: LumenError) => e);
		expect(err).toBeInstanceOf(LumenError);
		expect((err as LumenError).message).toContain("does not support embeddings");
	});

	it('abort ends the stream quietly and closes the connection', async () => {
		mode = 'slow';
		slowClosed = false;
		const controller = new AbortController();
		const engine = new RemoteEngine({ url: base });
		const texts: string[] = [];
		for await (const c of engine.chat(request, { signal: controller.signal })) {
			texts.push(c.choices[0]?.delta.content ?? '');
			if (texts.length === 4) controller.abort();
		}
		expect(texts.length).toBeGreaterThanOrEqual(4);
		await expect.poll(() => slowClosed).toBe(true);
	});
});
