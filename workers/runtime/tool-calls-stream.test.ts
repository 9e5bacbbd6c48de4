// toolCallChunks on scripted generation events (the tiny models babble, so they never write a real call):
// the OpenAI delta shapes, the finish reason, and stopping generation after the one call wanted.
import { describe, expect, it } from 'vitest';
import { ChatCompletionChunkSchema, makeChunk, type ChatCompletionChunk, type FinishReason } from '#protocol/openai';
import { toolCallChunks, type MakeChunk } from './tool-calls-stream';
import type { ToolPlan } from './transformers-chat-prompt';
import type { TextEvent } from './transformers-generate';

const plan = (extra: Partial<ToolPlan> = {}): ToolPlan => ({ tools: [], names: new Set(['get_weather', 'now']), prefill: '', single: false, ...extra });
const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
const chunk: MakeChunk = (delta, finish, u) => {
	const made = makeChunk('chatcmpl-1', 'm', {}, finish, u);
	made.choices[0].delta = delta;
	return made;
};

async function* script(pieces: string[], finish: FinishReason): AsyncGenerator<TextEvent> {
	for (const text of pieces) yield { type: 'delta', text };
	yield { type: 'end', finish, usage };
}

async function run(pieces: string[], finish: FinishReason, p = plan()) {
	let stops = 0;
	const chunks: ChatCompletionChunk[] = [];
	for await (const c of toolCallChunks(script(pieces, finish), p, chunk, () => stops++)) chunks.push(ChatCompletionChunkSchema.parse(c));
	return { chunks, stops, deltas: chunks.map((c) => c.choices[0].delta), last: chunks.at(-1)! };
}

const CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';

describe('toolCallChunks', () => {
	it('streams a call as a first delta with id, type and name, then its arguments; finish_reason "tool_calls"', async () => {
		const pieces = ['I will check. ', ...CALL.match(/.{1,7}/gs)!, '\n', CALL.replace('Paris', 'Rome')];
		const { deltas, last } = await run(pieces, 'stop');
		expect(deltas.filter((d) => d.content !== undefined).map((d) => d.content).join('')).toBe('I will check.');
		const calls = deltas.filter((d) => d.tool_calls).map((d) => d.tool_calls!);
		expect(calls).toHaveLength(4);
		expect(calls[0]).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '' } }]);
		expect(calls[1]).toEqual([{ index: 0, function: { arguments: '{"city":"Paris"}' } }]);
		expect(calls[2]).toEqual([{ index: 1, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '' } }]);
		expect(calls[3]).toEqual([{ index: 1, function: { arguments: '{"city":"Rome"}' } }]);
		expect(calls[0][0].id).not.toBe(calls[2][0].id);
		expect(last.choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
		expect(last.usage).toEqual(usage);
	});

	it('keeps the finish reason of an answer without calls, and "length" when it was cut off', async () => {
		expect((await run(['Just text.'], 'stop')).last.choices[0].finish_reason).toBe('stop');
		expect((await run([CALL, ' and then'], 'length')).last.choices[0].finish_reason).toBe('length');
		expect((await run([CALL], 'abort')).last.choices[0].finish_reason).toBe('abort');
	});

	it('with parallel_tool_calls false asks generation to stop after the first call and reports "tool_calls"', async () => {
		const { stops, deltas, last } = await run([CALL, CALL.replace('Paris', 'Rome')], 'abort', plan({ single: true }));
		expect(stops).toBeGreaterThan(0);
		expect(deltas.filter((d) => d.tool_calls)).toHaveLength(2);
		expect(last.choices[0].finish_reason).toBe('tool_calls');
	});

	it('continues a forced call from the prefill', async () => {
		const { deltas, last } = await run(['{"city": "Oslo"}}\n', '</tool_call>'], 'stop', plan({ prefill: '<tool_call>\n{"name": "get_weather", "arguments": ' }));
		expect(deltas.flatMap((d) => d.tool_calls ?? []).map((t) => t.function)).toEqual([{ name: 'get_weather', arguments: '' }, { arguments: '{"city":"Oslo"}' }]);
		expect(last.choices[0].finish_reason).toBe('tool_calls');
	});
});
