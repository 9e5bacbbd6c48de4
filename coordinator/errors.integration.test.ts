// Bad input, each answered with a proper OpenAI error and the right status, the server healthy afterwards.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIClient } from '#protocol/openai-client';
import type { RunningCoordinator } from './server';
import { spawnStub, startTestCoordinator, type StubProcess } from './testing/processes';

const SECRET = 'worker-secret';
const KEY = 'sk-lumen-test';
let coordinator: RunningCoordinator;
let client: OpenAI;
let stub: StubProcess;

beforeAll(async () => {
	coordinator = await startTestCoordinator({ worker_secret: SECRET, api_keys: [KEY], rate_limit_per_minute: 0, cors_origins: ['http://app.example'] });
	stub = await spawnStub({ coordinator: coordinator.url, secret: SECRET, tokens: 2, intervalMs: 1 });
	client = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
	await stub?.kill();
	await coordinator?.close({ graceMs: 0 });
});

const post = (path: string, body: string | object, headers: Record<string, string> = {}) =>
	fetch(`${coordinator.url}${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
		body: typeof body === 'string' ? body : JSON.stringify(body)
	});

async function expectOpenAIError(res: Response, status: number, expected: { code?: string; param?: string | null; type?: string }) {
	expect(res.status).toBe(status);
	expect(res.headers.get('content-type')).toContain('application/json');
	const body = await res.json();
	expect(Object.keys(body)).toEqual(['error']);
	expect(body.error).toMatchObject(expected);
	expect(typeof body.error.message).toBe('string');
	return body.error as { message: string; param: string | null; code: string; type: string };
}

async function expectHealthy() {
	const res = await client.chat.completions.create({ model: 'lumen-stub', messages: [{ role: 'user', content: 'ok?' }] });
	expect(res.choices[0].message.content).toBe('tok0 tok1 ');
}

const chat = { model: 'lumen-stub', messages: [{ role: 'user', content: 'Hi' }] };

describe('bad input', () => {
	it('answers malformed JSON with 400', async () => {
		await expectOpenAIError(await post('/v1/chat/completions', '{"model": "lumen-stub", '), 400, { type: 'invalid_request_error', code: 'invalid_json' });
		await expectHealthy();
	});

	it('names a missing messages parameter', async () => {
		const err = await expectOpenAIError(await post('/v1/chat/completions', { model: 'lumen-stub' }), 400, { param: 'messages' });
		expect(err.message).toContain('messages');
		await expectHealthy();
	});

	it('names a temperature out of range, through the openai client too', async () => {
		const err = await expectOpenAIError(await post('/v1/chat/completions', { ...chat, temperature: -1 }), 400, { param: 'temperature' });
		expect(err.message).toContain('temperature');
		await expect(client.chat.completions.create({ ...chat, messages: [{ role: 'user', content: 'Hi' }], temperature: -1 })).rejects.toMatchObject({
			status: 400,
			param: 'temperature'
		});
		await expectHealthy();
	});

	it('names a nested bad parameter the way OpenAI does', async () => {
		await expectOpenAIError(await post('/v1/chat/completions', { model: 'lumen-stub', messages: [{ role: 'user' }] }), 400, { param: 'messages[0].content' });
	});

	it('refuses n outside 1–16 and top_logprobs without logprobs, naming the parameter', async () => {
		await expectOpenAIError(await post('/v1/chat/completions', { ...chat, n: 17 }), 400, { param: 'n' });
		await expectOpenAIError(await post('/v1/chat/completions', { ...chat, n: 0 }), 400, { param: 'n' });
		await expectOpenAIError(await post('/v1/chat/completions', { ...chat, top_logprobs: 3 }), 400, { param: 'top_logprobs' });
	});

	it('answers an unknown model with 404 model_not_found', async () => {
		await expect(client.chat.completions.create({ ...chat, messages: [{ role: 'user', content: 'Hi' }], model: 'nope' })).rejects.toMatchObject({
			status: 404,
			code: 'model_not_found',
			param: 'model'
		});
		await expectHealthy();
	});

	it('refuses JSON nested deeper than any request needs, wherever it is, and stays healthy', async () => {
		const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
		for (const body of [nested(100_000), JSON.stringify({ ...chat, extra: 'X' }).replace('"X"', nested(100_000)), JSON.stringify({ ...chat, extra: 'X' }).replace('"X"', nested(65))]) {
			const err = await expectOpenAIError(await post('/v1/chat/completions', body), 400, { type: 'invalid_request_error', code: 'invalid_json' });
			expect(err.message).toMatch(/nested more than 64 levels deep/);
		}
		// Deep but legal nesting inside strings is just text.
		const res = await post('/v1/chat/completions', { ...chat, messages: [{ role: 'user', content: '['.repeat(10_000) }] });
		expect(res.status).toBe(200);
		await new Promise((r) => setTimeout(r, 400)); // past the request log's flush
		await expectHealthy();
	});

	it('refuses a compressed body with 415 instead of misreading it', async () => {
		for (const encoding of ['gzip', 'br', 'x-unknown']) {
			const err = await expectOpenAIError(await post('/v1/chat/completions', chat, { 'content-encoding': encoding }), 415, { code: 'unsupported_content_encoding' });
			expect(err.message).toContain(encoding);
		}
		expect((await post('/v1/chat/completions', chat, { 'content-encoding': 'identity' })).status).toBe(200);
	});

	it('refuses a 10 MB body with 413 and stays healthy', async () => {
		const huge = JSON.stringify({ ...chat, messages: [{ role: 'user', content: 'x'.repeat(10 * 1024 * 1024) }] });
		await expectOpenAIError(await post('/v1/chat/completions', huge), 413, { code: 'request_too_large' });
		await expectHealthy();
	});

	it('refuses a chunked body once it passes the limit', async () => {
		const big = new ReadableStream<Uint8Array>({
			start(controller) {
				for (let i = 0; i < 20; i++) controller.enqueue(new Uint8Array(128 * 1024).fill(0x20));
				controller.close();
			}
		});
		const res = await fetch(`${coordinator.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
			body: big,
			duplex: 'half'
		} as RequestInit);
		await expectOpenAIError(res, 413, { code: 'request_too_large' });
		await expectHealthy();
	});

	it('answers a wrong or missing API key with 401', async () => {
		const wrong = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
		await expect(wrong.models.list()).rejects.toMatchObject({ status: 401, type: 'authentication_error' });
		await expectOpenAIError(await fetch(`${coordinator.url}/v1/models`), 401, { type: 'authentication_error' });
		await expectOpenAIError(await fetch(`${coordinator.url}/workers`), 401, { type: 'authentication_error' });
		await expectHealthy();
	});

	it('refuses a worker URL that is not http(s), even with the secret', async () => {
		for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'ftp://127.0.0.1/v1', 'data:text/plain,x']) {
			const registration = { worker_id: 'odd-url', url, models: [{ id: 'odd' }] };
			const err = await expectOpenAIError(await post('/workers/register', registration, { authorization: `Bearer ${SECRET}` }), 400, { param: 'url' });
			expect(err.message).toMatch(/http/);
		}
		expect(coordinator.registry.get('odd-url')).toBeUndefined();
	});

	it('refuses a worker registration without the worker secret', async () => {
		const registration = { worker_id: 'intruder', url: 'http://127.0.0.1:9/v1', models: [{ id: 'evil' }] };
		await expectOpenAIError(await post('/workers/register', registration, { authorization: '' }), 401, { code: 'invalid_worker_secret' });
		await expectOpenAIError(await post('/workers/register', registration, { authorization: `Bearer ${KEY}` }), 401, { code: 'invalid_worker_secret' });
		expect((await client.models.list()).data.map((m) => m.id)).toEqual(['lumen-stub']);
	});

	it('validates a registration and answers heartbeats for unknown workers with known:false', async () => {
		const auth = { authorization: `Bearer ${SECRET}` };
		await expectOpenAIError(await post('/workers/register', { worker_id: 'w', url: 'not a url', models: [{ id: 'm' }] }, auth), 400, { param: 'url' });
		const beat = await post('/workers/heartbeat', { worker_id: 'ghost', queue_length: 0 }, auth);
		expect(await beat.json()).toEqual({ known: false });
	});

	it('lists workers for operators with an API key', async () => {
		const res = await fetch(`${coordinator.url}/workers`, { headers: { authorization: `Bearer ${KEY}` } });
		const { workers } = await res.json();
		expect(workers).toMatchObject([{ worker_id: stub.workerId, kind: 'registered', healthy: true, in_flight: 0 }]);
	});

	it('answers unknown endpoints with an OpenAI-shaped 404', async () => {
		await expectOpenAIError(await post('/v1/nothing', {}), 404, { code: 'not_found' });
	});

	it('answers CORS preflights for configured origins and exposes the headers the app reads', async () => {
		const res = await fetch(`${coordinator.url}/v1/chat/completions`, {
			method: 'OPTIONS',
			headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
		});
		expect(res.status).toBe(204);
		expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example');
		expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
		const real = await post('/v1/chat/completions', chat, { origin: 'http://app.example' });
		expect(real.headers.get('access-control-allow-origin')).toBe('http://app.example');
		expect(real.headers.get('access-control-expose-headers')).toContain('Retry-After');
		const other = await fetch(`${coordinator.url}/v1/models`, { headers: { origin: 'http://evil.example', authorization: `Bearer ${KEY}` } });
		expect(other.headers.get('access-control-allow-origin')).toBeNull();
	});
});

