// Turns a backend's chunk stream into an SSE Response ending in `data: [DONE]`. Errors before the first
// chunk become HTTP statuses; later ones an OpenAI error event. The queue slot is released only when
// the backend has really stopped (after an abort it still finishes its current step).
// Logs one line when the stream fails or the client leaves; error messages are bounded.
import { boundedError } from '../runtime/errors';
import type { ChatCompletionChunk, CompletionChunk } from '#protocol/openai';
import { toOpenAIError } from '#protocol/openai-errors';
import { SSE_DONE, encodeSSE } from '#protocol/sse';
import { shapeStream } from './openai-shapes';

export type Generation<K extends 'chat' | 'completion'> = {
	kind: K;
	start: (signal: AbortSignal) => AsyncIterable<K extends 'chat' ? ChatCompletionChunk : CompletionChunk>;
};

export const SSE_HEADERS = {
	'Content-Type': 'text/event-stream; charset=utf-8',
	'Cache-Control': 'no-cache',
	Connection: 'keep-alive',
	'X-Accel-Buffering': 'no'
} as const;

export async function streamResponse<K extends 'chat' | 'completion'>(
	run: Generation<K>,
	clientSignal: AbortSignal,
	includeUsage: boolean,
	release: () => void,
	log: (line: string) => void = () => undefined
): Promise<Response> {
	const controller = new AbortController();
	const abort = () => controller.abort();
	clientSignal.addEventListener('abort', abort, { once: true });
	let finished = false;
	const finish = () => {
		if (finished) return;
		finished = true;
		clientSignal.removeEventListener('abort', abort);
		release();
	};
	const iterator = shapeStream(run.start(controller.signal), includeUsage)[Symbol.asyncIterator]();
	const drain = async () => {
		try {
			while (!(await iterator.next()).done);
		} catch {
			// the client is gone; nobody is left to tell
		} finally {
			finish();
		}
	};

	let first: IteratorResult<ChatCompletionChunk | CompletionChunk>;
	try {
		first = await iterator.next();
	} catch (err) {
		controller.abort();
		finish();
		throw err;
	}

	const encoder = new TextEncoder();
	let closed = false;
	const end = (c: ReadableStreamDefaultController<Uint8Array>, tail: string) => {
		if (closed) return;
		closed = true;
		try {
			c.enqueue(encoder.encode(tail + SSE_DONE));
			c.close();
		} catch {
			// cancelled meanwhile
		}
		finish();
	};
	const body = new ReadableStream<Uint8Array>({
		start(c) {
			if (first.done) end(c, '');
			else c.enqueue(encoder.encode(encodeSSE(first.value)));
		},
		async pull(c) {
			try {
				const r = await iterator.next();
				if (closed) return;
				if (r.done) end(c, '');
				else c.enqueue(encoder.encode(encodeSSE(r.value)));
			} catch (err) {
				const e = boundedError(err, 'generation_failed');
				log(`failed mid-stream, ${e.code}: ${e.message}`);
				end(c, encodeSSE(toOpenAIError(e)));
			}
		},
		cancel() {
			log('the client went away mid-stream; generation stopped');
			closed = true;
			controller.abort();
			void drain();
		}
	});
	return new Response(body, { status: 200, headers: SSE_HEADERS });
}
