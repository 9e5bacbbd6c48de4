// Server-sent events for OpenAI streams: encode a chunk as `data: …\n\n`, end with `data: [DONE]`,
// and parse a byte stream back into chunks (eventsource-parser handles the framing edge cases).
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { LumenError } from './errors';
import { payloadToLumen, readErrorPayload } from './openai-client-errors';

export const SSE_DONE = 'data: [DONE]\n\n';

export function encodeSSE(data: unknown): string {
	return `data: ${JSON.stringify(data)}\n\n`;
}

/**
 * Reads an SSE body and yields each `data:` payload parsed as JSON until `[DONE]`.
 * An `{error: …}` payload (how OpenAI-compatible servers report mid-stream failures, in any server's dialect)
 * is thrown as a LumenError. An abort through `signal` ends the stream quietly.
 * A stream that ends without `[DONE]` is an error too: the upstream went away mid-answer.
 */
export async function* parseSSE(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<unknown> {
	const reader = body
		.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
		.pipeThrough(new EventSourceParserStream())
		.getReader();
	const onAbort = () => void reader.cancel().catch(() => undefined);
	signal?.addEventListener('abort', onAbort, { once: true });
	if (signal?.aborted) onAbort();
	let done = false;
	try {
		while (true) {
			let r: ReadableStreamReadResult<{ data: string }>;
			try {
				r = await reader.read();
			} catch (err) {
				if (signal?.aborted) return;
				throw new LumenError('network', `The stream broke off: ${(err as Error).message}`, true, { cause: err });
			}
			if (r.done) break;
			const data = r.value.data;
			if (data === '[DONE]') {
				done = true;
				return;
			}
			let parsed: unknown;
			try {
				parsed = JSON.parse(data);
			} catch {
				throw new LumenError('internal', `The server sent an event that is not JSON: ${data.slice(0, 120)}`, false);
			}
			if (typeof parsed === 'object' && parsed !== null && 'error' in parsed && parsed.error != null) {
				const payload = readErrorPayload(parsed);
				throw payload ? payloadToLumen(payload, 502) : new LumenError('internal', `The server reported an error it did not describe: ${data.slice(0, 120)}`, true);
			}
			yield parsed;
		}
		if (!done && !signal?.aborted)
			throw new LumenError('unavailable', 'The model server stopped in the middle of the answer. Try again.', true);
	} finally {
		signal?.removeEventListener('abort', onAbort);
		if (!done) reader.cancel().catch(() => undefined);
	}
}
