// One browser tab's WebSocket, from hello to close. The tab is untrusted: every frame is size-capped (by
// the server's maxPayload), rate-limited and validated, and anything malformed, unsolicited (an id it was
// not given, a reply of the wrong kind, a second hello) or flooding ends the connection. Ending it removes
// the worker from the registry at once and fails its in-flight requests, which their streams report in-band.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { WebSocket } from 'ws';
import {
	BROWSER_WORKER_PROTOCOL,
	CloseCodes,
	HELLO_TIMEOUT_MS,
	TabMessageSchema,
	closeReason,
	parseFrame,
	type BrowserWorkerLimits,
	type CoordinatorMessage,
	type Hello,
	type RequestKind
} from '#protocol/browser-worker';
import { LumenError } from '#protocol/errors';
import type { Registry } from '../registry/registry';
import { PendingRequest, type UpstreamAnswer } from './pending-request';

export type ConnectionOptions = {
	socket: WebSocket;
	/** Where the tab connects from, for the log only. */
	remote: string;
	registry: Registry;
	joinTokens: readonly string[];
	heartbeatIntervalMs: number;
	expiryMs: number;
	limits: BrowserWorkerLimits;
	/** Longest silence from the tab while a request of it waits for its next message. */
	requestTimeoutMs: number;
	clock: () => number;
	log: (line: string) => void;
	onRegistered(conn: BrowserConnection): void;
	onClosed(conn: BrowserConnection): void;
};

export type DispatchInput = { kind: RequestKind; body: string; stream: boolean };

function safeEqual(a: string, b: string): boolean {
	const x = Buffer.from(a);
	const y = Buffer.from(b);
	return x.length === y.length && timingSafeEqual(x, y);
}

/** A token bucket: `rate` per second sustained, bursts of twice that; `take(cost)` is false once it is empty. */
function bucket(rate: number, clock: () => number) {
	const capacity = rate * 2;
	let tokens = capacity;
	let at = clock();
	return (cost = 1) => {
		const now = clock();
		tokens = Math.min(capacity, tokens + ((now - at) / 1000) * rate);
		at = now;
		if (tokens < cost) return false;
		tokens -= cost;
		return true;
	};
}

export class BrowserConnection {
	workerId: string | null = null;
	private readonly pending = new Map<string, PendingRequest>();
	/** Ids cancelled by us whose ending the tab has not sent yet: its late chunks for them are expected, not violations. */
	private readonly cancelled = new Set<string>();
	private nextId = 1;
	private lastSeen: number;
	private ended = false;
	private readonly take: () => boolean;
	private readonly takeBytes: (bytes: number) => boolean;
	private readonly timers: ReturnType<typeof setTimeout>[] = [];

	constructor(private readonly o: ConnectionOptions) {
		this.lastSeen = o.clock();
		this.take = bucket(o.limits.max_messages_per_second, o.clock);
		this.takeBytes = bucket(o.limits.max_bytes_per_second, o.clock);
		const { socket } = o;
		socket.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
		// ws reports an oversized frame (1009) or a broken one (1002) as an error, then closes.
		socket.on('error', (err) => this.end(CloseCodes.protocolError, `broken frame: ${err.message}`));
		socket.on('close', (code, reason) => this.end(code, reason.toString() || 'closed by the tab', false));
		this.timers.push(
			setTimeout(() => {
				if (!this.workerId) this.end(CloseCodes.protocolError, `no hello within ${HELLO_TIMEOUT_MS} ms`);
			}, HELLO_TIMEOUT_MS)
		);
		// Checked well within the expiry, so a silent tab is gone at most a quarter expiry late.
		const check = setInterval(() => {
			if (this.o.clock() - this.lastSeen > o.expiryMs) this.end(CloseCodes.heartbeatMissed, `no status for ${o.expiryMs} ms`);
			else if (socket.readyState === socket.OPEN) socket.ping();
		}, Math.max(50, Math.min(o.heartbeatIntervalMs, o.expiryMs / 4)));
		this.timers.push(check);
		for (const t of this.timers) t.unref?.();
	}

