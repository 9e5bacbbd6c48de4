// BrowserWorkerClient: serves a ServeEngine's model to a Lumen coordinator over a WebSocket, as a
// "browser worker" (protocol: src/lib/protocol/browser-worker.ts). Pure TS, no DOM and no Node: it takes
// the WebSocket constructor (the browser's global, or the `ws` package in Node), so it runs in a Web Worker,
// a page or a Node process alike.
//
// What stays true:
// - Served requests and the person's own (`chat()`, `queue`) wait in ONE WorkQueue, first come first served.
// - Every request the coordinator sent on a connection gets exactly one ending on that same connection
//   (done, result or error), cancelled ones included; nothing is ever sent for it on a later connection.
// - A status (queue length, tokens/s, requests served) goes out every heartbeat interval and whenever the queue changes.
// - A dropped connection is retried with exponential backoff and jitter until stop(); a refusal (wrong join
//   token, other protocol version) is final: the status says why and nothing is retried.
import {
	BROWSER_WORKER_PROTOCOL,
	CloseCodes,
	CoordinatorMessageSchema,
	parseFrame,
	type Accepted,
	type RequestMessage,
	type TabMessageInput
} from '../protocol/browser-worker';
import { LumenError, toLumenError, type LumenErrorData } from '../protocol/errors';
import type { ChatCompletionChunk, ChatCompletionRequest, FinishReason, Usage } from '../protocol/openai';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import type { ServeEngine, ServedCompletionChunk } from './engine';
import { browserWorkerUrl, OPEN, type BrowserWorkerClientOptions, type ServeStatus, type SocketLike } from './client-types';
import { prepareServedRequest } from './served-request';
import { SpeedMeter } from './speed-meter';
import { WorkQueue } from './work-queue';

export { browserWorkerUrl, type BrowserWorkerClientOptions, type ServeState, type ServeStatus, type SocketConstructor, type SocketLike } from './client-types';

type Connection = {
	socket: SocketLike;
	accepted: Accepted | null;
	/** Requests the coordinator sent on this connection and that have not ended yet. */
	active: Map<string, AbortController>;
	heartbeat: ReturnType<typeof setInterval> | null;
	connectTimer: ReturnType<typeof setTimeout> | null;
	statusQueued: boolean;
	refusal: LumenErrorData | null;
	/** Called whenever a request of this connection ended. */
	onEnded: (() => void) | null;
};

export class BrowserWorkerClient {
	readonly queue: WorkQueue;
	readonly url: string;
	private readonly engine: ServeEngine;
	private readonly meter: SpeedMeter;
	private readonly backoff: BackoffOptions;
	private readonly random: () => number;
	private readonly now: () => number;
	private readonly log: (line: string) => void;
	private conn: Connection | null = null;
	private retryTimer: ReturnType<typeof setTimeout> | null = null;
	private running = false;
	private stopping: Promise<void> | null = null;
	private readonly listeners = new Set<(s: ServeStatus) => void>();
	private current: ServeStatus;

	constructor(private readonly options: BrowserWorkerClientOptions) {
		this.url = browserWorkerUrl(options.coordinatorUrl);
		if (!options.token.trim()) throw new LumenError('bad_request', 'A join token is needed to serve: ask the coordinator\'s operator for one.');
		if (options.engine.models.length === 0) throw new LumenError('bad_request', 'The engine serves no model: load one first.');
		this.engine = options.engine;
		this.queue = options.queue ?? new WorkQueue(1);
		this.meter = new SpeedMeter(options.speed);
		this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
		this.random = options.random ?? Math.random;
		this.now = options.now ?? Date.now;
		this.log = options.log ?? (() => undefined);
		if (options.onStatus) this.listeners.add(options.onStatus);
		this.current = {
			state: 'stopped',
			url: this.url,
			workerId: null,
			models: this.engine.models.map((m) => m.id),
			served: 0,
			failed: 0,
			cancelled: 0,
			tokensPerSecond: options.speed,
			queue: { running: 0, waiting: 0 },
			attempt: 0,
			retryAt: null,
			error: null
		};
		this.queue.onChange(() => {
			this.update({ queue: { running: this.queue.running, waiting: this.queue.waiting } });
			this.queueStatus();
		});
	}

	get status(): ServeStatus {
		return this.current;
	}

