// The runners' ChatFn over an app engine: the streamed text gathered, a failed or stopped stream never taken
// for a whole answer, and a worker's calls queued one at a time.
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatCompletionRequest } from '$lib/protocol/openai';
import { engineChat } from './engine-chat';

const chunk = (content: string, finish: ChatCompletionChunk['choices'][0]['finish_reason'] = null): ChatCompletionChunk => ({
	id: 'c',
	object: 'chat.completion.chunk',
	created: 0,
	model: 'm',
	choices: [{ index: 0, delta: { content }, finish_reason: finish }]
});

function engine(script: (request: ChatCompletionRequest) => ChatCompletionChunk[], delayMs = 0) {
	let active = 0;
	const stats = { peak: 0, seen: [] as ChatCompletionRequest[] };
	async function* stream(request: ChatCompletionRequest, signal?: AbortSignal): AsyncGenerator<ChatCompletionChunk> {
		stats.peak = Math.max(stats.peak, ++active);
		try {
			for (const c of script(request)) {
				await new Promise((r) => setTimeout(r, delayMs));
				if (signal?.aborted) return;
				yield c;
			}
		} finally {
			active--;
		}
	}
	return Object.assign(stats, {
		chat: (request: ChatCompletionRequest, options: { signal?: AbortSignal } = {}) => {
			stats.seen.push(request);
			return stream(request, options.signal);
		}
	});
}

const messages = [{ role: 'user' as const, content: 'Hi' }];

describe('engineChat', () => {
	it('gathers the streamed text and sends the model, temperature and token limit', async () => {
		const e = engine(() => [chunk('Hel'), chunk('lo', 'stop')]);
		expect(await engineChat(e, 'tiny')(messages, { temperature: 0.7, maxTokens: 8 })).toBe('Hello');
		expect(e.seen[0]).toMatchObject({ model: 'tiny', messages, temperature: 0.7, max_tokens: 8, stream: true });
	});

	it('fails a stream that ends in an error, and a stopped one, instead of returning half an answer', async () => {
		await expect(engineChat(engine(() => [chunk('Hel'), chunk('', 'error')]), 'tiny')(messages, { temperature: 0, maxTokens: 8 })).rejects.toMatchObject({
			code: 'generation_failed',
			retryable: true
		});
		const stop = new AbortController();
		const call = engineChat(engine(() => [chunk('a'), chunk('b'), chunk('c')], 20), 'tiny')(messages, { temperature: 0, maxTokens: 8, signal: stop.signal });
		setTimeout(() => stop.abort(), 30);
		await expect(call).rejects.toMatchObject({ code: 'aborted' });
	});

	it('runs a worker’s calls one at a time, in order', async () => {
		const e = engine((r) => [chunk(String(r.messages[0].content))], 10);
		const chat = engineChat(e, 'tiny', { oneAtATime: true });
		const results = await Promise.all(['1', '2', '3'].map((c) => chat([{ role: 'user', content: c }], { temperature: 0, maxTokens: 8 })));
		expect(results).toEqual(['1', '2', '3']);
		expect(e.peak).toBe(1);
		const free = engine(() => [chunk('x')], 10);
		await Promise.all([1, 2, 3].map(() => engineChat(free, 'remote')(messages, { temperature: 0, maxTokens: 8 })));
		expect(free.peak).toBe(3);
	});
});
