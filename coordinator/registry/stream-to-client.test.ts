// The stream relay over a real socket: an upstream body that arrives whole (every event and its end in
// one packet, as a fast upstream sends a short answer) must still reach the client and end.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { holdFirstChunk, pipeToClient } from './stream-to-client';

const servers: Server[] = [];
afterEach(async () => {
	for (const s of servers.splice(0)) {
		s.closeAllConnections();
		await new Promise((r) => s.close(r));
	}
});

const SSE = 'data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\ndata: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';

describe('pipeToClient', () => {
	it('ends the client’s stream when the upstream body ended while it was held', async () => {
		const ends: (string | null)[] = [];
		const server = createServer((_req, res) => {
			void (async () => {
				const held = await holdFirstChunk(Readable.from([Buffer.from(SSE)]));
				// The route awaits other things before it starts relaying; the body has ended meanwhile.
				await new Promise((r) => setTimeout(r, 20));
				const end = await pipeToClient({ held: held!, out: res, headers: { 'content-type': 'text/event-stream' }, stripUsage: false, abortUpstream: () => undefined, onWorkerFailure: () => undefined });
				ends.push(end.error_code);
			})();
		});
		servers.push(server);
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: AbortSignal.timeout(3000) });
		expect(await res.text()).toBe(SSE);
		expect(ends).toEqual([null]);
	});
});
