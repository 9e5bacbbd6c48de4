// `lumen serve` as a real process: coordinator + built-in worker + web app on one port, a streamed chat
// through the coordinator that matches Node's greedy reference, and a graceful SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
		env: { ...process.env, LUMEN_DB: join(dataDir, 'lumen.db'), LUMEN_WORKER_SECRET: 'serve-secret', PORT: '' }
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

	it('on SIGTERM deregisters its worker and exits 0', async () => {
		child.kill('SIGTERM');
		expect(await exited).toBe(0);
		expect(err).toMatch(/deregistered/);
	});
});
