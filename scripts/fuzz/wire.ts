// The fuzz suite's only transport: exact bytes over a raw TCP socket, and a small HTTP/1.1 response
// reader (Content-Length, chunked, or until close), so malformed requests go out exactly as written.
import { connect } from 'node:net';

export type HttpResponse = { status: number; headers: Record<string, string>; body: Buffer; complete: boolean };

export type Exchange = {
	responses: HttpResponse[];
	/** A socket error (ECONNRESET, EPIPE…) seen before we closed. */
	error: string | null;
	/** The deadline passed and we hung up. */
	timedOut: boolean;
	/** We hung up on purpose (an abandoned request) before the answer was complete. */
	abandoned: boolean;
};

export type SendOptions = {
	port: number;
	/** Sent in order; a number is a pause in ms. */
	parts: (Buffer | string | number)[];
	/** Hang up once this many responses are complete (default 1); 0 means never, read until close. */
	responses?: number;
	deadlineMs: number;
	/** The requests were HEAD (no body follows their headers). */
	head?: boolean;
	/** Hang up after this many body bytes of the first response (abandon a stream mid-way). */
	abandonAfterBodyBytes?: number;
	/** Hang up this many ms after the last part was sent, answer or not. */
	abandonAfterMs?: number;
	/** Keep reading after the last response until the server closes (to see what it sends next). */
	awaitClose?: boolean;
};

/** Parses as many complete responses as `buf` holds; `final` (socket closed) completes a close-delimited body. */
export function parseResponses(buf: Buffer, head: boolean, final: boolean): { responses: HttpResponse[]; partialBody: number } {
	const responses: HttpResponse[] = [];
	let at = 0;
	let partialBody = 0;
	while (at < buf.length) {
		const end = buf.indexOf('\r\n\r\n', at);
		if (end < 0) break;
		const [statusLine, ...lines] = buf.toString('latin1', at, end).split('\r\n');
		const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
		if (!m) break;
		const status = Number(m[1]);
		const headers: Record<string, string> = {};
		for (const line of lines) {
			const i = line.indexOf(':');
			if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
		}
		let bodyStart = end + 4;
		if (status === 100) {
			at = bodyStart;
			continue;
		}
		const noBody = head || status === 204 || status === 304;
		if (noBody) {
			responses.push({ status, headers, body: Buffer.alloc(0), complete: true });
			at = bodyStart;
			continue;
		}
		if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
			const parts: Buffer[] = [];
			let p = bodyStart;
			let done = false;
			for (;;) {
				const lineEnd = buf.indexOf('\r\n', p);
				if (lineEnd < 0) break;
				const size = parseInt(buf.toString('latin1', p, lineEnd), 16);
				if (!Number.isFinite(size)) break;
				if (size === 0) {
					// The last chunk's line ends where the (usually empty) trailer section ends too.
					const trailerEnd = buf.indexOf('\r\n\r\n', lineEnd);
					if (trailerEnd >= 0) {
						p = trailerEnd + 4;
						done = true;
					}
					break;
				}
				if (buf.length < lineEnd + 2 + size + 2) {
					parts.push(buf.subarray(lineEnd + 2, Math.min(buf.length, lineEnd + 2 + size)));
					break;
				}
				parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
				p = lineEnd + 2 + size + 2;
			}
			const body = Buffer.concat(parts);
			if (!done) {
				partialBody = body.length;
				if (final) responses.push({ status, headers, body, complete: false });
				break;
			}
			responses.push({ status, headers, body, complete: true });
			at = p;
			continue;
		}
		const length = headers['content-length'] === undefined ? null : Number(headers['content-length']);
		if (length === null) {
			// Close-delimited: the body is whatever arrives until the server hangs up.
			partialBody = buf.length - bodyStart;
			if (final) responses.push({ status, headers, body: buf.subarray(bodyStart), complete: true });
			break;
		}
		if (buf.length < bodyStart + length) {
			partialBody = buf.length - bodyStart;
			if (final) responses.push({ status, headers, body: buf.subarray(bodyStart), complete: false });
			break;
		}
		responses.push({ status, headers, body: buf.subarray(bodyStart, bodyStart + length), complete: true });
		bodyStart += length;
		at = bodyStart;
	}
	return { responses, partialBody };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One connection: writes the parts, reads responses, hangs up as told. Never throws. */
export function exchange(o: SendOptions): Promise<Exchange> {
	const want = o.responses ?? 1;
	return new Promise((resolve) => {
		const socket = connect(o.port, '127.0.0.1');
		const chunks: Buffer[] = [];
		let error: string | null = null;
		let timedOut = false;
		let abandoned = false;
		let finished = false;
		const finish = () => {
			if (finished) return;
			finished = true;
			clearTimeout(deadline);
			socket.destroy();
			const { responses } = parseResponses(Buffer.concat(chunks), o.head ?? false, true);
			resolve({ responses, error, timedOut, abandoned });
		};
		const deadline = setTimeout(() => {
			timedOut = true;
			finish();
		}, o.deadlineMs);
		socket.on('data', (d: Buffer) => {
			chunks.push(d);
			const { responses, partialBody } = parseResponses(Buffer.concat(chunks), o.head ?? false, false);
			if (o.abandonAfterBodyBytes !== undefined && responses.length === 0 && partialBody >= o.abandonAfterBodyBytes) {
				abandoned = true;
				return finish();
			}
			if (!o.awaitClose && want > 0 && responses.length >= want) finish();
		});
		socket.on('error', (e: NodeJS.ErrnoException) => {
			error ??= e.code ?? e.message;
		});
		socket.on('close', finish);
		socket.once('connect', async () => {
			for (const part of o.parts) {
				if (finished) return;
				if (typeof part === 'number') await sleep(part);
				else if (!socket.destroyed) socket.write(part);
			}
			if (o.abandonAfterMs !== undefined) {
				await sleep(o.abandonAfterMs);
				if (!finished) {
					abandoned = true;
					finish();
				}
			}
		});
	});
}

/** The bytes of one request; Content-Length is set from the body unless `headers` name it (or chunked). */
export function requestBytes(method: string, path: string, headers: Record<string, string | undefined> = {}, body?: Buffer | string): Buffer {
	const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
	const lines = [`${method} ${path} HTTP/1.1`];
	const names = Object.keys(headers).map((h) => h.toLowerCase());
	if (!names.includes('host')) lines.push('Host: 127.0.0.1');
	for (const [k, v] of Object.entries(headers)) if (v !== undefined) lines.push(`${k}: ${v}`);
	if (data && !names.includes('content-length') && !names.includes('transfer-encoding')) lines.push(`Content-Length: ${data.length}`);
	const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
	return data ? Buffer.concat([head, data]) : head;
}