	/** Calls `listener` after every status change; returns an unsubscribe function. */
	subscribe(listener: (s: ServeStatus) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Connects, and keeps reconnecting after drops until stop() (or a refusal). */
	start(): void {
		if (this.running) return;
		this.running = true;
		this.stopping = null;
		this.update({ attempt: 0, error: null, retryAt: null });
		this.connect();
	}

	/** Closes the connection and stops reconnecting; served requests in progress are stopped. Resolves once they ended. */
	stop(): Promise<void> {
		if (this.stopping) return this.stopping;
		this.running = false;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = null;
		const conn = this.conn;
		this.conn = null;
		let ended = Promise.resolve();
		if (conn) {
			ended = this.drop(conn);
			if (conn.socket.readyState <= OPEN) conn.socket.close(CloseCodes.normal, 'stopped serving');
		}
		this.update({ state: 'stopped', workerId: null, retryAt: null });
		this.stopping = ended;
		return ended;
	}

	/**
	 * The person's own chat, queued with the served requests (the tab runs one generation at a time).
	 * Its generation counts towards the measured tokens/s.
	 */
	chat(request: ChatCompletionRequest, signal: AbortSignal): AsyncIterable<ChatCompletionChunk> {
		return this.queue.stream(signal, (s) => this.metered(this.engine.chat(request, s)));
	}

	// ---- connection ----

	private connect(): void {
		this.update({ state: 'connecting', retryAt: null });
		let socket: SocketLike;
		try {
			socket = new this.options.WebSocket(this.url);
		} catch (err) {
			this.retry(toLumenError(err, 'network').toData());
			return;
		}
		const conn: Connection = { socket, accepted: null, active: new Map(), heartbeat: null, connectTimer: null, statusQueued: false, refusal: null, onEnded: null };
		this.conn = conn;
		conn.connectTimer = setTimeout(() => {
			if (this.conn !== conn || conn.accepted) return;
			this.log('the coordinator did not accept in time; retrying');
			socket.close(CloseCodes.normal, 'no answer');
			this.closed(conn, { code: 1006, reason: 'The coordinator did not answer in time.' });
		}, this.options.connectTimeoutMs ?? 15_000);
		socket.onopen = () => {
			if (this.conn !== conn) return;
			this.send(conn, {
				type: 'hello',
				protocol: BROWSER_WORKER_PROTOCOL,
				token: this.options.token,
				models: [...this.engine.models],
				speed: this.speedNow(),
				max_concurrency: this.queue.maxConcurrency,
				queue_length: this.queue.length,
				...(this.options.label ? { label: this.options.label.slice(0, 200) } : {})
			});
		};
		socket.onmessage = (event) => {
			if (this.conn !== conn) return;
			const text = typeof event.data === 'string' ? event.data : textOf(event.data);
			this.receive(conn, text);
		};
		socket.onerror = () => undefined; // the close event that follows says what happened
		socket.onclose = (event) => this.closed(conn, event);
	}

	private receive(conn: Connection, text: string | null): void {
		const frame = text === null ? ({ ok: false, reason: 'a binary frame' } as const) : parseFrame(CoordinatorMessageSchema, text);
		if (!frame.ok) {
			// The coordinator is the trusted side; a frame we cannot read means the versions drifted apart.
			this.log(`unreadable message from the coordinator (${frame.reason}); reconnecting`);
			conn.socket.close(CloseCodes.protocolError, 'unreadable message');
			return;
		}
		const msg = frame.message;
		switch (msg.type) {
			case 'accepted':
				if (conn.connectTimer) clearTimeout(conn.connectTimer);
				conn.accepted = msg;
				conn.heartbeat = setInterval(() => this.sendStatus(conn), msg.heartbeat_interval_ms);
				this.log(`serving ${this.current.models.join(', ')} to ${this.url} as ${msg.worker_id}`);
				this.update({ state: 'serving', workerId: msg.worker_id, attempt: 0, error: null });
				return;
			case 'refused':
				conn.refusal = msg.error;
				this.log(`refused by the coordinator: ${msg.error.message}`);
				return;
			case 'request':
				if (!conn.accepted || conn.active.has(msg.id)) {
					conn.socket.close(CloseCodes.protocolError, 'unexpected request');
					return;
				}
				void this.serve(conn, msg);
				return;
			case 'cancel':
				conn.active.get(msg.id)?.abort();
				return;
		}
	}

	private closed(conn: Connection, event: { code: number; reason: string }): void {
		if (this.conn !== conn) return;
		this.conn = null;
		void this.drop(conn);
		if (!this.running) return;
		const final = event.code === CloseCodes.refused || event.code === CloseCodes.versionMismatch;
		if (final) {
			this.running = false;
			const error =
				conn.refusal ??
				new LumenError('unauthorized', event.reason || 'The coordinator refused this tab. Check the join token with its operator.').toData();
			this.update({ state: 'refused', workerId: null, error, retryAt: null });
			return;
		}
		const why = conn.accepted
			? `The connection to the coordinator dropped (${event.reason || `code ${event.code}`}).`
			: `Could not connect to the coordinator at ${this.url} (${event.reason || `code ${event.code}`}).`;
		this.retry(new LumenError('network', `${why} Reconnecting.`, true).toData());
	}

	private retry(error: LumenErrorData): void {
		const attempt = this.current.attempt;
		const delay = backoffDelay(attempt, this.random, this.backoff);
		this.log(`${error.message} Next attempt in ${delay} ms.`);
		this.update({ state: 'reconnecting', workerId: null, error, attempt: attempt + 1, retryAt: this.now() + delay });
		this.retryTimer = setTimeout(() => {
			this.retryTimer = null;
			if (this.running) this.connect();
		}, delay);
	}

	/** Stops everything the connection had running; resolves when their queue slots are free. */
	private drop(conn: Connection): Promise<void> {
		if (conn.heartbeat) clearInterval(conn.heartbeat);
		if (conn.connectTimer) clearTimeout(conn.connectTimer);
		conn.heartbeat = conn.connectTimer = null;
		const running = [...conn.active.values()];
		for (const controller of running) controller.abort();
		if (running.length === 0) return Promise.resolve();
		return new Promise((resolve) => {
			conn.onEnded = () => {
				if (conn.active.size > 0) return;
				conn.onEnded = null;
				resolve();
			};
		});
	}

	// ---- serving one request ----

	private async serve(conn: Connection, msg: RequestMessage): Promise<void> {
		const controller = new AbortController();
		conn.active.set(msg.id, controller);
		let outcome: 'served' | 'failed' | 'cancelled' = 'failed';
		try {
			// Checked before queueing, as a native worker admits requests: a refusal does not wait its turn.
			const work = this.prepare(conn, msg);
			const release = await this.queue.acquire(controller.signal);
			try {
				await work(controller.signal);
				outcome = controller.signal.aborted ? 'cancelled' : 'served';
			} finally {
				release();
			}
		} catch (err) {
			const e = controller.signal.aborted ? new LumenError('aborted', 'Stopped: the client went away.', true) : toLumenError(err, 'generation_failed');
			outcome = e.code === 'aborted' ? 'cancelled' : 'failed';
			this.send(conn, { type: 'error', id: msg.id, error: e.toData() });
		} finally {
			conn.active.delete(msg.id);
			conn.onEnded?.();
			this.update(outcome === 'served' ? { served: this.current.served + 1 } : outcome === 'failed' ? { failed: this.current.failed + 1 } : { cancelled: this.current.cancelled + 1 });
			this.queueStatus();
		}
	}

	/** Validates a request (model, body, what the engine honours) and returns the work that answers it. */
	private prepare(conn: Connection, msg: RequestMessage): (signal: AbortSignal) => Promise<void> {
		const work = prepareServedRequest(this.engine, msg);
		if (work.kind === 'result') return async (signal) => this.send(conn, { type: 'result', id: msg.id, body: await work.run(signal) });
		return (signal) => this.relay(conn, msg.id, work.run(signal));
	}

	/** Sends a generation's chunks, then `done` with its finish reason and usage. */
	private async relay(conn: Connection, id: string, chunks: AsyncIterable<ChatCompletionChunk | ServedCompletionChunk>): Promise<void> {
		let finish: FinishReason | undefined;
		let usage: Usage | undefined;
		for await (const chunk of this.metered(chunks)) {
			if (chunk.usage) usage = chunk.usage;
			for (const choice of chunk.choices) finish = choice.finish_reason ?? finish;
			this.send(conn, { type: 'chunk', id, chunk });
		}
		this.send(conn, { type: 'done', id, ...(finish !== undefined ? { finish_reason: finish } : {}), ...(usage ? { usage } : {}) });
	}

	/** Passes chunks through and records the generation's tokens/s when it ends with usage. */
	private async *metered<T extends { usage?: Usage | null }>(chunks: AsyncIterable<T>): AsyncGenerator<T> {
		const started = this.now();
		let usage: Usage | undefined;
		for await (const chunk of chunks) {
			if (chunk.usage) usage = chunk.usage;
			yield chunk;
		}
		if (usage) {
			this.meter.record(usage.completion_tokens, this.now() - started);
			this.update({ tokensPerSecond: this.speedNow() });
		}
	}

	// ---- sending ----

	private send(conn: Connection, msg: TabMessageInput): void {
		// Never onto a later connection: its coordinator side does not know this connection's request ids.
		if (this.conn !== conn || conn.socket.readyState !== OPEN) return;
		conn.socket.send(JSON.stringify(msg));
	}

	private speedNow(): number {
		return Math.min(1_000_000, Math.max(0.001, this.meter.tokensPerSecond));
	}

	private sendStatus(conn: Connection): void {
		if (!conn.accepted) return;
		this.send(conn, { type: 'status', queue_length: this.queue.length, speed: this.speedNow(), served: this.current.served });
	}

	/** One status per turn of the event loop, however many queue changes happened in it. */
	private queueStatus(): void {
		const conn = this.conn;
		if (!conn?.accepted || conn.statusQueued) return;
		conn.statusQueued = true;
		setTimeout(() => {
			conn.statusQueued = false;
			this.sendStatus(conn);
		}, 0);
	}

	private update(patch: Partial<ServeStatus>): void {
		this.current = { ...this.current, ...patch };
		for (const listener of [...this.listeners]) listener(this.current);
	}
}

/** Text of a frame some WebSocket implementations hand over as bytes; null for anything else. */
function textOf(data: unknown): string | null {
	if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
		try {
			return new TextDecoder('utf-8', { fatal: true }).decode(data as ArrayBuffer);
		} catch {
			return null;
		}
	}
	return null;
}
