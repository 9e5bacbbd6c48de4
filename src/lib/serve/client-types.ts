// What a BrowserWorkerClient is given and what it reports: the WebSocket it needs (the browser's and the
// `ws` package's both fit), its options, its status, and the coordinator endpoint for a URL as people write it.
import { BROWSER_WORKER_PATH } from '../protocol/browser-worker';
import { LumenError, type LumenErrorData } from '../protocol/errors';
import type { BackoffOptions } from './backoff';
import type { ServeEngine } from './engine';
import type { WorkQueue } from './work-queue';

// ---- the WebSocket this client needs: the browser's and the `ws` package's both fit ----

/** A handler type checked bivariantly, so both the DOM's and `ws`'s event types fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface SocketLike {
	readonly readyState: number;
	send(data: string): void;
	close(code?: number, reason?: string): void;
	onopen: Handler<unknown> | null;
	onmessage: Handler<{ data: unknown }> | null;
	onclose: Handler<{ code: number; reason: string }> | null;
	onerror: Handler<unknown> | null;
}
export type SocketConstructor = new (url: string) => SocketLike;

export const OPEN = 1;

// ---- options and status ----

export type ServeState =
	/** Not started, or stopped. */
	| 'stopped'
	/** Opening the socket and waiting for the coordinator to accept. */
	| 'connecting'
	/** Accepted: requests may arrive. */
	| 'serving'
	/** The connection dropped; the next attempt is at `retryAt`. */
	| 'reconnecting'
	/** The coordinator refused this tab (see `error`); nothing is retried until start() is called again. */
	| 'refused';

export type ServeStatus = {
	state: ServeState;
	/** The WebSocket URL in use. */
	url: string;
	/** Assigned by the coordinator while serving. */
	workerId: string | null;
	models: string[];
	/** Served requests that ended well, failed (the engine's error) or were cancelled by their client. */
	served: number;
	failed: number;
	cancelled: number;
	/** Measured over recent generations (served and local), reported to the coordinator. */
	tokensPerSecond: number;
	/** The shared queue: running and waiting, served requests and the person's own together. */
	queue: { running: number; waiting: number };
	/** Consecutive connection attempts that did not end in `accepted`. */
	attempt: number;
	/** When the next reconnect attempt happens (epoch ms), while `reconnecting`. */
	retryAt: number | null;
	/** Why the last connection ended or was refused. */
	error: LumenErrorData | null;
};

export type BrowserWorkerClientOptions = {
	/** `WebSocket` in a browser or Web Worker; `(await import('ws')).WebSocket` in Node. */
	WebSocket: SocketConstructor;
	/** The coordinator's URL as for the OpenAI API (`http://host:8000`, `…/v1`), or the ws(s):// endpoint itself. */
	coordinatorUrl: string;
	/** An operator-issued join token (the coordinator's `LUMEN_JOIN_TOKENS`). */
	token: string;
	engine: ServeEngine;
	/** Tokens/s measured when the model loaded; later replaced by measurements of real generations. */
	speed: number;
	/** The queue the person's own chats use too; one is made when absent. */
	queue?: WorkQueue;
	/** Shown to the coordinator's operators (`GET /workers`), e.g. "Chrome, WASM". */
	label?: string;
	backoff?: Partial<BackoffOptions>;
	/** Longest wait for `accepted` after opening a socket. */
	connectTimeoutMs?: number;
	random?: () => number;
	now?: () => number;
	/** Called after every change of `status`. */
	onStatus?: (status: ServeStatus) => void;
	log?: (line: string) => void;
};

/** The ws(s):// endpoint for a coordinator URL as people write it (`http://host:8000`, `https://host/v1`, `ws://…`). */
export function browserWorkerUrl(coordinatorUrl: string): string {
	let url: URL;
	try {
		url = new URL(coordinatorUrl.trim());
	} catch {
		throw new LumenError('bad_request', `"${coordinatorUrl}" is not a URL. Write the coordinator's address like http://host:8000.`);
	}
	const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[url.protocol];
	if (!scheme) throw new LumenError('bad_request', `The coordinator URL must start with http://, https://, ws:// or wss://, not ${url.protocol}//.`);
	let path = url.pathname.replace(/\/+$/, '');
	if (!path.endsWith(BROWSER_WORKER_PATH)) path = path.replace(/\/v1$/, '') + BROWSER_WORKER_PATH;
	return `${scheme}//${url.host}${path}`;
}
