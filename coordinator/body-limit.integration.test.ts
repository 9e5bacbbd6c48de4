// A body over the limit gets its 413 every time: the coordinator lets the client finish uploading
// (up to a bound) before it answers, so the client never hits EPIPE on a socket closed under it.
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCoordinator, type CoordinatorProcess } from './testing/processes';

// Its own process, as in production: in the test's event loop the upload would never race the close.
const dataDir = mkdtempSync(join(tmpdir(), 'lumen-body-limit-'));
let coordinator: CoordinatorProcess & { port: number };
beforeAll(async () => {
	const c = await spawnCoordinator({ LUMEN_DB: join(dataDir, 'lumen.db'), LUMEN_BODY_LIMIT_BYTES: String(1024 * 1024), LUMEN_WORKER_SECRET: 's' });
	coordinator = Object.assign(c, { port: Number(new URL(c.url).port) });
});
afterAll(async () => {
	await coordinator?.kill();
	rmSync(dataDir, { recursive: true, force: true });
});

type Answer = { status?: number; body?: string; error?: string };

/** Uploads `body` with node:http (Content-Length, or chunked in 64 KiB pieces) and collects the answer. */
function upload(path: string, body: Buffer, chunked: boolean, auth = 'Bearer s'): Promise<Answer> {
	return new Promise((resolve) => {
		const headers: Record<string, string | number> = { 'content-type': 'application/json', connection: 'close', authorization: auth };
		if (!chunked) headers['content-length'] = body.length;
		const req = request(`${coordinator.url}${path}`, { method: 'POST', headers }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d: string) => (text += d));
			res.on('end', () => resolve({ status: res.statusCode, body: text }));
			res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
		});
		req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
		if (!chunked) return void req.end(body);
		let i = 0;
		const step = 64 * 1024;
		const pump = () => {
			while (i < body.length) {
				const more = req.write(body.subarray(i, (i += step)));
				if (!more) return void req.once('drain', pump);
			}
			req.end();
		};
		pump();
	});
}

const tooLarge = {
	error: { message: 'The request body is larger than the limit of 1048576 bytes.', type: 'invalid_request_error', param: null, code: 'request_too_large' }
};

describe('a body over the limit', () => {
	const big = Buffer.alloc(10 * 1024 * 1024, 0x61);

	for (const [path, chunked] of [
		['/v1/chat/completions', false],
		['/v1/chat/completions', true],
		['/api/arena/votes', false],
		['/workers/register', true]
	] as const) {
		it(`gets a 413 with an OpenAI error 20 times out of 20 (${path}, ${chunked ? 'chunked' : 'Content-Length'})`, async () => {
			const answers: Answer[] = [];
			for (let i = 0; i < 20; i++) answers.push(await upload(path, big, chunked));
			expect(answers.filter((a) => a.status !== 413 || JSON.parse(a.body ?? '{}').error?.code !== 'request_too_large')).toEqual([]);
			expect(JSON.parse(answers[0].body!)).toEqual(tooLarge);
		}, 120_000);
	}

	it('lets the upload finish before any answer that did not read the body (a 401 here), 20 times out of 20', async () => {
		const answers: Answer[] = [];
		for (let i = 0; i < 20; i++) answers.push(await upload('/workers/register', big, false, 'Bearer wrong'));
		expect(answers.filter((a) => a.status !== 401 || JSON.parse(a.body ?? '{}').error?.type !== 'authentication_error')).toEqual([]);
	}, 120_000);

	it('lets a client that uploads in pieces send every byte before it answers, 20 times out of 20', async () => {
		const piece = Buffer.alloc(1024 * 1024, 0x61);
		const once = () =>
			new Promise<{ answer: string; error: string | null; sent: number }>((resolve) => {
				const socket = connect(coordinator.port, '127.0.0.1');
				let answer = '';
				let error: string | null = null;
				let sent = 0;
				socket.setEncoding('utf8');
				socket.on('data', (d: string) => (answer += d));
				socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
				socket.on('close', () => resolve({ answer, error, sent }));
				socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${10 * piece.length}\r\n\r\n`);
				const next = () => {
					if (socket.destroyed) return;
					socket.write(piece);
					if (++sent < 10) setTimeout(next, 5);
				};
				next();
			});
		for (let i = 0; i < 20; i++) {
			const { answer, error, sent } = await once();
			expect(error).toBeNull();
			// The coordinator read all ten pieces: it did not hang up while the client was still sending.
			expect(sent).toBe(10);
			expect(answer).toMatch(/^HTTP\/1\.1 413 /);
			expect(answer).toContain('"code":"request_too_large"');
		}
	}, 60_000);

	it('keeps a keep-alive connection usable after draining the refused body', async () => {
		const answer = await new Promise<string>((resolve, reject) => {
			const socket = connect(coordinator.port, '127.0.0.1');
			let text = '';
			socket.setEncoding('utf8');
			socket.on('data', (d: string) => {
				text += d;
				if (/HTTP\/1\.1 200[\s\S]*"object":"list"/.test(text)) {
					socket.destroy();
					resolve(text);
				}
			});
			socket.on('error', reject);
			socket.on('close', () => resolve(text));
			const body = Buffer.alloc(2 * 1024 * 1024, 0x61);
			socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
			socket.write(body);
			socket.write('GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n');
		});
		expect(answer).toMatch(/^HTTP\/1\.1 413 /);
		expect(answer).toContain('"code":"request_too_large"');
		expect(answer).toMatch(/HTTP\/1\.1 200 OK[\s\S]*"object":"list"/);
	});

	it('answers a declared length beyond the drain bound at once, then closes', async () => {
		const answer = await new Promise<string>((resolve, reject) => {
			const socket = connect(coordinator.port, '127.0.0.1');
			let text = '';
			socket.setEncoding('utf8');
			socket.on('data', (d: string) => (text += d));
			socket.on('error', reject);
			socket.on('close', () => resolve(text));
			socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 ** 3}\r\n\r\n{"model":`);
		});
		expect(answer).toMatch(/^HTTP\/1\.1 413 /);
		expect(answer).toMatch(/\r\nConnection: close\r\n/i);
		expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual(tooLarge);
	});
});
