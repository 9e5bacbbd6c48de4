// Reads a request body as a JSON object within the body limit: an oversized body is refused (413)
// from its Content-Length before any byte is read, or as soon as a chunked body passes the limit.
// The refused rest is read and discarded after the answer (server.ts), so the client can finish
// sending and read its 413 instead of hitting a socket closed under its upload.
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import type { AppEnv } from '../env';
import { ApiError, badRequest } from '../errors';
import { DRAIN_LIMIT_BYTES } from '../http-guard';

const tooLarge = (limit: number, headers: Record<string, string> = {}) =>
	new ApiError(413, 'invalid_request_error', 'request_too_large', `The request body is larger than the limit of ${limit} bytes.`, null, headers);

/** The client closed the connection before its body arrived: nobody is left to answer. */
const clientGone = () => new ApiError(499, 'invalid_request_error', 'aborted', 'The client closed the request before sending its whole body.');

/** Straight from Node's request stream: building a web Request per call costs more than the rest of dispatch. */
function readIncoming(incoming: IncomingMessage, limit: number): Promise<string> | string {
	if (incoming.complete && incoming.readableFlowing !== true) {
		// The usual case: the whole (small) body came with the headers and sits in the stream's buffer,
		// so take it now instead of waiting for 'data'/'end' events a few event-loop turns later.
		const parts: Buffer[] = [];
		let size = 0;
		for (let part: Buffer | null = incoming.read(); part !== null; part = incoming.read()) {
			size += part.length;
			if (size > limit) throw tooLarge(limit);
			parts.push(part);
		}
		return Buffer.concat(parts).toString('utf8');
	}
	return new Promise((resolve, reject) => {
		const parts: Buffer[] = [];
		let size = 0;
		const onData = (part: Buffer) => {
			size += part.length;
			if (size > limit) {
				incoming.off('data', onData);
				incoming.pause();
				reject(tooLarge(limit));
			} else parts.push(part);
		};
		incoming.on('data', onData);
		incoming.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
		// 'error' is Node's "aborted" (ECONNRESET); 'close' without 'end' is the same story told later.
		incoming.once('error', () => reject(clientGone()));
		incoming.once('close', () => reject(clientGone()));
	});
}

function readText(c: Context<AppEnv>, limit: number): Promise<string> | string {
	const encoding = c.env.incoming.headers['content-encoding']?.trim().toLowerCase();
	if (encoding && encoding !== 'identity')
		throw new ApiError(415, 'invalid_request_error', 'unsupported_content_encoding', `Content-Encoding '${encoding}' is not supported. Send the JSON body uncompressed.`);
	const declared = c.env.incoming.headers['content-length'];
	// More than we would ever read to keep the connection: answer and hang up.
	if (declared !== undefined && Number(declared) > DRAIN_LIMIT_BYTES) throw tooLarge(limit, { Connection: 'close' });
	if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
	return readIncoming(c.env.incoming, limit);
}

/** Deeper than any OpenAI, worker or arena request; deeper JSON would overflow JSON.stringify later on. */
export const MAX_JSON_DEPTH = 64;

/** True when arrays/objects nest deeper than `limit` (brackets inside strings do not count). */
export function nestedDeeperThan(text: string, limit: number): boolean {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const ch = text.charCodeAt(i);
		if (inString) {
			if (ch === 0x5c) i++; // backslash: skip the escaped character
			else if (ch === 0x22) inString = false;
		} else if (ch === 0x22) inString = true;
		else if (ch === 0x5b || ch === 0x7b) {
			if (++depth > limit) return true;
		} else if (ch === 0x5d || ch === 0x7d) depth--;
	}
	return false;
}

export async function readJson(c: Context<AppEnv>, limit: number): Promise<Record<string, unknown>> {
	const text = await readText(c, limit);
	if (nestedDeeperThan(text, MAX_JSON_DEPTH))
		throw badRequest(`The request body is nested more than ${MAX_JSON_DEPTH} levels deep. Send a flatter JSON object.`, null, 'invalid_json');
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw badRequest('The request body is not valid JSON. Send a JSON object with Content-Type: application/json.', null, 'invalid_json');
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		throw badRequest('The request body must be a JSON object.', null, 'invalid_json');
	return value as Record<string, unknown>;
}
