import { describe, expect, it } from 'vitest';
import { encodeSSE, parseSSE, SSE_DONE } from './sse';

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
	const enc = new TextEncoder();
	return new ReadableStream({
		start(c) {
			for (const p of parts) c.enqueue(enc.encode(p));
			c.close();
		}
	});
}

async function all(it: AsyncIterable<unknown>) {
	const out: unknown[] = [];
	for await (const x of it) out.push(x);
	return out;
}

describe('SSE', () => {
	it('round-trips payloads split at arbitrary byte boundaries', async () => {
		const text = encodeSSE({ a: 1 }) + encodeSSE({ b: 'é\n' }) + SSE_DONE;
		const parts = [text.slice(0, 3), text.slice(3, 17), text.slice(17)];
		expect(await all(parseSSE(streamOf(parts)))).toEqual([{ a: 1 }, { b: 'é\n' }]);
	});

	it('ignores comments and stops at [DONE]', async () => {
		expect(await all(parseSSE(streamOf([': keep-alive\n\n', encodeSSE(1), SSE_DONE, encodeSSE(2)])))).toEqual([1]);
	});

	it('throws an in-band OpenAI error as a LumenError', async () => {
		const body = streamOf([encodeSSE({ x: 1 }), encodeSSE({ error: { message: 'worker died', type: 'server_error', code: 'worker_crashed' } })]);
		await expect(all(parseSSE(body))).rejects.toMatchObject({ code: 'worker_crashed', message: 'worker died' });
	});

	it('treats a stream that ends without [DONE] as a broken answer', async () => {
		await expect(all(parseSSE(streamOf([encodeSSE({ x: 1 })])))).rejects.toMatchObject({ code: 'unavailable' });
	});
});
