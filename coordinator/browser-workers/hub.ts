// The coordinator's side of browser workers: a WebSocket endpoint (the `ws` library, on the coordinator's
// own HTTP server) where tabs join with a join token, and the transport the proxy uses to send a request
// to a tab and read its answer as it would an HTTP worker's. Registered tabs live in the same registry as
// native workers (kind `browser`), so dispatch, listings and /v1/models treat them alike.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { BROWSER_WORKER_PATH, CloseCodes, type BrowserWorkerLimits } from '#protocol/browser-worker';
import { clientAddressResolver } from '../client-address';
import type { CoordinatorConfig } from '../config';
import { ApiError } from '../errors';
import { rawResponse } from '../http-guard';
import type { Registry } from '../registry/registry';
import { BrowserConnection, type DispatchInput } from './connection';
import type { UpstreamAnswer } from './pending-request';

export type BrowserWorkerHubOptions = {
	config: CoordinatorConfig;
	registry: Registry;
	clock?: () => number;
	log?: (line: string) => void;
};

export type BrowserWorkerHub = ReturnType<typeof createBrowserWorkerHub>;

export function createBrowserWorkerHub({ config, registry, clock = Date.now, log = () => undefined }: BrowserWorkerHubOptions) {
	const addressOf = clientAddressResolver(config.trust_proxy);
	const limits: BrowserWorkerLimits = {
		max_message_bytes: config.browser_max_message_bytes,
		max_messages_per_second: config.browser_max_messages_per_second,
		max_bytes_per_second: config.browser_max_message_bytes * 4
	};
	// No compression: it costs CPU per frame and opens the door to decompression bombs from untrusted tabs.
	const wss = new WebSocketServer({ noServer: true, maxPayload: limits.max_message_bytes, perMessageDeflate: false, clientTracking: false });
	const byWorker = new Map<string, BrowserConnection>();
	const all = new Set<BrowserConnection>();
	let closing = false;

	/** The HTTP server's 'upgrade' event: our path becomes a browser worker's socket, anything else is refused. */
	function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
		const path = (req.url ?? '/').split('?')[0];
		if (path !== BROWSER_WORKER_PATH || closing) {
			const e = closing
				? new ApiError(503, 'server_error', 'unavailable', 'The coordinator is shutting down.')
				: new ApiError(404, 'invalid_request_error', 'not_found', `No WebSocket endpoint at ${path}. Browser workers connect to ${BROWSER_WORKER_PATH}.`);
			socket.end(rawResponse(e));
			return;
		}
		wss.handleUpgrade(req, socket, head, (ws) => {
			const remote = addressOf(req);
			const conn: BrowserConnection = new BrowserConnection({
				socket: ws,
				remote,
				registry,
				joinTokens: config.join_tokens,
				heartbeatIntervalMs: config.browser_heartbeat_interval_ms,
				expiryMs: config.browser_heartbeat_expiry_ms,
				limits,
				requestTimeoutMs: config.upstream_timeout_ms,
				clock,
				log,
				onRegistered: (c) => byWorker.set(c.workerId!, c),
				onClosed: (c) => {
					all.delete(c);
					if (c.workerId && byWorker.get(c.workerId) === c) byWorker.delete(c.workerId);
				}
			});
			all.add(conn);
		});
	}

	/** Sends a request to the tab registered as `workerId`; rejects when it is gone or fails before answering. */
	function open(workerId: string, input: DispatchInput, signal: AbortSignal): Promise<UpstreamAnswer> {
		const conn = byWorker.get(workerId);
		if (!conn) return Promise.reject(new Error(`browser worker ${workerId} is not connected`));
		return conn.dispatch(input, signal);
	}

	/** Shutting down: no tab may join any more, and tabs with nothing in flight are let go now. */
	function closeIdle(): void {
		closing = true;
		for (const conn of [...all]) if (conn.inFlight === 0) conn.end(CloseCodes.normal, 'the coordinator is shutting down');
	}

	/** Disconnects every tab (the coordinator is shutting down). */
	function close(): void {
		closing = true;
		for (const conn of [...all]) conn.end(CloseCodes.normal, 'the coordinator is shutting down');
		wss.close();
	}

	return { handleUpgrade, open, closeIdle, close, connections: () => all.size };
}
