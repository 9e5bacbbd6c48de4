// The tool-call reader on scripted model output, fed whole, one character at a time and split at every
// position: the content and calls that come out never depend on how the text was cut into deltas.
import { describe, expect, it } from 'vitest';
import { readCall, ToolCallParser, type ToolCallEvent, type ToolCallParserOptions } from './tool-calls';

const NAMES = new Set(['get_weather', 'now']);

type Result = { content: string; calls: { name: string; arguments: string }[]; contentEvents: number };

function run(pieces: string[], options: Partial<ToolCallParserOptions> = {}): Result & { ids: string[] } {
	let n = 0;
	const parser = new ToolCallParser({ names: NAMES, newId: () => `call_${++n}`, ...options });
	const events: ToolCallEvent[] = [];
	for (const piece of pieces) events.push(...parser.push(piece));
	events.push(...parser.finish());
	const calls = events.flatMap((e) => (e.type === 'call' ? [e.call] : []));
	expect(parser.calls).toBe(calls.length);
	for (const e of events) if (e.type === 'content') expect(e.text).not.toBe('');
	return {
		content: events.map((e) => (e.type === 'content' ? e.text : '')).join(''),
		calls: calls.map((c) => c.function),
		contentEvents: events.filter((e) => e.type === 'content').length,
		ids: calls.map((c) => c.id)
	};
}

/** Every way of cutting `text` into two pieces, plus one character at a time: all must agree with `expected`. */
function expectEverySplit(text: string, expected: Omit<Result, 'contentEvents'>, options: Partial<ToolCallParserOptions> = {}) {
	const strip = ({ content, calls }: Result) => ({ content, calls });
	expect(strip(run([text], options))).toEqual(expected);
	expect(strip(run([...text], options))).toEqual(expected);
	for (let i = 0; i <= text.length; i++) expect(strip(run([text.slice(0, i), text.slice(i)], options)), `split at ${i}`).toEqual(expected);
}

const paris = { name: 'get_weather', arguments: '{"city":"Paris"}' };
const rome = { name: 'get_weather', arguments: '{"city":"Rome"}' };

describe('ToolCallParser', () => {
	it('passes an answer without calls through exactly, whitespace and angle brackets included', () => {
		for (const text of ['Hello there.', '  two  spaces \n\n', 'a < b and <tool but not a call', 'ends with <tool_cal', '<tool_response>x</tool_response>'])
			expectEverySplit(text, { content: text, calls: [] });
	});

	it('reads one call, arguments re-serialised as compact JSON', () => {
		expectEverySplit('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>', { content: '', calls: [paris] });
	});

	it('reads parallel calls and drops the whitespace between and around them', () => {
		const text =
			'\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n' +
			'<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n</tool_call>\n';
		expectEverySplit(text, { content: '', calls: [paris, rome] });
	});

	it('keeps text before, between and after calls as content', () => {
		const text =
			'Let me check.\n<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>\nAnd ' +
			'<tool_call>{"name": "now", "arguments": {}}</tool_call> done.';
		expectEverySplit(text, { content: 'Let me check.\nAnd done.', calls: [paris, { name: 'now', arguments: '{}' }] });
	});

	it('streams content before a call as it arrives, holding back only what may open a call', () => {
		let n = 0;
		const parser = new ToolCallParser({ names: NAMES, newId: () => `call_${++n}` });
		expect(parser.push('Hello')).toEqual([{ type: 'content', text: 'Hello' }]);
		expect(parser.push(' world <tool')).toEqual([{ type: 'content', text: ' world' }]);
		expect(parser.push('_call>{"name": "now"')).toEqual([]);
		expect(parser.push('}</tool_call>')).toEqual([{ type: 'call', call: { id: 'call_1', type: 'function', function: { name: 'now', arguments: '{}' } } }]);
		expect(parser.finish()).toEqual([]);
	});

	it('returns a block that is not a valid call as the text the model wrote', () => {
		for (const block of [
			'<tool_call>not json</tool_call>',
			'<tool_call>{"name": "delete_everything", "arguments": {}}</tool_call>',
			'<tool_call>{"arguments": {"city": "Paris"}}</tool_call>',
			'<tool_call>{"name": "now", "arguments": [1]}</tool_call>',
			'<tool_call>["now"]</tool_call>'
		])
			expectEverySplit(`Sure. ${block}`, { content: `Sure. ${block}`, calls: [] });
	});

	it('returns an unclosed block as text unless it already holds a complete call', () => {
		expectEverySplit('Hm <tool_call>{"name": "get_weath', { content: 'Hm <tool_call>{"name": "get_weath', calls: [] });
		expectEverySplit('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n', { content: '', calls: [paris] });
	});

	it('accepts "parameters" for "arguments", arguments written as a JSON string, and no arguments', () => {
		expect(readCall('{"name": "get_weather", "parameters": {"city": "Paris"}}', NAMES)).toEqual(paris);
		expect(readCall('{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}', NAMES)).toEqual(paris);
		expect(readCall('{"name": "now"}', NAMES)).toEqual({ name: 'now', arguments: '{}' });
		expect(readCall('{"name": "now", "arguments": "not json"}', NAMES)).toBeNull();
	});

	it('continues a forced call from its prefill, and returns the prefill with the text when no call comes of it', () => {
		const prefill = '<tool_call>\n{"name": "get_weather", "arguments": ';
		expectEverySplit('{"city": "Paris"}}\n</tool_call>', { content: '', calls: [paris] }, { prefill });
		expectEverySplit('the sea is', { content: `${prefill}the sea is`, calls: [] }, { prefill });
		expect(run([], { prefill }).content).toBe(prefill);
	});

	it('with single: true stops after the first call and ignores the rest', () => {
		const text = '<tool_call>{"name": "now"}</tool_call><tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call> tail';
		expectEverySplit(text, { content: '', calls: [{ name: 'now', arguments: '{}' }] }, { single: true });
		const parser = new ToolCallParser({ names: NAMES, single: true });
		parser.push('<tool_call>{"name": "now"}</tool_call>');
		expect(parser.done).toBe(true);
		expect(parser.push('more')).toEqual([]);
	});

	it('gives every call its own id', () => {
		const text = '<tool_call>{"name": "now"}</tool_call><tool_call>{"name": "now"}</tool_call>';
		const ids = run([text], { newId: undefined }).ids;
		expect(ids).toHaveLength(2);
		expect(new Set(ids).size).toBe(2);
		for (const id of ids) expect(id).toMatch(/^call_[0-9a-f]{24}$/);
	});
});
