// Reads a request body as a JSON object within the body limit: an oversized body is refused (413)
// from its Content-Length before any byte is read, or as soon as a chunked body passes the limit.
import type { Context } from 'hono';
import { ApiError, badRequest } from '../errors';

// `Connection: close` because the rest of the body may still be on its way: a client must not reuse
// this connection for its next request (it would read our refusal's leftovers as a broken socket).
const tooLarge = (limit: number) =>
	new ApiError(413, 'invalid_request_error', 'request_too_large', `The request body is larger than the limit of ${limit} bytes.`, null, {
		Connection: 'close'
	});

async function readText(c: Context, limit: number): Promise<string> {
	const declared = c.req.header('content-length');
	if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
	const body = c.req.raw.body;
	if (!body) return '';
	const parts: Uint8Array[] = [];
	let size = 0;
	for await (const part of body as unknown as AsyncIterable<Uint8Array>) {
		size += part.byteLength;
		if (size > limit) throw tooLarge(limit);
		parts.push(part);
	}
	return Buffer.concat(parts).toString('utf8');
}

export async function readJson(c: Context, limit: number): Promise<Record<string, unknown>> {
	const text = await readText(c, limit);
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
