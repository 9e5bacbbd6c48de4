import { describe, expect, it } from 'vitest';
import { LumenError } from '$lib/protocol/errors';
import type { ChatCompletionRequest } from '$lib/protocol/openai';
import type { StoredMessage } from '$lib/storage';
import { streamReply } from './stream-reply';
import { ScriptedEngine } from './test-support';

const request: ChatCompletionRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const reply = (): StoredMessage => ({ id: 'r', role: 'assistant', content: '', createdAt: 0 });

describe('streamReply', () => {
	it('appends text once per frame and records TTFT, tokens and tokens per second', async () => {
		const frames: (() => void)[] = [];
		const writes: string[] = [];
		const message = reply();
		const tracked = new Proxy(message, {
			set(target, key, value) {
				if (key === 'content') writes.push(value as string);
				return Reflect.set(target, key, value);
			}
		});
		let clock = 0;
		const now = () => (clock += 100);
		const error = await streamReply(new ScriptedEngine({ words: ['a', 'b', 'c'] }), request, tracked, {
			signal: new AbortController().signal,
			schedule: (cb) => frames.push(cb),
			now
		});
		expect(error).toBeNull();
		expect(frames, 'one frame scheduled for three deltas that arrived before it ran').toHaveLength(1);
		expect(writes).toEqual(['abc']);
		// started at 100, first token at 200, end at 300: 2 tokens after the first in 100 ms.
		expect(message.stats).toEqual({ ttftMs: 100, tokens: 3, tokensPerSecond: 20, finishReason: 'stop' });
	});

	it('a stop keeps the partial text and is no error, even when the transport throws on abort', async () => {
		const controller = new AbortController();
		const engine = new ScriptedEngine({ words: ['a', 'b', 'c', 'd'], everyMs: 5 });
		const throwing = {
			async *chat(r: ChatCompletionRequest, o: { signal?: AbortSignal }) {
				for await (const c of engine.chat(r, o)) {
					yield c;
					if (engine.yielded === 2) controller.abort();
				}
				throw new LumenError('aborted', 'Stopped.', true);
			}
		};
		const message = reply();
		expect(await streamReply(throwing, request, message, { signal: controller.signal, schedule: (cb) => cb() })).toBeNull();
		expect(message.content).toBe('ab');
		expect(message.error).toBeUndefined();
		expect(message.stats?.finishReason).toBe('abort');
	});

	it('a failure ends the answer with the error on the message and keeps what arrived', async () => {
		const failing = {
			async *chat() {
				yield* new ScriptedEngine({ words: ['x'] }).chat(request);
				throw new Error('the worker fell over');
			}
		};
		const message = reply();
		const error = await streamReply(failing, request, message, { signal: new AbortController().signal, schedule: (cb) => cb() });
		expect(error).toMatchObject({ code: 'generation_failed', message: 'the worker fell over' });
		expect(message).toMatchObject({ content: 'x', error: 'the worker fell over', stats: { finishReason: 'error' } });
	});
});
