import { describe, expect, it } from 'vitest';
import { createSseRelay } from './sse-relay';

const enc = (s: string) => Buffer.from(s);
const chunk = (content: string | null, finish: string | null = null) =>
	`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${
		content === null ? '{}' : JSON.stringify({ content })
	},"finish_reason":${finish ? `"${finish}"` : 'null'}}]}\n\n`;
const usage = 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n';
const done = 'data: [DONE]\n\n';

function relayAll(parts: string[], stripUsage = false) {
	let t = 0;
	const relay = createSseRelay({ stripUsage, clock: () => ++t });
	let out = '';
	for (const p of parts) out += relay.push(enc(p))?.toString() ?? '';
	out += relay.end()?.toString() ?? '';
	return { out, stats: relay.stats };
}

describe('SSE relay', () => {
	it('forwards complete events as the very same buffer (no copy, no re-serialisation)', () => {
		const relay = createSseRelay({ stripUsage: false });
		const input = enc(chunk('Hi') + chunk(' there'));
		expect(relay.push(input)).toBe(input);
	});

	it('holds back a partial event until its blank line arrives', () => {
		const relay = createSseRelay({ stripUsage: false });
		const whole = chunk('Hello');
		expect(relay.push(enc(whole.slice(0, 20)))).toBeNull();
		expect(relay.push(enc(whole.slice(20)))?.toString()).toBe(whole);
	});

	it('notes content events, the first token time, the finish reason, usage and [DONE]', () => {
		const { out, stats } = relayAll([chunk(''), chunk('Hi'), chunk(' you'), chunk(null, 'length'), usage, done]);
		expect(out).toBe(chunk('') + chunk('Hi') + chunk(' you') + chunk(null, 'length') + usage + done);
		expect(stats).toMatchObject({
			sawDone: true,
			finishReason: 'length',
			contentEvents: 2,
			firstContentAt: 1,
			usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }
		});
	});

	it('drops the usage-only chunk when the client did not ask for usage, wherever the bytes split', () => {
		const stream = chunk('Hi') + chunk(null, 'stop') + usage + done;
		for (const cut of [10, 150, stream.length - 20]) {
			const { out, stats } = relayAll([stream.slice(0, cut), stream.slice(cut)], true);
			expect(out).toBe(chunk('Hi') + chunk(null, 'stop') + done);
			expect(stats.usage?.completion_tokens).toBe(2);
		}
	});

	it('keeps usage attached to a chunk that still has choices', () => {
		const withChoices =
			'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\n';
		const { out, stats } = relayAll([withChoices, done], true);
		expect(out).toBe(withChoices + done);
		expect(stats.finishReason).toBe('stop');
	});

	it('understands CRLF framing and spaces after colons', () => {
		const ev = 'data: {"choices": [{"text": "yo", "finish_reason": "stop"}]}\r\n\r\n';
		const { out, stats } = relayAll([ev, 'data: [DONE]\r\n\r\n']);
		expect(out).toBe(ev + 'data: [DONE]\r\n\r\n');
		expect(stats).toMatchObject({ contentEvents: 1, finishReason: 'stop', sawDone: true });
	});

	it('reports a stream that ended without [DONE]', () => {
		expect(relayAll([chunk('Hi')]).stats.sawDone).toBe(false);
	});

	it('records an in-band error event from the worker', () => {
		const { stats } = relayAll(['data: {"error":{"message":"boom","type":"server_error","code":"generation_failed"}}\n\n']);
		expect(stats.upstreamError).toEqual({ message: 'boom', code: 'generation_failed' });
	});

	it('flushes a final event that lacks its blank line', () => {
		const { out, stats } = relayAll([chunk('a'), 'data: [DONE]\n']);
		expect(stats.sawDone).toBe(true);
		expect(out.startsWith(chunk('a') + 'data: [DONE]\n')).toBe(true);
	});
});
