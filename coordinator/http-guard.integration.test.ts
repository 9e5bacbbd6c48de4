// Requests Node's HTTP parser refuses before any route sees them (oversized headers, a 60 KB URL,
// garbage, smuggling attempts, a missing Host, CONNECT…) still get a complete HTTP/1.1 response with
// an OpenAI-shaped JSON body, from the coordinator and from a native worker alike.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../workers/native/worker-process';
import { parseWorkerOptions } from '../workers/native/options';
import type { RunningCoordinator } from './server';
import { startStubWorker } from './testing/stub-worker';
import { startTestCoordinator } from './testing/processes';

let coordinator: RunningCoordinator;
let upstream: Awaited<ReturnType<typeof startStubWorker>>;
let worker: RunningWorker;

beforeAll(async () => {
	coordinator = await startTestCoordinator();
	upstream = await startStubWorker({
		port: 0,
		host: '127.0.0.1',
		models: ['lumen-stub'],
		tokens: 2,
		intervalMs: 1,
		firstTokenMs: 1,
		failure: { kind: 'none' },
		embeddings: false,
		speed: 1,
		log: () => undefined
	});
	worker = await startWorker(parseWorkerOptions({ backend: 'openai', upstream: upstream.url }), () => undefined);
});
afterAll(async () => {
	await worker?.shutdown();
	await upstream?.close();
	await coordinator?.close({ graceMs: 0 });
});

/** Sends raw bytes, returns everything received until the server closes (or 3 s pass). */
function raw(port: number, data: string): Promise<{ text: string; closedByServer: boolean }> {
	return new Promise((resolve) => {
		const socket = connect(port, '127.0.0.1');
		let text = '';
		let closedByServer = false;
		const timer = setTimeout(() => socket.destroy(), 3_000);
		socket.setEncoding('latin1');
		socket.on('data', (d: string) => (text += d));
		socket.on('end', () => (closedByServer = true));
		socket.on('error', () => undefined);
		socket.on('close', () => (clearTimeout(timer), resolve({ text, closedByServer })));
		socket.write(data, 'latin1');
	});
}

type Parsed = { status: number; headers: Record<string, string>; body: string };

/** Splits a stream of HTTP/1.1 responses (Content-Length framed, as ours are). */
function responses(text: string): Parsed[] {
	const out: Parsed[] = [];
	let rest = text;
	while (rest.startsWith('HTTP/1.1 ')) {
		const end = rest.indexOf('\r\n\r\n');
		if (end < 0) break;
		const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
		const headers: Record<string, string> = {};
		for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
		const length = Number(headers['content-length'] ?? 0);
		out.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
		rest = rest.slice(end + 4 + length);
	}
	return out;
}

function expectOpenAIError(r: Parsed, status: number) {
	expect(r.status).toBe(status);
	expect(r.headers['content-type']).toContain('application/json');
	expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body, 'latin1'));
	const body = JSON.parse(r.body);
	expect(Object.keys(body)).toEqual(['error']);
	expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
	expect(typeof body.error.message).toBe('string');
	expect(body.error.message.length).toBeGreaterThan(10);
	expect(typeof body.error.code).toBe('string');
	expect(typeof body.error.type).toBe('string');
}

const cases: [string, string, number][] = [
	['a header over Node’s limit', `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
	['a 60 KB URL', `GET /v1/${'a'.repeat(60_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
	['a garbage request line', 'HELLO THERE\r\n\r\n', 400],
	['an HTTP/0.9 request', 'GET /\r\n\r\n', 400],
	['an HTTP/2.0 request line', 'GET /v1/models HTTP/2.0\r\nHost: x\r\n\r\n', 400],
	['an HTTP/1.1 request without Host', 'GET /v1/models HTTP/1.1\r\n\r\n', 400],
	['a non-numeric Content-Length', 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
	['both Content-Length and Transfer-Encoding', 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
	['a bad chunk size', 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n', 400],
	['a NUL in a header value', 'GET /v1/models HTTP/1.1\r\nHost: x\r\nX-A: b\u0000c\r\n\r\n', 400],
	['an unsupported Expect', 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}', 417],
	['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405]
];

for (const [server, port] of [
	['coordinator', () => coordinator.port],
	['native worker', () => worker.port]
] as const) {
	describe(`the ${server} refusing malformed HTTP`, () => {
		for (const [name, request, status] of cases) {
			it(`answers ${name} with a complete ${status} OpenAI error, then closes`, async () => {
				const { text, closedByServer } = await raw(port(), request);
				const [first, ...more] = responses(text);
				expect(first, text.slice(0, 200)).toBeDefined();
				expectOpenAIError(first, status);
				expect(first.headers.connection).toBe('close');
				expect(more).toEqual([]);
				expect(closedByServer).toBe(true);
			});
		}

		it('answers pipelined requests in order and the malformed one after them', async () => {
			const { text } = await raw(port(), 'GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n');
			const got = responses(text);
			expect(got.map((r) => r.status)).toEqual([200, 200, 400]);
			expect(JSON.parse(got[0].body).object).toBe('list');
			expectOpenAIError(got[2], 400);
		});
	});
}
