// Relays a worker's SSE body to the client's socket with Node streams only (no web-stream hop,
// no promise per chunk): bytes go from the upstream socket through the SSE relay to the client
// with backpressure. The stream always ends: with the worker's `[DONE]`, or with an in-band
// `{error}` event when the worker breaks off, or silently when the client has gone.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { createSseRelay, type RelayStats } from './sse-relay';

export type StreamEnd = { stats: RelayStats; error_code: string | null };

export function errorEvent(message: string, code: string): Buffer {
	return Buffer.from(`data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code } })}\n\n`);
}

/**
 * An upstream body held after its first chunk arrived. Its error and end listeners are attached from the
 * start, so an upstream failure, or the end of a body that arrived whole, between "first chunk" and
 * "relay starts" is kept, not lost (a paused stream with nothing left still emits 'end').
 */
export type HeldBody = { body: Readable; first: Buffer; error(): Error | null; onError(fn: (e: Error) => void): void; ended(): boolean };

/** Waits for the first chunk (null when the body ends empty) and leaves the body paused. */
export function holdFirstChunk(body: Readable): Promise<HeldBody | null> {
	let failure: Error | null = null;
	let listener: ((e: Error) => void) | null = null;
	let ended = false;
	body.on('error', (e: Error) => {
		failure = e;
		listener?.(e);
	});
	body.once('end', () => (ended = true));
	return new Promise((resolve, reject) => {
		const cleanup = () => {
			body.off('data', onData);
			body.off('end', onEnd);
			listener = null;
		};
		const onData = (chunk: Buffer) => {
			cleanup();
			body.pause();
			resolve({ body, first: chunk, error: () => failure, onError: (fn) => (listener = fn), ended: () => ended });
		};
		const onEnd = () => (cleanup(), resolve(null));
		listener = (e) => (cleanup(), reject(e));
		body.on('data', onData);
		body.once('end', onEnd);
	});
}

export type PipeOptions = {
	held: HeldBody;
	out: ServerResponse;
	headers: Record<string, string>;
	stripUsage: boolean;
	/** Stops the upstream request (the client left). */
	abortUpstream(): void;
	/** Called once the worker broke off mid-stream. */
	onWorkerFailure(): void;
};

export function pipeToClient({ held, out, headers, stripUsage, abortUpstream, onWorkerFailure }: PipeOptions): Promise<StreamEnd> {
	const relay = createSseRelay({ stripUsage });
	const { body } = held;
	return new Promise<StreamEnd>((resolve) => {
		let ended = false;
		const finish = (error_code: string | null, last?: Buffer) => {
			if (ended) return;
			ended = true;
			body.off('data', onData);
			body.off('end', onEnd);
			if (!out.writableEnded && !out.destroyed) out.end(last);
			resolve({ stats: relay.stats, error_code });
		};
		const onData = (chunk: Buffer) => {
			const bytes = relay.push(chunk);
			if (bytes && !out.write(bytes)) {
				body.pause();
				out.once('drain', () => body.resume());
			}
		};
		const onEnd = () => {
			const rest = relay.end() ?? Buffer.alloc(0);
			if (relay.stats.sawDone || relay.stats.upstreamError) return finish(null, rest);
			onWorkerFailure();
			finish('worker_crashed', Buffer.concat([rest, errorEvent('The worker ended the stream before it was complete. Try again.', 'worker_crashed')]));
		};
		const onUpstreamError = () => {
			if (ended) return;
			if (out.destroyed || out.writableEnded) return finish('client_closed');
			onWorkerFailure();
			finish('worker_crashed', errorEvent('The worker stopped in the middle of the answer. Try again.', 'worker_crashed'));
		};
		if (out.destroyed || !out.socket || out.socket.destroyed) {
			// The client left while we waited for the worker's first byte.
			abortUpstream();
			return finish('client_closed');
		}
		out.on('close', () => {
			if (ended) return;
			// The client went away: stop the worker's generation too.
			abortUpstream();
			finish('client_closed');
		});
		out.writeHead(200, headers);
		onData(held.first);
		if (held.error()) return onUpstreamError();
		held.onError(onUpstreamError);
		if (held.ended()) return onEnd();
		body.on('data', onData);
		body.once('end', onEnd);
		body.resume();
	});
}
