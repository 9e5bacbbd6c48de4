// Socket-level manners of an HTTP server that faces untrusted clients: a request body we answered
// without reading is drained (bounded) so the client can finish sending and read the answer.
import type { IncomingMessage } from 'node:http';

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
