// The server around the API: graceful shutdown, the built web app on the same port, error rows in the log.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from './server';
import { spawnStub, startTestCoordinator, type StubProcess } from './testing/processes';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
	for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function withStub(tokens: number, intervalMs: number): Promise<{ coordinator: RunningCoordinator; stub: StubProcess; client: OpenAI }> {
	const coordinator = await startTestCoordinator({ worker_secret: 's' });
	cleanup.push(() => coordinator.close({ graceMs: 0 }));
	const stub = await spawnStub({ coordinator: coordinator.url, secret: 's', tokens, intervalMs });
	cleanup.push(() => stub.kill());
	return { coordinator, stub, client: new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: 'x', maxRetries: 0 }) };
}

const ask = { model: 'lumen-stub', messages: [{ role: 'user' as const, content: 'Hi' }], stream: true as const };

describe('graceful shutdown', () => {
	it('lets a running stream finish within the grace period and refuses new connections', async () => {
		const { coordinator, client } = await withStub(10, 30);
		const stream = await client.chat.completions.create(ask);
		const t0 = performance.now();
		const closed = coordinator.close({ graceMs: 5_000 });
		let text = '';
		for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
		expect(text.split(' ').filter(Boolean)).toHaveLength(10);
		await closed;
		// Done once the stream is, not when the grace period runs out.
		expect(performance.now() - t0).toBeLessThan(2_000);
		await expect(fetch(`${coordinator.url}/v1/models`)).rejects.toThrow();
	});

	it('cuts streams that outlive the grace period, so close() returns in bounded time', async () => {
		const { coordinator, client, stub } = await withStub(500, 20);
		const stream = await client.chat.completions.create(ask);
		const t0 = performance.now();
		await coordinator.close({ graceMs: 200 });
		expect(performance.now() - t0).toBeLessThan(2_000);
		await expect(
			(async () => {
				for await (const _ of stream);
			})()
		).rejects.toThrow();
		// Cutting the client also stopped the worker's generation.
		await stub.waitForLine(/^aborted 1$/, 2_000);
	});
});

describe('web app', () => {
	it('serves the built app with cross-origin isolation at / while the API keeps its own headers', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'lumen-web-'));
		cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
		writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Lumen</title>');
		writeFileSync(join(dir, 'app.js'), 'console.log(1)');
		const coordinator = await startTestCoordinator({ web_app_dir: dir });
		cleanup.push(() => coordinator.close({ graceMs: 0 }));
		const home = await fetch(`${coordinator.url}/`);
		expect(await home.text()).toContain('<title>Lumen</title>');
		expect(home.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
		expect(await (await fetch(`${coordinator.url}/app.js`)).text()).toBe('console.log(1)');
		// Client-side routes fall back to the app shell.
		expect(await (await fetch(`${coordinator.url}/chat/123`)).text()).toContain('<title>Lumen</title>');
		const api = await fetch(`${coordinator.url}/v1/models`);
		expect(api.headers.get('cross-origin-resource-policy')).toBeNull();
		expect((await fetch(`${coordinator.url}/v1/nope`)).headers.get('content-type')).toContain('application/json');
	});
});

describe('web app errors', () => {
	it('answers a missing file in OpenAI JSON and never serves what lies outside the app', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'lumen-web-'));
		cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
		const web = join(dir, 'build');
		mkdirSync(web);
		writeFileSync(join(web, 'index.html'), '<!doctype html><title>Lumen</title>');
		writeFileSync(join(dir, 'secret.txt'), 'TOPSECRET');
		const coordinator = await startTestCoordinator({ web_app_dir: web });
		cleanup.push(() => coordinator.close({ graceMs: 0 }));
		const missing = await fetch(`${coordinator.url}/missing.js`);
		expect(missing.status).toBe(404);
		expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null, code: 'not_found' } });
		const range = await fetch(`${coordinator.url}/index.html`, { headers: { Range: 'bytes=999999-' } });
		expect(range.status).toBe(416);
		expect(await range.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null, code: 'range_not_satisfiable' } });
		for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/static/../../secret.txt', '/..%5csecret.txt'])
			expect(await (await fetch(`${coordinator.url}${path}`)).text()).not.toContain('TOPSECRET');
	});
});

describe('request log', () => {
	it('keeps only the sampling parameters, never what else a client sends (a 500 KB field would fill the disk)', async () => {
		const { coordinator } = await withStub(1, 1);
		const res = await fetch(`${coordinator.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ ...ask, stream: false, temperature: 0.5, max_tokens: 1, stop: ['s'.repeat(100_000)], padding: 'p'.repeat(500_000), nested: { a: [1, 2] } })
		});
		expect(res.status).toBe(200);
		const [row] = coordinator.requestLog.recent(1);
		expect(row.params).toEqual({ stream: false, temperature: 0.5, max_tokens: 1, stop: [`${'s'.repeat(100)}…`], message_count: 1 });
	});

	it('records refused requests too, with their status and error code', async () => {
		const { coordinator, client } = await withStub(1, 1);
		await expect(client.chat.completions.create({ ...ask, model: 'missing' })).rejects.toMatchObject({ status: 404 });
		const [row] = coordinator.requestLog.recent(1);
		expect(row).toMatchObject({ endpoint: 'chat/completions', model: 'missing', status: 404, error_code: 'model_not_found', worker_id: null });
	});
});
