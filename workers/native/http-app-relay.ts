// The worker's answer when its backend relays to another OpenAI-compatible server: the upstream's bytes
// unchanged, stream or JSON, holding the queue slot until they have all been sent or the client left.
// An upstream that breaks off mid-stream ends our stream with an OpenAI error event, like our own streams.
import { LumenError } from '#protocol/errors';
import { toOpenAIError } from '#protocol/openai-errors';
import { SSE_DONE, encodeSSE } from '#protocol/sse';
import { SSE_HEADERS } from './sse-response';

export function relayedResponse(upstream: Response, release: () => void, log: (line: string) => void): Response {
	const type = upstream.headers.get('content-type') ?? 'application/json';
	const isStream = type.includes('text/event-stream');
	const headers = isStream ? { ...SSE_HEADERS } : { 'Content-Type': type };
	if (!upstream.body) {
		release();
		return new Response(null, { status: upstream.status, headers });
	}
	const reader = upstream.body.getReader();
	let released = false;
	const finish = () => {
		if (released) return;
		released = true;
		release();
	};
	const body = new ReadableStream<Uint8Array>({
		async pull(c) {
			try {
				const r = await reader.read();
				if (r.done) {
					finish();
					c.close();
				} else c.enqueue(r.value);
			} catch (err) {
				finish();
				const cause = err instanceof Error ? err.message : String(err);
				log(`the upstream server broke off mid-answer (${cause})`);
				if (!isStream) return c.error(err);
				const failed = new LumenError('network', 'The upstream server stopped in the middle of the answer. Try again.', true);
				c.enqueue(new TextEncoder().encode(encodeSSE(toOpenAIError(failed)) + SSE_DONE));
				c.close();
			}
		},
		async cancel() {
			log('the client went away mid-answer; the upstream request was stopped');
			finish();
			await reader.cancel().catch(() => undefined);
		}
	});
	return new Response(body, { status: upstream.status, headers });
}
