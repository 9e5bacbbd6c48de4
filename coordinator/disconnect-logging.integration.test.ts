// A client that hangs up is routine: the coordinator notes it in one line, without a stack trace, so
// real errors (which keep theirs) stand out in the log.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCoordinator, spawnStub, until, type CoordinatorProcess, type StubProcess } from './testing/processes';

const SECRET = 'log-secret';
const dataDir = mkdtempSync(join(tmpdir(), 'lumen-disconnect-'));
let coordinator: CoordinatorProcess;
let stub: StubProcess;

beforeAll(async () => {
	coordinator = await spawnCoordinator({ LUMEN_DB: join(dataDir, 'lumen.db'), LUMEN_WORKER_SECRET: SECRET });
	stub = await spawnStub({ coordinator: coordinator.url, secret: SECRET, model: 'lumen-stub', tokens: 400, intervalMs: 10, firstTokenMs: 10 });
});
afterAll(async () => {
	await stub?.kill();
	await coordinator?.kill();
	rmSync(dataDir, { recursive: true, force: true });
});

const log = () => coordinator.stdout() + coordinator.stderr();
const disconnectLines = () => log().split('\n').filter((l) => /client closed/i.test(l));

describe('a client disconnecting', () => {
	it('mid-upload is one info line, no stack', async () => {
		const before = disconnectLines().length;
		await new Promise<void>((resolve) => {
			const socket = connect(Number(new URL(coordinator.url).port), '127.0.0.1', () => {
				socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":"lumen-stub",');
				setTimeout(() => (socket.destroy(), resolve()), 200);
			});
		});
		await until(() => disconnectLines().length === before + 1, 3_000, 'the disconnect line');
		expect(disconnectLines().at(-1)).toMatch(/POST \/v1\/chat\/completions/);
	});

	it('mid-stream is one info line, no stack', async () => {
		const before = disconnectLines().length;
		const abort = new AbortController();
		const res = await fetch(`${coordinator.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'lumen-stub', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
			signal: abort.signal
		});
		const reader = res.body!.getReader();
		await reader.read();
		await reader.read();
		abort.abort();
		await stub.waitForLine(/^aborted 1$/, 3_000);
		await until(() => disconnectLines().length === before + 1, 3_000, 'the disconnect line');
	});

	it('while waiting for a whole answer is one info line, no stack', async () => {
		const before = disconnectLines().length;
		const abort = new AbortController();
		const pending = fetch(`${coordinator.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'lumen-stub', messages: [{ role: 'user', content: 'Hi' }] }),
			signal: abort.signal
		}).catch(() => undefined);
		await new Promise((r) => setTimeout(r, 300));
		abort.abort();
		await pending;
		await stub.waitForLine(/^aborted 2$/, 3_000);
		await until(() => disconnectLines().length === before + 1, 3_000, 'the disconnect line');
	});

	it('never printed a stack trace or ECONNRESET, and the coordinator still answers', async () => {
		expect(log()).not.toMatch(/^\s+at /m);
		expect(log()).not.toMatch(/ECONNRESET|Error: aborted/);
		expect((await fetch(`${coordinator.url}/v1/models`)).status).toBe(200);
	});
});
