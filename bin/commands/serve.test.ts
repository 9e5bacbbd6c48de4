// `lumen serve` as a real process: coordinator + built-in worker + web app on one port, a streamed chat
// through the coordinator that matches Node's greedy reference, a worker secret made and required by
// default, and a graceful SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyGenerateNode } from '../../scripts/model-builder/node-generate';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { PROJECT_ROOT, until } from '../../workers/native/test-support';

const dataDir = mkdtempSync(join(tmpdir(), 'lumen-serve-'));
// A stand-in for build/ so the test does not depend on whether the app was built first.
const webDir = join(dataDir, 'web');
mkdirSync(webDir);
writeFileSync(join(webDir, 'index.html'), '<!doctype html><html><body>lumen test app</body></html>');
let child: ChildProcessWithoutNullStreams;
let exited: Promise<number | null>;
let out = '';
let err = '';
let url = '';

beforeAll(async () => {
	ensureModels();
	child = spawn(process.execPath, ['bin/lumen.js', 'serve', '--port', '0', '--threads', '1', '--web-dir', webDir], {
		cwd: PROJECT_ROOT,
		// No LUMEN_WORKER_SECRET: the secure default is under test.
		env: { ...process.env, LUMEN_DB: join(dataDir, 'lumen.db'), LUMEN_WORKER_SECRET: '', PORT: '' }
	});
	child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
	child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
	exited = new Promise((r) => child.once('exit', (code) => r(code)));
	await until(() => /\bready\b/.test(err) || child.exitCode !== null, 60_000, 50);
	const m = /Lumen Chat on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
	if (!m) throw new Error(`lumen serve did not start:\n${out}\n${err}`);
	url = m[1];
});
afterAll(() => {
	if (child?.exitCode === null) child.kill('SIGKILL');
	rmSync(dataDir, { recursive: true, force: true });
});

describe('lumen serve', () => {
	it('serves the built-in worker’s model through the coordinator’s OpenAI API, greedy text equal to Node', async () => {
		const client = new OpenAI({ baseURL: url + '/v1', apiKey: 'unused', maxRetries: 0 });
		expect((await client.models.list()).data.map((m) => m.id)).toContain('lumen-tiny-a');
		const messages = [{ role: 'user' as const, content: 'What is a worker?' }];
		let text = '';
		for await (const c of await client.chat.completions.create({ model: 'lumen-tiny-a', messages, temperature: 0, max_tokens: 24, stream: true }))
			text += c.choices[0]?.delta.content ?? '';
		const reference = await greedyGenerateNode({ modelDir: ensureModels(), modelId: 'lumen-tiny-a', messages, maxNewTokens: 24 });
		expect(text).toBe(reference.text);
	});

	it('serves the web app on the same port', async () => {
		const res = await fetch(url + '/');
		expect(res.status).toBe(200);
		expect(await res.text()).toContain('lumen test app');
		expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
	});

	it('makes a worker secret, keeps it in a 0600 file beside the database and never prints it', async () => {
		const file = join(dataDir, 'worker-secret');
		expect(statSync(file).mode & 0o777).toBe(0o600);
		const secret = readFileSync(file, 'utf8').trim();
		expect(secret.length).toBeGreaterThanOrEqual(40);
		expect(out + err).not.toContain(secret);
		// It tells the operator how to add a worker without showing the secret.
		expect(out + err).toContain(`LUMEN_WORKER_SECRET="$(cat ${file})"`);
	});

	it('refuses a worker registration without the secret (401, OpenAI-shaped) while its own worker is registered', async () => {
		const registration = {
			worker_id: 'intruder',
			url: 'http://127.0.0.1:9/v1',
			models: [{ id: 'lumen-tiny-a', capabilities: ['chat'] }],
			speed: 1000,
			max_concurrency: 1,
			queue_length: 0,
			backend: 'stub'
		};
		for (const authorization of [undefined, 'Bearer wrong-secret']) {
			const res = await fetch(`${url}/workers/register`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
				body: JSON.stringify(registration)
			});
			expect(res.status).toBe(401);
			expect(await res.json()).toEqual({
				error: { message: expect.stringContaining('worker secret'), type: 'authentication_error', param: null, code: 'invalid_worker_secret' }
			});
		}
		const { workers } = (await (await fetch(`${url}/workers`)).json()) as { workers: { worker_id: string }[] };
		expect(workers.map((w) => w.worker_id)).toEqual(['lumen-serve:lumen-tiny-a']);
		// The secret from the file is what a worker needs.
		const secret = readFileSync(join(dataDir, 'worker-secret'), 'utf8').trim();
		const ok = await fetch(`${url}/workers/heartbeat`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
			body: JSON.stringify({ worker_id: 'lumen-serve:lumen-tiny-a', queue_length: 0 })
		});
		expect(await ok.json()).toEqual({ known: true });
	});

	it('runs its worker in a child process and starts it again when it dies, the coordinator answering throughout', async () => {
		const pid = Number(/built-in worker started \(pid (\d+)\)/.exec(err)?.[1]);
		expect(pid).toBeGreaterThan(0);
		expect(pid).not.toBe(child.pid);
		process.kill(pid, 'SIGKILL');
		await until(() => /built-in worker exited unexpectedly/.test(err), 10_000, 50);
		expect((await fetch(`${url}/v1/models`)).status).toBe(200);
		const client = new OpenAI({ baseURL: url + '/v1', apiKey: 'unused', maxRetries: 0 });
		await until(async () => (await client.chat.completions.create({ model: 'lumen-tiny-a', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 }).then(() => true, () => false)), 60_000, 200);
		expect([...err.matchAll(/built-in worker started \(pid (\d+)\)/g)].map((m) => Number(m[1]))).toHaveLength(2);
	});

	it('on SIGTERM deregisters its worker and exits 0', async () => {
		child.kill('SIGTERM');
		expect(await exited).toBe(0);
		expect(err).toMatch(/deregistered/);
	});
});