	get inFlight(): number {
		return this.pending.size;
	}

	/** Sends one request to the tab; resolves with its answer (see PendingRequest), rejects when the tab fails it. */
	dispatch(input: DispatchInput, signal: AbortSignal): Promise<UpstreamAnswer> {
		if (this.ended || !this.workerId) return Promise.reject(new Error('the browser worker has disconnected'));
		const id = `r${this.nextId++}`;
		const request = new PendingRequest(id, input.kind, input.stream);
		this.pending.set(id, request);
		// The body is the client's, validated and serialised already: spliced in, not parsed again.
		this.o.socket.send(`{"type":"request","id":"${id}","kind":"${input.kind}","body":${input.body}}`);
		let idle: ReturnType<typeof setTimeout> | null = null;
		const arm = () => {
			if (idle) clearTimeout(idle);
			idle = setTimeout(() => {
				this.cancel(request);
				request.fail(new Error(`browser worker ${this.workerId} sent nothing for request ${id} in ${this.o.requestTimeoutMs} ms`));
			}, this.o.requestTimeoutMs);
			idle.unref?.();
		};
		arm();
		request.onActivity = arm;
		request.onFinished = () => {
			if (idle) clearTimeout(idle);
			signal.removeEventListener('abort', onAbort);
		};
		const onAbort = () => {
			this.cancel(request);
			request.fail(Object.assign(new Error('The client went away.'), { name: 'AbortError' }));
		};
		if (signal.aborted) onAbort();
		else signal.addEventListener('abort', onAbort, { once: true });
		return request.answer;
	}

	/** Stops the tab's work on a request (the client left or it timed out). */
	private cancel(request: PendingRequest): void {
		if (!this.pending.delete(request.id)) return;
		request.onFinished?.();
		if (this.ended) return;
		this.cancelled.add(request.id);
		this.send({ type: 'cancel', id: request.id });
	}

	/**
	 * Closes the socket (when `close`) and forgets the worker: it leaves the registry now, not when the tab
	 * acknowledges the close, and every request still running on it fails.
	 */
	end(code: number, reason: string, close = true): void {
		if (this.ended) return;
		this.ended = true;
		for (const t of this.timers) clearTimeout(t);
		if (this.workerId) {
			this.o.registry.deregister(this.workerId);
			this.o.log(`browser worker ${this.workerId} removed: ${reason} (${code})`);
		}
		const gone = new Error(`browser worker ${this.workerId ?? '(unregistered)'} disconnected: ${reason}`);
		for (const request of this.pending.values()) {
			request.onFinished?.();
			request.fail(gone);
		}
		this.pending.clear();
		this.o.onClosed(this);
		if (close && this.o.socket.readyState <= this.o.socket.OPEN) {
			this.o.socket.close(code, closeReason(reason));
			// A tab that does not answer the close handshake is cut off.
			setTimeout(() => this.o.socket.terminate(), 1_000).unref();
		}
	}

	private send(msg: CoordinatorMessage): void {
		if (this.o.socket.readyState === this.o.socket.OPEN) this.o.socket.send(JSON.stringify(msg));
	}

	private violation(code: number, reason: string): void {
		this.o.log(`browser worker ${this.workerId ?? `from ${this.o.remote}`} disconnected: ${reason}`);
		this.end(code, reason);
	}

