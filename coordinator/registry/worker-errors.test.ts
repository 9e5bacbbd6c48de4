// The fault rule for a worker's error answers, case by case.
import { describe, expect, it } from 'vitest';
import { judgeWorkerError } from './worker-errors';

const json = (error: object) => Buffer.from(JSON.stringify({ error }));

describe('judgeWorkerError', () => {
	it('relays a 4xx OpenAI error with its own fields, filling the ones a worker left out', () => {
		expect(judgeWorkerError(404, json({ message: 'no such model', code: 'model_not_found' }))).toEqual({
			kind: 'relay',
			status: 404,
			body: { error: { message: 'no such model', type: 'invalid_request_error', param: null, code: 'model_not_found' } }
		});
	});

	it("relays the worker's localized text (the web app's other languages) with the rest, and drops a malformed one", () => {
		const i18n = { key: 'error.text.contextLength', values: { context: 2048, prompt: 3000, exact: 'yes' } };
		const relayed = judgeWorkerError(400, json({ message: 'too long', type: 'invalid_request_error', code: 'context_length_exceeded', i18n }));
		expect(relayed).toMatchObject({ kind: 'relay', body: { error: { code: 'context_length_exceeded', i18n } } });
		const odd = judgeWorkerError(400, json({ message: 'too long', code: 'bad_request', i18n: 42 }));
		expect(odd).toEqual({ kind: 'relay', status: 400, body: { error: { message: 'too long', type: 'invalid_request_error', param: null, code: 'bad_request' } } });
	});

	it('wraps a 429 that is not JSON as a rate-limit error', () => {
		const v = judgeWorkerError(429, Buffer.from('slow down'));
		expect(v).toMatchObject({ kind: 'relay', status: 429, body: { error: { type: 'rate_limit_error', code: 'worker_rejected' } } });
	});

	it('blames the worker for its own 5xx, and for refusing the coordinator’s credentials', () => {
		expect(judgeWorkerError(500, json({ message: 'boom', type: 'server_error', code: 'internal' })).kind).toBe('worker_fault');
		expect(judgeWorkerError(502, Buffer.from('<html>bad gateway</html>')).kind).toBe('worker_fault');
		expect(judgeWorkerError(401, json({ message: 'bad key', type: 'authentication_error' })).kind).toBe('worker_fault');
		expect(judgeWorkerError(403, Buffer.alloc(0)).kind).toBe('worker_fault');
	});

	it('relays a 5xx the worker itself labels as the request’s fault', () => {
		expect(judgeWorkerError(500, json({ message: 'too long', type: 'server_error', code: 'context_length_exceeded' }))).toMatchObject({ kind: 'relay', status: 500 });
	});

	it('cuts a long non-JSON body short in the message', () => {
		const v = judgeWorkerError(400, Buffer.from('x'.repeat(5000)));
		expect(v.kind === 'relay' && v.body.error.message.length).toBeLessThan(400);
	});
});