describe('rate limit', () => {
	it('answers 429 with Retry-After once a client exceeds its requests per minute, per key', async () => {
		const c = await startTestCoordinator({ api_keys: ['k1', 'k2'], rate_limit_per_minute: 3 });
		try {
			const get = (key: string) => fetch(`${c.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
			for (let i = 0; i < 3; i++) expect((await get('k1')).status).toBe(200);
			const limited = await get('k1');
			const err = await expectOpenAIError(limited, 429, { type: 'rate_limit_error', code: 'rate_limit_exceeded' });
			expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
			expect(err.message).toMatch(/Retry in \d+ s/);
			// The web app's other languages: an extra field with the numbers, which the app's client keeps...
			const seconds = Number(limited.headers.get('retry-after'));
			expect((err as unknown as { i18n: unknown }).i18n).toEqual({ key: 'error.text.rateLimited', values: { limit: 3, seconds } });
			const ours = new OpenAIClient({ url: c.url, apiKey: 'k1' });
			await expect(ours.listModels()).rejects.toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/^Rate limit of 3/), i18n: { key: 'error.text.rateLimited' } });
			// ...and the official client ignores.
			const official = new OpenAI({ baseURL: `${c.url}/v1`, apiKey: 'k1', maxRetries: 0 });
			await expect(official.models.list()).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded', message: expect.stringMatching(/Rate limit of 3/) });
			expect((await get('k2')).status).toBe(200);
		} finally {
			await c.close({ graceMs: 0 });
		}
	});
});

describe('no worker', () => {
	it('answers 503 with Retry-After when a known model has no live worker', async () => {
		const c = await startTestCoordinator({ worker_secret: SECRET });
		const s = await spawnStub({ coordinator: c.url, secret: SECRET, model: 'gone-soon' });
		try {
			await s.kill('SIGTERM'); // deregisters on the way out
			const res = await fetch(`${c.url}/v1/chat/completions`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ ...chat, model: 'gone-soon' })
			});
			await expectOpenAIError(res, 503, { code: 'unavailable', type: 'server_error' });
			expect(res.headers.get('retry-after')).toBe('5');
		} finally {
			await s.kill();
			await c.close({ graceMs: 0 });
		}
	});
});
