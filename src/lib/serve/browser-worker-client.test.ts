// BrowserWorkerClient against a scripted coordinator: a real `ws` server on a loopback port that speaks the
// protocol by hand, so each behaviour (hello, serving, cancel, the shared queue, heartbeats, reconnect with
// backoff, refusal) is driven and observed frame by frame. The real coordinator is covered by
// coordinator/browser-worker*.integration.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { BROWSER_WORKER_PROTOCOL, CloseCodes, DEFAULT_BROWSER_WORKER_LIMITS, type CoordinatorMessage } from '../protocol/browser-worker';
import { makeChunk, type ChatCompletionChunk, type ChatCompletionRequest } from '../protocol/openai';
import { BrowserWorkerClient, browserWorkerUrl, type ServeStatus } from './browser-worker-client';
import { backoffDelay } from './backoff';
import type { ServeEngine } from './engine';
import { WorkQueue } from './work-queue';

type Frame = Record<string, unknown> & { type: string };

/** A coordinator played by the test: records every frame per connection and answers when told to. */
async function scriptedCoordinator() {
	const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
	await new Promise<void>((r) => wss.once('listening', () => r()));
	const connections: { socket: WebSocket; frames: Frame[]; path: string }[] = [];
	const waiters: (() => void)[] = [];
	wss.on('connection', (socket, req) => {
		const conn = { socket, frames: [] as Frame[], path: req.url ?? '' };
		connections.push(conn);
		socket.on('message', (data) => {
			conn.frames.push(JSON.parse(String(data)));
			waiters.splice(0).forEach((w) => w());
		});
		waiters.splice(0).forEach((w) => w());
	});
	const port = (wss.address() as AddressInfo).port;
	const changed = () => new Promise<void>((r) => waiters.push(r));
	return {
		url: `http://127.0.0.1:${port}/v1`,
		connections,
		send: (i: number, msg: CoordinatorMessage) => connections[i].socket.send(JSON.stringify(msg)),
		accept: (i: number, heartbeat = 60_000) =>
			connections[i].socket.send(
				JSON.stringify({
					type: 'accepted',
					protocol: BROWSER_WORKER_PROTOCOL,
					worker_id: `browser-test-${i}`,
					heartbeat_interval_ms: heartbeat,
					expiry_ms: heartbeat * 3,
					limits: DEFAULT_BROWSER_WORKER_LIMITS
				} satisfies CoordinatorMessage)
			),
		/** Resolves with the first frame on connection `i` matching `match` (waiting for it if need be). */
		async frame(i: number, match: (f: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
			const end = Date.now() + timeoutMs;
			for (;;) {
				const found = connections[i]?.frames.find(match);
				if (found) return found;
				if (Date.now() > end) throw new Error(`no matching frame on connection ${i}: ${JSON.stringify(connections[i]?.frames)}`);
				await Promise.race([changed(), new Promise((r) => setTimeout(r, 50))]);
			}
		},
		async connection(i: number, timeoutMs = 5_000) {
			const end = Date.now() + timeoutMs;
			while (!connections[i]) {
				if (Date.now() > end) throw new Error(`no connection ${i}`);
				await Promise.race([changed(), new Promise((r) => setTimeout(r, 20))]);
			}
			return connections[i];
		},
		close: () => new Promise<void>((r) => (wss.clients.forEach((c) => c.terminate()), wss.close(() => r())))
	};
}

/** An engine that streams `tokens` one-word chunks, `intervalMs` apart, and stops when its signal aborts. */
function scriptedEngine(tokens = 5, intervalMs = 5) {
	const seen: { request: ChatCompletionRequest; signal: AbortSignal }[] = [];
	const engine: ServeEngine = {
		models: [{ id: 'tiny', context_length: 2048, capabilities: ['chat', 'completions'] }],
		async *chat(request, signal): AsyncGenerator<ChatCompletionChunk> {
			seen.push({ request, signal });
			yield makeChunk('c1', request.model, { role: 'assistant', content: '' });
			for (let i = 0; i < tokens; i++) {
				await new Promise((r) => setTimeout(r, intervalMs));
				if (signal.aborted) {
					yield makeChunk('c1', request.model, {}, 'abort', { prompt_tokens: 3, completion_tokens: i, total_tokens: 3 + i });
					return;
				}
				yield makeChunk('c1', request.model, { content: `w${i} ` });
			}
			yield makeChunk('c1', request.model, {}, 'stop', { prompt_tokens: 3, completion_tokens: tokens, total_tokens: 3 + tokens });
		}
	};
	return { engine, seen };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
	for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: { tokens?: number; intervalMs?: number; random?: () => number; queue?: WorkQueue } = {}) {
	const coordinator = await scriptedCoordinator();
	const { engine, seen } = scriptedEngine(options.tokens, options.intervalMs);
	const statuses: (ServeStatus & { at: number })[] = [];
	const client = new BrowserWorkerClient({
		WebSocket,
		coordinatorUrl: coordinator.url,
		token: 'join-token-1',
		engine,
		speed: 42,
		label: 'unit test',
		queue: options.queue,
		backoff: { initialMs: 100, maxMs: 400 },
		random: options.random ?? (() => 0.5),
		onStatus: (s) => statuses.push({ ...s, at: Date.now() })
	});
	cleanups.push(() => coordinator.close());
	cleanups.push(() => client.stop());
	return { coordinator, client, seen, statuses };
}

const chatRequest = (id: string, extra: Record<string, unknown> = {}): CoordinatorMessage => ({
	type: 'request',
	id,
	kind: 'chat',
	body: { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], stream: true, ...extra }
});

