// The OpenAI client against a real HTTP server (node:http on port 0): URLs, streams, JSON calls, and
// every way a request can fail, each arriving as a LumenError that says what to do.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LumenError } from './errors';
import { collectChunks } from './openai';
import { OpenAIClient, serverUrls } from './openai-client';
import { HttpStatusError } from './openai-client-errors';
import { encodeSSE, SSE_DONE } from './sse';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let server: Server;
let root = '';
const routes = new Map<string, Handler>();
const seen: { path: string; auth?: string; body: string }[] = [];

beforeAll(async () => {
	server = createServer((req, res) => {
		let body = '';
		req.on('data', (d) => (body += d));
		req.on('end', () => {
			seen.push({ path: `${req.method} ${req.url}`, auth: req.headers.authorization, body });
			const handler = routes.get(`${req.method} ${req.url}`);
			if (handler) handler(req, res, body);
			else res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const sse = (res: ServerResponse, parts: string[], end = true) => {
	res.writeHead(200, { 'content-type': 'text/event-stream' });
	for (const p of parts) res.write(p);
	if (end) res.end();
};
const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
const chunk = (content: string | null, finish: string | null = null) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] });

async function failure(p: Promise<unknown> | AsyncIterable<unknown>): Promise<LumenError> {
	try {
		if (p instanceof Promise) await p;
		else for await (const _ of p);
	} catch (err) {
		expect(err).toBeInstanceOf(LumenError);
		return err as LumenError;
	}
	throw new Error('expected a failure');
}

describe('serverUrls', () => {
	it('accepts a server root or its /v1 URL, with or without trailing slashes', () => {
		for (const url of ['http://h:8000', 'http://h:8000/', 'http://h:8000/v1', 'http://h:8000/v1//', ' http://h:8000/v1/ '])
			expect(serverUrls(url)).toEqual({ root: 'http://h:8000', api: 'http://h:8000/v1' });
		expect(serverUrls('https://h/openai/v1')).toEqual({ root: 'https://h/openai', api: 'https://h/openai/v1' });
		expect(serverUrls('http://h/lumen/')).toEqual({ root: 'http://h/lumen', api: 'http://h/lumen/v1' });
	});

	it('takes a base URL that already ends in another API version as the OpenAI base itself', () => {
		const gemini = 'https://generativelanguage.googleapis.com/v1beta/openai';
		expect(serverUrls(gemini + '/').api).toBe(gemini);
		expect(serverUrls('https://open.bigmodel.cn/api/paas/v4').api).toBe('https://open.bigmodel.cn/api/paas/v4');
	});

	it('refuses what is not an http(s) URL, with an example of one that is', () => {
		expect(() => serverUrls('localhost:8000')).toThrow(/must start with http:\/\/ or https:\/\//);
		expect(() => serverUrls('not a url')).toThrow(/is not a URL.*http:\/\/localhost:8000/);
		expect(() => serverUrls('')).toThrow(LumenError);
	});
});

describe('OpenAIClient streams', () => {
	it('streams a chat from a /v1 URL, split across reads, with comments, asking for usage, stopping at [DONE]', async () => {
		routes.set('POST /v1/chat/completions', (_req, res) => {
			const text = ': keep-alive\n\n' + encodeSSE(chunk('Hel')) + encodeSSE(chunk('lo', 'stop')) + encodeSSE({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }) + SSE_DONE;
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			// Byte-sized pieces, so events and even UTF-8 sequences straddle reads.
			let i = 0;
			const tick = setInterval(() => {
				res.write(text.slice(i, i + 7));
				i += 7;
				if (i >= text.length) {
					clearInterval(tick);
					res.end(encodeSSE(chunk('never read')));
				}
			}, 1);
		});
		seen.length = 0;
		const client = new OpenAIClient({ url: `${root}/v1/`, apiKey: 'k' });
		expect(await collectChunks(client.streamChat(ask))).toEqual({ text: 'Hello', finish: 'stop', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
		expect(seen[0]).toMatchObject({ path: 'POST /v1/chat/completions', auth: 'Bearer k' });
		expect(JSON.parse(seen[0].body)).toMatchObject({ ...ask, stream: true, stream_options: { include_usage: true } });
	});

	it('reads upstream dialects: content null, tool_calls, content_filter, unknown reasons', async () => {
		routes.set('POST /v1/chat/completions', (_req, res) =>
			sse(res, [encodeSSE(chunk(null)), encodeSSE(chunk('a', 'tool_calls')), encodeSSE(chunk('b', 'content_filter')), encodeSSE(chunk('c', 'eos_token')), SSE_DONE])
		);
		const reasons = [];
		for await (const c of new OpenAIClient({ url: root }).streamChat(ask)) reasons.push(c.choices[0].finish_reason);
		expect(reasons).toEqual([null, 'tool_calls', 'content_filter', 'stop']);
	});

	it('streams text completions', async () => {
		routes.set('POST /v1/completions', (_req, res) =>
			sse(res, [encodeSSE({ id: 'k', object: 'text_completion', created: 1, choices: [{ index: 0, text: 'Once', finish_reason: 'length' }] }), SSE_DONE])
		);
		const out = [];
		for await (const c of new OpenAIClient({ url: root }).streamCompletion({ model: 'm', prompt: 'x' })) out.push(c.choices[0]);
		expect(out).toEqual([{ index: 0, text: 'Once', finish_reason: 'length' }]);
	});

	it('a stream that ends without [DONE] is an error, after the text already read', async () => {
		routes.set('POST /v1/chat/completions', (_req, res) => sse(res, [encodeSSE(chunk('partial'))]));
		const texts: string[] = [];
		const err = await failure(
			(async () => {
				for await (const c of new OpenAIClient({ url: root }).streamChat(ask)) texts.push(c.choices[0].delta.content ?? '');
			})()
		);
		expect(texts).toEqual(['partial']);
		expect(err).toMatchObject({ code: 'unavailable', retryable: true, message: expect.stringMatching(/stopped in the middle.*Try again/) });
	});

	it('an in-band error event becomes its LumenError, in OpenAI’s, vLLM’s and TGI’s dialects', async () => {
		const cases: [unknown, object][] = [
			[{ error: { message: 'worker died', type: 'server_error', code: 'worker_crashed' } }, { code: 'worker_crashed', message: 'worker died' }],
			[{ error: { object: 'error', message: 'prompt too long', type: 'BadRequestError', code: 400 } }, { code: 'bad_request', message: 'prompt too long' }],
			[{ error: 'Input validation error: too long', error_type: 'validation' }, { code: 'internal', message: 'Input validation error: too long' }]
		];
		for (const [event, expected] of cases) {
			routes.set('POST /v1/chat/completions', (_req, res) => sse(res, [encodeSSE(chunk('x')), encodeSSE(event)], false));
			expect(await failure(new OpenAIClient({ url: root }).streamChat(ask))).toMatchObject(expected);
		}
	});

	it('an abort ends the stream quietly and closes the connection', async () => {
		let closed = false;
		routes.set('POST /v1/chat/completions', (_req, res) => {
			sse(res, [], false);
			const timer = setInterval(() => res.write(encodeSSE(chunk('.'))), 10);
			res.on('close', () => {
				clearInterval(timer);
				closed = true;
			});
		});
		const controller = new AbortController();
		let n = 0;
		for await (const _ of new OpenAIClient({ url: root }).streamChat(ask, { signal: controller.signal })) if (++n === 3) controller.abort();
		expect(n).toBe(3);
		await expect.poll(() => closed).toBe(true);
		// Aborted before the answer starts: "Stopped.", not a network failure.
		expect(await failure(new OpenAIClient({ url: root }).streamChat(ask, { signal: AbortSignal.abort() }))).toMatchObject({ code: 'aborted' });
	});

	it('a 200 JSON answer to a streamed request is read for its error instead of waiting for events', async () => {
		routes.set('POST /v1/chat/completions', (_req, res) => json(res, 200, { error: { message: 'model is loading', code: 'unavailable' } }));
		expect(await failure(new OpenAIClient({ url: root }).streamChat(ask))).toMatchObject({ code: 'unavailable', message: 'model is loading' });
	});
});

describe('OpenAIClient JSON calls and errors', () => {
	const Echo = z.object({ got: z.unknown() });

	it('lists models with context lengths and posts JSON with the Bearer key, on the server root', async () => {
		routes.set('GET /v1/models', (_req, res) => json(res, 200, { object: 'list', data: [{ id: 'q', max_model_len: 4096 }, { id: 'r' }] }));
		routes.set('POST /api/arena/votes', (_req, res, body) => json(res, 200, { got: JSON.parse(body) }));
		const client = new OpenAIClient({ url: `${root}/v1`, apiKey: 'k' });
		expect(await client.listModels()).toEqual([{ id: 'q', context_length: 4096 }, { id: 'r' }]);
		seen.length = 0;
		expect(await client.postJSON('/api/arena/votes', { a: 1 }, Echo)).toEqual({ got: { a: 1 } });
		expect(seen).toEqual([{ path: 'POST /api/arena/votes', auth: 'Bearer k', body: '{"a":1}' }]);
	});

	it('maps an OpenAI error body to its code and keeps the HTTP status', async () => {
		routes.set('GET /v1/models', (_req, res) => json(res, 503, { error: { message: 'All workers are busy', type: 'server_error', code: 'unavailable' } }));
		const err = await failure(new OpenAIClient({ url: root }).listModels());
		expect(err).toBeInstanceOf(HttpStatusError);
		expect(err).toMatchObject({ code: 'unavailable', retryable: true, status: 503, message: 'All workers are busy' });
	});

	it('maps Ollama’s {error: string} and vLLM’s {message} bodies', async () => {
		routes.set('GET /v1/models', (_req, res) => json(res, 404, { error: "model 'q' not found, try pulling it first" }));
		expect(await failure(new OpenAIClient({ url: root }).listModels())).toMatchObject({ code: 'model_not_found', message: expect.stringContaining('try pulling it') });
		routes.set('GET /v1/models', (_req, res) => json(res, 500, { message: 'boom' }));
		expect(await failure(new OpenAIClient({ url: root }).listModels())).toMatchObject({ code: 'internal', retryable: true, message: 'boom' });
	});

	it('describes an HTML error page by its status, path and what to check', async () => {
		const err = await failure(new OpenAIClient({ url: root, label: 'coordinator' }).getJSON('/api/arena/leaderboard', Echo));
		expect(err).toMatchObject({ code: 'model_not_found', status: 404 });
		expect(err.message).toMatch(/^The coordinator at http:\/\/127\.0\.0\.1:\d+ answered HTTP 404 Not Found for \/api\/arena\/leaderboard\. Check the URL/);
		expect(err.message).not.toContain('<html>');
	});

	it('a refused key is "unauthorized" with the caller’s hint; a bad body says it cannot be read', async () => {
		routes.set('GET /v1/models', (_req, res) => json(res, 401, { error: { message: 'Invalid API key', type: 'authentication_error' } }));
		const refused = await failure(new OpenAIClient({ url: root, apiKey: 'bad', keyHint: 'Check the API key in Settings.' }).listModels());
		expect(refused).toMatchObject({ code: 'unauthorized', retryable: false });
		expect(refused.message).toMatch(/refused the API key \(Invalid API key\)\. Check the API key in Settings\.$/);
		routes.set('GET /v1/models', (_req, res) => json(res, 200, { data: 'nope' }));
		expect(await failure(new OpenAIClient({ url: root }).listModels())).toMatchObject({ code: 'internal', message: expect.stringMatching(/\/v1\/models with something this app cannot read \(data: /) });
	});

	it('an unreachable server is "network", a slow one times out with the time named, and mapError re-codes both', async () => {
		const down = await failure(new OpenAIClient({ url: 'http://127.0.0.1:9' }).listModels());
		expect(down).toMatchObject({ code: 'network', retryable: true, message: expect.stringMatching(/^Could not reach the server at http:\/\/127\.0\.0\.1:9 \(.+\)\. Check the URL/) });
		routes.set('GET /v1/models', () => undefined); // never answers
		const slow = await failure(new OpenAIClient({ url: root }).listModels({ timeoutMs: 200 }));
		expect(slow).toMatchObject({ code: 'network', message: expect.stringContaining('did not answer within 200 ms') });
		const mapped = await failure(
			new OpenAIClient({ url: 'http://127.0.0.1:9', mapError: (e) => new LumenError('unavailable', `upstream: ${e.message}`, true) }).listModels()
		);
		expect(mapped).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^upstream: Could not reach/) });
	});

	it('uses an injected fetch as a plain function (a browser’s fetch refuses another receiver)', async () => {
		const receivers: unknown[] = [];
		const fetcher = function (this: unknown) {
			receivers.push(this);
			return Promise.resolve(Response.json({ object: 'list', data: [] }));
		} as unknown as typeof fetch;
		expect(await new OpenAIClient({ url: root, fetch: fetcher }).listModels()).toEqual([]);
		expect(receivers).toEqual([undefined]);
	});
});
