import { describe, expect, it } from 'vitest';
import { makeChunk } from '#protocol/openai';
import { PendingRequest, type UpstreamAnswer } from './pending-request';

async function text(answer: UpstreamAnswer): Promise<string> {
	let out = '';
	for await (const part of answer.body) out += Buffer.from(part as Uint8Array).toString();
	return out;
}

const usage = { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 };

describe('PendingRequest', () => {
	it('turns a streamed answer into SSE as a worker sends it: usage in a last choices-free chunk, then [DONE]', async () => {
		const p = new PendingRequest('r1', 'chat', true);
		p.chunk(makeChunk('c', 'm', { role: 'assistant', content: '' }));
		p.chunk(makeChunk('c', 'm', { content: 'Hi' }));
		p.chunk(makeChunk('c', 'm', {}, 'stop', usage));
		p.done(usage);
		const answer = await p.answer;
		expect(answer).toMatchObject({ statusCode: 200, contentType: expect.stringContaining('text/event-stream') });
		const events = (await text(answer)).split('\n\n').filter(Boolean);
		expect(events.at(-1)).toBe('data: [DONE]');
		const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
		expect(chunks.map((c) => c.choices.length)).toEqual([1, 1, 1, 0]);
		expect(chunks.slice(0, 3).every((c) => c.usage === null)).toBe(true);
		expect(chunks[3].usage).toEqual(usage);
	});

	it('answers an error before the first chunk with the HTTP status of its code, and one after it in-band', async () => {
		const early = new PendingRequest('r1', 'chat', true);
		early.error({ code: 'context_length_exceeded', message: 'Too long.', retryable: false });
		const refused = await early.answer;
		expect(refused.statusCode).toBe(400);
		expect(JSON.parse(await text(refused))).toEqual({ error: { message: 'Too long.', type: 'invalid_request_error', param: null, code: 'context_length_exceeded' } });

		const late = new PendingRequest('r2', 'chat', true);
		late.chunk(makeChunk('c', 'm', { content: 'Hi' }));
		late.error({ code: 'generation_failed', message: 'The model failed.', retryable: true });
		const body = await text(await late.answer);
		expect(body).toMatch(/"code":"generation_failed".*\n\ndata: \[DONE\]\n\n$/s);
	});

	it('folds a non-streamed answer into one JSON completion, with usage reported only in done', async () => {
		const p = new PendingRequest('r1', 'chat', false);
		p.chunk(makeChunk('c', 'm', { role: 'assistant', content: 'Hel' }));
		p.chunk(makeChunk('c', 'm', { content: 'lo' }, 'stop'));
		p.done(usage);
		const answer = await p.answer;
		expect(answer.contentType).toBe('application/json');
		expect(JSON.parse(await text(answer))).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'Hello' }, finish_reason: 'stop' }], usage });
	});

	it('fails the relay when the tab goes away mid-stream, but not after it finished', async () => {
		const cut = new PendingRequest('r1', 'chat', true);
		cut.chunk(makeChunk('c', 'm', { content: 'Hi' }));
		const answer = await cut.answer;
		cut.fail(new Error('socket closed'));
		await expect(text(answer)).rejects.toThrow(/socket closed/);

		const finished = new PendingRequest('r2', 'chat', true);
		finished.chunk(makeChunk('c', 'm', { content: 'Hi' }, 'stop', usage));
		finished.done(undefined);
		finished.fail(new Error('socket closed'));
		expect(await text(await finished.answer)).toMatch(/data: \[DONE\]\n\n$/);
	});

	it('rejects before any answer when the tab goes away first, and accepts only its own kind of chunk', async () => {
		const p = new PendingRequest('r1', 'completion', true);
		expect(p.accepts(makeChunk('c', 'm', { content: 'x' }))).toBe(false);
		expect(p.accepts({ id: 'c', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: 'x', finish_reason: null }] })).toBe(true);
		p.fail(new Error('socket closed'));
		await expect(p.answer).rejects.toThrow(/socket closed/);
	});
});
