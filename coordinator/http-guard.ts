// Socket-level manners of an HTTP server facing untrusted clients, shared by the coordinator and the
// native worker: whatever Node's parser refuses (431, 400, 408, 417, CONNECT, HTTP/0.9 or 2.0) still gets
// a complete response with an OpenAI-shaped JSON body before the connection closes, and a request body
// answered without being read is drained (bounded) so the client can finish sending and read the answer.
import { getRequestListener, RequestError } from '@hono/node-server';
import { createServer, maxHeaderSize, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError } from './errors';

type FetchCallback = Parameters<typeof getRequestListener>[0];
type ParserError = NodeJS.ErrnoException & { reason?: string };

/** Beyond this many unread bytes a refused upload is cut off instead of drained. */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
/** A refused upload slower than this is cut off too: draining must not hold a connection forever. */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Reads and discards what is left of a request body before its (early) answer goes out: answering
 * first lets Node close the connection under a client still uploading, which then sees EPIPE instead
 * of our answer. Resolves true once the body ended, false when it was cut off (too big, too slow, gone).
 */
export function drainRequest(incoming: IncomingMessage): Promise<boolean> {
	if (incoming.complete) return Promise.resolve(true);
	if (incoming.destroyed) return Promise.resolve(false);
	if (Number(incoming.headers['content-length']) > DRAIN_LIMIT_BYTES) return Promise.resolve(false);
	return new Promise((resolve) => {
		let bytes = 0;
		const done = (drained: boolean) => {
			clearTimeout(timer);
			incoming.off('data', onData);
			incoming.off('end', onEnd);
			incoming.off('close', onClose);
			if (!drained) incoming.socket?.destroy();
			resolve(drained);
		};
		const onData = (chunk: Buffer) => {
			bytes += chunk.length;
			if (bytes > DRAIN_LIMIT_BYTES) done(false);
		};
		const onEnd = () => done(true);
		const onClose = () => done(incoming.complete);
		const timer = setTimeout(() => done(false), DRAIN_TIMEOUT_MS);
		incoming.on('data', onData);
		incoming.once('end', onEnd);
		incoming.once('close', onClose);
		incoming.resume();
	});
}

const invalidHttp = (what: string) =>
	new ApiError(400, 'invalid_request_error', 'invalid_http_request', `The request is not valid HTTP/1.1 (${what}). Fix the request line and headers, then send it again.`);

/** What Node's parser complained about, as the error to answer with (the status Node itself would pick). */
function parserError(err: ParserError, headerLimit: number): ApiError {
	if (err.code === 'HPE_HEADER_OVERFLOW')
		return new ApiError(
			431,
			'invalid_request_error',
			'request_headers_too_large',
			`The request line and headers are larger than the limit of ${headerLimit} bytes. Send a shorter URL and fewer or smaller headers.`
		);
	if (err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW')
		return new ApiError(413, 'invalid_request_error', 'request_too_large', 'The chunk extensions of the request body are too large. Send the body without chunk extensions.');
	if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
		return new ApiError(408, 'invalid_request_error', 'request_timeout', 'The request was not received in time. Send the whole request promptly.');
	return invalidHttp(err.reason ?? err.message.replace(/^Parse Error: /, ''));
}

/** A whole HTTP/1.1 response as bytes, for sockets no ServerResponse can write to any more. */
export function rawResponse(e: ApiError): string {
	const body = JSON.stringify(e.body());
	return (
		`HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Error'}\r\n` +
		`Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
	);
}

function sendError(res: ServerResponse, e: ApiError): void {
	const body = JSON.stringify(e.body());
	res.writeHead(e.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
	res.end(body);
}

/** Requests node-server cannot turn into a web Request (no Host, a bad URL) and failures of our own. */
function errorResponse(err: unknown): Response {
	const e =
		err instanceof RequestError
			? invalidHttp(err.message)
			: new ApiError(500, 'server_error', 'internal', 'The server hit an internal error. It has been logged.');
	if (e.status >= 500) console.error('HTTP request failed:', err);
	return Response.json(e.body(), { status: e.status, headers: { Connection: 'close' } });
}

/** How long a refused connection may stay half-closed, waiting for the client to hang up. */
const LINGER_MS = 5_000;

/**
 * Node's own answers to what its parser refuses have no body (or none we chose). With a `clientError`
 * listener they are ours. Pipelined requests before the bad one are answered first (a response still
 * attached to the socket has not finished: Node detaches it on 'finish'); a body that broke mid-request
 * is answered at once. Then we half-close, so the client reads the answer instead of a reset.
 */
function onClientError() {
	return (err: ParserError, socket: Socket) => {
		if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
		const answer = () => {
			const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
			if (inFlight && inFlight.req.complete && !inFlight.destroyed) {
				let again = false;
				const next = () => {
					if (again) return;
					again = true;
					setImmediate(answer);
				};
				return void inFlight.once('finish', next).once('close', next);
			}
			if (!socket.writable) return void socket.destroy();
			socket.end(rawResponse(parserError(err, maxHeaderSize)));
			setTimeout(() => socket.destroy(), LINGER_MS).unref();
		};
		answer();
	};
}

/**
 * An HTTP/1.1 server for `fetch` (a Hono app) whose every refusal, down to the parser's, is OpenAI-shaped
 * JSON. Requests without Host reach node-server (not Node's bodiless 400) and are refused there in JSON.
 */
export function createGuardedServer(fetch: FetchCallback): Server {
	// autoCleanupIncoming off: node-server would cut an unread upload after 500 ms (see drainRequest).
	const listener = getRequestListener(fetch, { errorHandler: errorResponse, autoCleanupIncoming: false });
	const server = createServer({ requireHostHeader: false }, (req, res) => {
		// A client error (400), not 505: every 5xx here would mean the server failed.
		if (req.httpVersionMajor !== 1)
			return sendError(res, new ApiError(400, 'invalid_request_error', 'http_version_not_supported', `HTTP/${req.httpVersion} is not supported. Use HTTP/1.1.`));
		void listener(req, res);
	});
	server.on('clientError', onClientError());
	server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) =>
		sendError(res, new ApiError(417, 'invalid_request_error', 'expectation_failed', `Only "Expect: 100-continue" is supported, not "${req.headers.expect}".`))
	);
	server.on('connect', (_req: IncomingMessage, socket: Socket) =>
		socket.end(rawResponse(new ApiError(405, 'invalid_request_error', 'method_not_allowed', 'CONNECT is not supported: this server is not a proxy.')))
	);
	return server;
}