async function until(check: () => boolean, what: string, timeoutMs = 5_000) {
	const end = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 10));
	}
}

describe('BrowserWorkerClient', () => {
	it('says hello with its token, models, speed and queue, and serves once accepted', async () => {
		const { coordinator, client } = await setup();
		client.start();
		const conn = await coordinator.connection(0);
		expect(conn.path).toBe('/workers/browser');
		const hello = await coordinator.frame(0, (f) => f.type === 'hello');
		expect(hello).toEqual({
			type: 'hello',
			protocol: BROWSER_WORKER_PROTOCOL,
			token: 'join-token-1',
			models: [{ id: 'tiny', context_length: 2048, capabilities: ['chat', 'completions'] }],
			speed: 42,
			max_concurrency: 1,
			queue_length: 0,
			label: 'unit test'
		});
		expect(client.status.state).toBe('connecting');
		coordinator.accept(0);
		await until(() => client.status.state === 'serving', 'serving');
		expect(client.status.workerId).toBe('browser-test-0');
	});

	it('streams a request as chunks and ends it with done carrying finish reason and usage', async () => {
		const { coordinator, client, seen } = await setup({ tokens: 3 });
		client.start();
		await coordinator.connection(0);
		coordinator.accept(0);
		await until(() => client.status.state === 'serving', 'serving');
		coordinator.send(0, chatRequest('r1', { max_completion_tokens: 7 }));
		const done = await coordinator.frame(0, (f) => f.type === 'done');
		expect(done).toEqual({ type: 'done', id: 'r1', finish_reason: 'stop', usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } });
		const chunks = coordinator.connections[0].frames.filter((f) => f.type === 'chunk');
		expect(chunks.map((f) => (f.chunk as ChatCompletionChunk).choices[0].delta.content ?? '').join('')).toBe('w0 w1 w2 ');
		expect(chunks.every((f) => f.id === 'r1')).toBe(true);
		// OpenAI's newer name for max_tokens reaches the engine as the one the runtime reads.
		expect(seen[0].request.max_tokens).toBe(7);
		await until(() => client.status.served === 1, 'served count');
	});

	it('answers a request it cannot run with an error naming the problem, and keeps serving', async () => {
		const { coordinator, client } = await setup();
		client.start();
		await coordinator.connection(0);
		coordinator.accept(0);
		await until(() => client.status.state === 'serving', 'serving');
		coordinator.send(0, { type: 'request', id: 'r1', kind: 'chat', body: { model: 'other', messages: [{ role: 'user', content: 'Hi' }] } });
		coordinator.send(0, { type: 'request', id: 'r2', kind: 'chat', body: { model: 'tiny', messages: [] } });
		coordinator.send(0, { type: 'request', id: 'r3', kind: 'embeddings', body: { model: 'tiny', input: 'x' } });
		const e1 = await coordinator.frame(0, (f) => f.type === 'error' && f.id === 'r1');
		expect(e1.error).toMatchObject({ code: 'model_not_found', param: 'model' });
		const e2 = await coordinator.frame(0, (f) => f.type === 'error' && f.id === 'r2');
		expect(e2.error).toMatchObject({ code: 'bad_request', param: 'messages' });
		const e3 = await coordinator.frame(0, (f) => f.type === 'error' && f.id === 'r3');
		expect(e3.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/does not offer embeddings/) });
		coordinator.send(0, chatRequest('r4'));
		await coordinator.frame(0, (f) => f.type === 'done' && f.id === 'r4');
		expect(client.status).toMatchObject({ served: 1, failed: 3 });
	});

	it('stops the generation on cancel and still ends the request once, as aborted', async () => {
		const { coordinator, client, seen } = await setup({ tokens: 200, intervalMs: 10 });
		client.start();
		await coordinator.connection(0);
		coordinator.accept(0);
		await until(() => client.status.state === 'serving', 'serving');
		coordinator.send(0, chatRequest('r1'));
		await coordinator.frame(0, (f) => f.type === 'chunk' && (f.chunk as ChatCompletionChunk).choices[0].delta.content === 'w1 ');
		coordinator.send(0, { type: 'cancel', id: 'r1' });
		await until(() => client.status.cancelled === 1, 'cancelled count');
		expect(seen[0].signal.aborted).toBe(true);
		await coordinator.frame(0, (f) => (f.type === 'done' || f.type === 'error') && f.id === 'r1');
		await new Promise((r) => setTimeout(r, 100));
		const endings = coordinator.connections[0].frames.filter((f) => (f.type === 'done' || f.type === 'error') && f.id === 'r1');
		expect(endings).toHaveLength(1);
		expect(coordinator.connections[0].frames.filter((f) => f.type === 'chunk').length).toBeLessThan(20);
	});

	it("queues served requests behind the person's own chat in one line, and reports the queue", async () => {
		const queue = new WorkQueue(1);
		const { coordinator, client, seen } = await setup({ tokens: 10, intervalMs: 10, queue });
		client.start();
		await coordinator.connection(0);
		coordinator.accept(0);
		await until(() => client.status.state === 'serving', 'serving');
		const order: string[] = [];
		const local = (async () => {
			for await (const chunk of client.chat({ model: 'tiny', messages: [{ role: 'user', content: 'mine' }] }, new AbortController().signal))
				if (chunk.choices[0]?.finish_reason) order.push('local');
		})();
		await until(() => queue.running === 1, 'the local chat to run');
		coordinator.send(0, chatRequest('r1'));
		const status = await coordinator.frame(0, (f) => f.type === 'status' && f.queue_length === 2);
		expect(status).toMatchObject({ queue_length: 2 });
		expect(client.status.queue).toEqual({ running: 1, waiting: 1 });
		await coordinator.frame(0, (f) => f.type === 'done' && f.id === 'r1');
		order.push('served');
		await local;
		expect(order).toEqual(['local', 'served']);
		expect(seen.map((s) => (s.request.messages[0] as { content: string }).content)).toEqual(['mine', 'Hi']);
		await coordinator.frame(0, (f) => f.type === 'status' && f.queue_length === 0);
	});

	it('leaves the queue without running when cancelled while waiting', async () => {
		const { coordinator, client, seen } = await setup({ tokens: 30, intervalMs: 10 });
		client.start();
		await coordinator.connection(0);
		coordinator.accept(0);
		await until(() => client.status.state === 'serving', 'serving');
		coordinator.send(0, chatRequest('r1'));
		coordinator.send(0, chatRequest('r2'));
		await until(() => client.queue.waiting === 1, 'r2 to wait');
		coordinator.send(0, { type: 'cancel', id: 'r2' });
		const e = await coordinator.frame(0, (f) => f.type === 'error' && f.id === 'r2');
		expect(e.error).toMatchObject({ code: 'aborted' });
		await coordinator.frame(0, (f) => f.type === 'done' && f.id === 'r1');
		expect(seen).toHaveLength(1);
	});

	it('sends a status every heartbeat interval with its measured speed', async () => {
		const { coordinator, client } = await setup();
		client.start();
		await coordinator.connection(0);
		coordinator.accept(0, 100);
		await until(() => client.status.state === 'serving', 'serving');
		await new Promise((r) => setTimeout(r, 450));
		const statuses = coordinator.connections[0].frames.filter((f) => f.type === 'status');
		expect(statuses.length).toBeGreaterThanOrEqual(3);
		expect(statuses[0]).toEqual({ type: 'status', queue_length: 0, speed: 42, served: 0 });
	});

	it('reconnects with growing, jittered delays after drops, and never answers an old request on the new connection', async () => {
		const { coordinator, client, seen, statuses } = await setup({ tokens: 200, intervalMs: 10, random: () => 0 });
		client.start();
		await coordinator.connection(0);
		coordinator.accept(0);
		await until(() => client.status.state === 'serving', 'serving');
		coordinator.send(0, chatRequest('r1'));
		await coordinator.frame(0, (f) => f.type === 'chunk');
		coordinator.connections[0].socket.terminate(); // a network drop: no close handshake
		await until(() => client.status.state === 'reconnecting', 'reconnecting');
		expect(seen[0].signal.aborted).toBe(true);
		expect(client.status.error).toMatchObject({ code: 'network' });
		await coordinator.connection(1);
		const arrivedAt = Date.now();
		// Refused to accept: the second attempt waits longer.
		coordinator.connections[1].socket.terminate();
		await until(() => client.status.attempt === 2, 'second retry');
		// random() = 0: the lower edge of each attempt's jitter window, half of initial × 2^attempt.
		const retries = [1, 2].map((attempt) => statuses.find((s) => s.state === 'reconnecting' && s.attempt === attempt)!);
		expect(retries.map((s) => s.retryAt! - s.at)).toEqual([50, 100]);
		expect(arrivedAt).toBeGreaterThanOrEqual(retries[0].retryAt! - 2);
		await coordinator.connection(2);
		coordinator.accept(2);
		await until(() => client.status.state === 'serving', 'serving again');
		expect(client.status).toMatchObject({ attempt: 0, workerId: 'browser-test-2', error: null });
		expect(coordinator.connections[2].frames.some((f) => 'id' in f && f.id === 'r1')).toBe(false);
		expect(statuses.map((s) => s.state)).toContain('reconnecting');
	});

	it('stops for good when refused, saying why', async () => {
		const { coordinator, client } = await setup();
		client.start();
		const conn = await coordinator.connection(0);
		await coordinator.frame(0, (f) => f.type === 'hello');
		coordinator.send(0, {
			type: 'refused',
			protocol: BROWSER_WORKER_PROTOCOL,
			error: { code: 'unauthorized', message: 'The join token is not valid.', retryable: false }
		});
		conn.socket.close(CloseCodes.refused, 'The join token is not valid.');
		await until(() => client.status.state === 'refused', 'refused');
		expect(client.status.error).toMatchObject({ code: 'unauthorized', message: 'The join token is not valid.' });
		await new Promise((r) => setTimeout(r, 300));
		expect(coordinator.connections).toHaveLength(1);
	});

	it('stop() closes the socket normally, ends served work and does not reconnect', async () => {
		const { coordinator, client, seen } = await setup({ tokens: 200, intervalMs: 10 });
		client.start();
		const conn = await coordinator.connection(0);
		coordinator.accept(0);
		await until(() => client.status.state === 'serving', 'serving');
		const closed = new Promise<number>((r) => conn.socket.once('close', (code) => r(code)));
		coordinator.send(0, chatRequest('r1'));
		await coordinator.frame(0, (f) => f.type === 'chunk');
		await client.stop();
		expect(await closed).toBe(CloseCodes.normal);
		expect(seen[0].signal.aborted).toBe(true);
		expect(client.status.state).toBe('stopped');
		await new Promise((r) => setTimeout(r, 300));
		expect(coordinator.connections).toHaveLength(1);
	});
});