	private onFrame(data: Buffer, isBinary: boolean): void {
		if (this.ended) return;
		if (!this.take()) return this.violation(CloseCodes.flooding, `more than ${this.o.limits.max_messages_per_second} messages per second`);
		if (!this.takeBytes(data.length)) return this.violation(CloseCodes.flooding, `more than ${this.o.limits.max_bytes_per_second} bytes per second`);
		if (isBinary) return this.violation(CloseCodes.protocolError, 'binary frames are not part of the protocol');
		const frame = parseFrame(TabMessageSchema, data.toString('utf8'));
		if (!frame.ok) return this.violation(CloseCodes.protocolError, `malformed message: ${frame.reason}`);
		const msg = frame.message;
		this.lastSeen = this.o.clock();
		if (msg.type === 'hello') return this.hello(msg);
		if (!this.workerId) return this.violation(CloseCodes.protocolError, `'${msg.type}' before hello`);
		if (msg.type === 'status') {
			this.o.registry.heartbeat(this.workerId, msg.queue_length, msg.speed);
			return;
		}
		const request = this.pending.get(msg.id);
		if (!request) {
			if (!this.cancelled.has(msg.id)) return this.violation(CloseCodes.protocolError, `'${msg.type}' for request '${msg.id.slice(0, 64)}' it was not given`);
			if (msg.type !== 'chunk') this.cancelled.delete(msg.id);
			return;
		}
		request.onActivity?.();
		switch (msg.type) {
			case 'chunk':
				if (!request.accepts(msg.chunk)) return this.violation(CloseCodes.protocolError, `a ${msg.chunk.object} chunk for a ${request.kind} request`);
				request.chunk(msg.chunk);
				return;
			case 'done':
				if (request.kind === 'embeddings') return this.violation(CloseCodes.protocolError, "'done' for an embeddings request (send 'result')");
				this.finish(request);
				request.done(msg.usage);
				return;
			case 'result':
				if (request.kind !== 'embeddings') return this.violation(CloseCodes.protocolError, `'result' for a ${request.kind} request (send chunks, then 'done')`);
				this.finish(request);
				request.result(msg.body);
				return;
			case 'error':
				this.finish(request);
				request.error(msg.error);
				return;
		}
	}

	private finish(request: PendingRequest): void {
		this.pending.delete(request.id);
		request.onFinished?.();
	}

	private hello(msg: Hello): void {
		if (this.workerId) return this.violation(CloseCodes.protocolError, 'a second hello');
		const refuse = (code: number, error: LumenError, why: string) => {
			this.send({ type: 'refused', error: error.toData(), protocol: BROWSER_WORKER_PROTOCOL });
			this.o.log(`browser worker from ${this.o.remote} refused: ${why}`);
			this.end(code, error.message);
		};
		if (msg.protocol !== BROWSER_WORKER_PROTOCOL)
			return refuse(
				CloseCodes.versionMismatch,
				new LumenError('bad_request', `This coordinator speaks browser-worker protocol ${BROWSER_WORKER_PROTOCOL}, the page ${msg.protocol}. Reload the page to get the matching version.`),
				`protocol ${msg.protocol}`
			);
		if (this.o.joinTokens.length === 0)
			return refuse(
				CloseCodes.refused,
				new LumenError('unauthorized', 'This coordinator accepts no browser workers: its operator has set no join tokens (LUMEN_JOIN_TOKENS).'),
				'no join tokens are configured'
			);
		if (!this.o.joinTokens.some((t) => safeEqual(t, msg.token)))
			return refuse(CloseCodes.refused, new LumenError('unauthorized', 'The join token is not valid. Ask the coordinator\'s operator for one.'), 'wrong join token');
		const id = `browser-${randomUUID().slice(0, 8)}`;
		this.workerId = id;
		this.o.registry.register(
			{
				worker_id: id,
				url: `browser://${id}`,
				models: msg.models,
				speed: msg.speed,
				max_concurrency: msg.max_concurrency,
				queue_length: msg.queue_length,
				backend: msg.label ? `browser (${msg.label})` : 'browser'
			},
			{ kind: 'browser' }
		);
		this.o.onRegistered(this);
		this.send({
			type: 'accepted',
			protocol: BROWSER_WORKER_PROTOCOL,
			worker_id: id,
			heartbeat_interval_ms: this.o.heartbeatIntervalMs,
			expiry_ms: this.o.expiryMs,
			limits: this.o.limits
		});
		this.o.log(`browser worker ${id} joined from ${this.o.remote}: ${msg.models.map((m) => m.id).join(', ')}, ~${msg.speed.toFixed(0)} tokens/s${msg.label ? ` (${msg.label})` : ''}`);
	}
}
