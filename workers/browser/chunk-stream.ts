// The one way a browser worker hands a chat stream to the page: a transferred ReadableStream of
// chunks (no round trip per token), errors as data, and cancel → abort of the generation.
import * as Comlink from 'comlink';
import { toLumenError } from '#protocol/errors';
import type { ChatCompletionChunk } from '#protocol/openai';
import type { WorkerStreamItem } from '#protocol/worker-api';

export function transferChunks(chunks: AsyncIterable<ChatCompletionChunk>, controller: AbortController): ReadableStream<WorkerStreamItem> {
	const iterator = chunks[Symbol.asyncIterator]();
	const stream = new ReadableStream<WorkerStreamItem>({
		async pull(c) {
			try {
				const r = await iterator.next();
				if (r.done) c.close();
				else c.enqueue({ type: 'chunk', chunk: r.value });
			} catch (err) {
				c.enqueue({ type: 'error', error: toLumenError(err, 'generation_failed').toData() });
				c.close();
			}
		},
		cancel() {
			controller.abort();
		}
	});
	return Comlink.transfer(stream, [stream as unknown as Transferable]);
}