describe('browserWorkerUrl', () => {
	it('turns the coordinator URL people write into its WebSocket endpoint', () => {
		expect(browserWorkerUrl('http://localhost:8000')).toBe('ws://localhost:8000/workers/browser');
		expect(browserWorkerUrl('https://lumen.example/v1/')).toBe('wss://lumen.example/workers/browser');
		expect(browserWorkerUrl('https://lumen.example/team/v1')).toBe('wss://lumen.example/team/workers/browser');
		expect(browserWorkerUrl('ws://10.0.0.2:9000/workers/browser')).toBe('ws://10.0.0.2:9000/workers/browser');
	});

	it('refuses what is not an http(s) or ws(s) URL, saying how to write one', () => {
		expect(() => browserWorkerUrl('localhost:8000')).toThrow(/http:\/\/, https:\/\/, ws:\/\/ or wss:\/\//);
		expect(() => browserWorkerUrl('not a url')).toThrow(/is not a URL\. Write the coordinator's address like http:\/\/host:8000/);
	});
});

describe('backoffDelay', () => {
	it('grows exponentially up to the cap, with half of each delay random', () => {
		const opts = { initialMs: 500, maxMs: 30_000, factor: 2 };
		expect([0, 1, 2, 3].map((a) => backoffDelay(a, () => 0, opts))).toEqual([250, 500, 1000, 2000]);
		expect([0, 1, 2, 3].map((a) => backoffDelay(a, () => 0.999999, opts))).toEqual([500, 1000, 2000, 4000]);
		expect(backoffDelay(20, () => 0, opts)).toBe(15_000);
		expect(backoffDelay(20, () => 0.999999, opts)).toBe(30_000);
	});
});
