// The fuzz suite in the unit suite: 1,000 hostile requests of every kind against a real `lumen serve`
// (coordinator + onnx worker). Any 5xx but 503, any error that is not OpenAI-shaped JSON, any byte of a
// file outside the web app, a dead process or a real chat that fails afterwards fails this test.
import { describe, expect, it } from 'vitest';
import { KINDS } from './fuzz';
import { formatReport, hasProblems } from './report';
import { fuzzLumenServe } from './session';

describe('fuzz', () => {
	it('has at least 60 kinds of bad input, each with its own name', () => {
		expect(KINDS.length).toBeGreaterThanOrEqual(60);
		expect(new Set(KINDS.map((k) => k.name)).size).toBe(KINDS.length);
	});

	it('survives 1,000 hostile requests of every kind with no problem', async () => {
		const options = { requests: 1_000, seed: 7, concurrency: 16, model: 'lumen-tiny-a' };
		const result = await fuzzLumenServe(options);
		const report = formatReport(result, options);
		expect(result.reports.every((r) => r.runs > 0), report).toBe(true);
		expect(hasProblems(result), report).toBe(false);
	}, 180_000);
});
