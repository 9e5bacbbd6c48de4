import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatCompletionRequestSchema } from '#protocol/openai';
import { fromZodError, paramPath, toApiError } from './errors';
import { LumenError } from '#protocol/errors';
import { createRateLimiter } from './middleware';

describe('rate limiter', () => {
	it('allows a burst of the per-minute budget, then asks the client to wait for the next token', () => {
		let now = 0;
		const limiter = createRateLimiter(60, () => now);
		for (let i = 0; i < 60; i++) expect(limiter.take('a').ok).toBe(true);
		expect(limiter.take('a')).toEqual({ ok: false, retryAfterS: 1 });
		now += 1000; // one token per second refills
		expect(limiter.take('a').ok).toBe(true);
		expect(limiter.take('a').ok).toBe(false);
	});

	it('keeps a separate budget per client', () => {
		const limiter = createRateLimiter(1, () => 0);
		expect(limiter.take('a').ok).toBe(true);
		expect(limiter.take('a')).toEqual({ ok: false, retryAfterS: 60 });
		expect(limiter.take('b').ok).toBe(true);
	});
});

describe('API errors', () => {
	it('names nested parameters the way OpenAI does', () => {
		expect(paramPath(['messages', 0, 'content'])).toBe('messages[0].content');
		expect(paramPath(['temperature'])).toBe('temperature');
	});

	it('turns a schema failure into a 400 naming the parameter', () => {
		const missing = ChatCompletionRequestSchema.safeParse({ model: 'm' });
		expect(fromZodError(missing.error!)).toMatchObject({ status: 400, param: 'messages', message: "Missing required parameter: 'messages'." });
		const range = ChatCompletionRequestSchema.safeParse({ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: -1 });
		const err = fromZodError(range.error!);
		expect(err).toMatchObject({ status: 400, param: 'temperature', type: 'invalid_request_error' });
		expect(err.message).toMatch(/^Invalid 'temperature'/);
	});

	it('hides the internals of unexpected failures behind a generic 500', () => {
		const err = toApiError(new Error('ECONNRESET at /secret/path.ts:12'));
		expect(err.status).toBe(500);
		expect(JSON.stringify(err.body())).not.toContain('secret');
	});

	it('keeps the status and message of our own LumenErrors', () => {
		expect(toApiError(new LumenError('unavailable', 'No worker.'))).toMatchObject({ status: 503, code: 'unavailable', message: 'No worker.' });
		expect(toApiError(new z.ZodError([]))).toMatchObject({ status: 400 });
	});
});
