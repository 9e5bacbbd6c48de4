// Tools in the chat template registry: the ChatML and Qwen templates render tools, assistant tool calls and
// tool results in Qwen2.5's layout byte for byte; templates without tool support refuse them by name.
import { AutoTokenizer, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModels } from '../../../scripts/model-builder/test-support';
import { LumenError } from '../protocol/errors';
import type { TemplateMessage } from '../protocol/messages';
import { findTemplate, listTemplates, prepareMessages, renderPrompt, toolTemplateNames, toolUseIn, type TemplateTool } from './chat-templates';

const weather: TemplateTool = {
	type: 'function',
	function: {
		name: 'get_weather',
		description: 'Current weather in a city.',
		parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
	}
};
const clock: TemplateTool = { type: 'function', function: { name: 'now' } };

const ask: TemplateMessage[] = [
	{ role: 'system', content: 'You are a terse assistant.' },
	{ role: 'user', content: 'What is the weather in Paris and Rome?' }
];
const called: TemplateMessage[] = [
	...ask,
	{
		role: 'assistant',
		content: '',
		tool_calls: [
			{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
			{ id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Rome"}' } }
		]
	},
	{ role: 'tool', content: '{"temp": 21}', tool_call_id: 'call_1' },
	{ role: 'tool', content: '{"temp": 25}', tool_call_id: 'call_2' }
];

// Written out by hand from Qwen2.5-Instruct's chat_template layout, with this project's instruction sentences.
const TOOLS_BLOCK =
	'# Tools\n\nYou may call the functions whose signatures are listed inside <tools></tools> XML tags below, whenever they help to answer.\n<tools>\n' +
	'{"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}\n' +
	'{"type": "function", "function": {"name": "now"}}\n' +
	'</tools>\n\nTo call a function, write a JSON object with its name and arguments between <tool_call></tool_call> XML tags, like this:\n' +
	'<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n';
const USER_TURN = '<|im_start|>user\nWhat is the weather in Paris and Rome?<|im_end|>\n';
const CALLS =
	'<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n' +
	'<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n</tool_call><|im_end|>\n';
const RESULTS = '<|im_start|>user\n<tool_response>\n{"temp": 21}\n</tool_response>\n<tool_response>\n{"temp": 25}\n</tool_response><|im_end|>\n';

describe('templates with tool support', () => {
	it('are chatml (alias hermes) and qwen, and only they', () => {
		expect(toolTemplateNames()).toEqual(['chatml', 'qwen']);
		expect(findTemplate('hermes').name).toBe('chatml');
		for (const t of listTemplates()) expect(t.tools, t.name).toBe(t.name === 'chatml' || t.name === 'qwen');
	});

	it('render the tools after the system message, in the system turn', () => {
		expect(renderPrompt('chatml', ask, { tools: [weather, clock] })).toBe(
			`<|im_start|>system\nYou are a terse assistant.\n\n${TOOLS_BLOCK}${USER_TURN}<|im_start|>assistant\n`
		);
	});

	it('open the system turn with the tools when there is no system message (qwen inserts its default first)', () => {
		const noSystem = ask.slice(1);
		expect(renderPrompt('chatml', noSystem, { tools: [weather, clock] })).toBe(`<|im_start|>system\n${TOOLS_BLOCK}${USER_TURN}<|im_start|>assistant\n`);
		const qwen = findTemplate('qwen');
		expect(renderPrompt(qwen, noSystem, { tools: [weather, clock] })).toBe(
			`<|im_start|>system\n${qwen.defaultSystem}\n\n${TOOLS_BLOCK}${USER_TURN}<|im_start|>assistant\n`
		);
	});

	it('render assistant tool calls as <tool_call> blocks (arguments as JSON) and consecutive results as one user turn', () => {
		expect(renderPrompt('qwen', called, { tools: [weather, clock] })).toBe(
			`<|im_start|>system\nYou are a terse assistant.\n\n${TOOLS_BLOCK}${USER_TURN}${CALLS}${RESULTS}<|im_start|>assistant\n`
		);
	});

	it('keep the text an assistant wrote before its tool calls, and history with tool calls renders without tools offered', () => {
		const withText: TemplateMessage[] = [...ask, { ...(called[2] as TemplateMessage & { role: 'assistant' }), content: 'Checking.' }, called[3]];
		expect(renderPrompt('chatml', withText)).toBe(
			'<|im_start|>system\nYou are a terse assistant.<|im_end|>\n' +
				USER_TURN +
				CALLS.replace('<|im_start|>assistant\n', '<|im_start|>assistant\nChecking.\n') +
				'<|im_start|>user\n<tool_response>\n{"temp": 21}\n</tool_response><|im_end|>\n<|im_start|>assistant\n'
		);
	});

	it('without tools or tool messages they render plain ChatML', () => {
		expect(renderPrompt('chatml', ask)).toBe(`<|im_start|>system\nYou are a terse assistant.<|im_end|>\n${USER_TURN}<|im_start|>assistant\n`);
		expect(renderPrompt('chatml', ask, { tools: [] })).toBe(renderPrompt('chatml', ask));
	});
});

describe('prepareMessages and tool messages', () => {
	it('turns OpenAI argument strings into objects for tojson, keeps arguments that are not JSON as text, and drops unknown fields', () => {
		const messages: TemplateMessage[] = [
			...ask.slice(1),
			{
				role: 'assistant',
				content: '',
				extra: 'x',
				tool_calls: [
					{ id: 'a', type: 'function', function: { name: 'f', arguments: '{"n": [1, 2]}' } },
					{ id: 'b', type: 'function', function: { name: 'g', arguments: 'not json' } }
				]
			} as TemplateMessage,
			{ role: 'tool', content: 'ok', tool_call_id: 'a' }
		];
		expect(prepareMessages('chatml', messages).slice(1)).toEqual([
			{
				role: 'assistant',
				content: '',
				tool_calls: [
					{ id: 'a', type: 'function', function: { name: 'f', arguments: { n: [1, 2] } } },
					{ id: 'b', type: 'function', function: { name: 'g', arguments: 'not json' } }
				]
			},
			{ role: 'tool', content: 'ok', tool_call_id: 'a' }
		]);
	});

	it('toolUseIn names the first part of a request that needs tool support', () => {
		expect(toolUseIn(ask)).toBeUndefined();
		expect(toolUseIn(ask, [])).toBeUndefined();
		expect(toolUseIn(ask, [weather])).toBe('tools');
		expect(toolUseIn(called)).toBe('messages[2]');
		expect(toolUseIn([...ask, called[3]])).toBe('messages[2]');
	});
});

describe('templates without tool support', () => {
	it('refuse tools, and tool calls or results in the history, naming what needs them and the templates that can', () => {
		expect(() => renderPrompt('vicuna', ask, { tools: [weather] })).toThrow(
			new LumenError('bad_request', 'The chat template "vicuna" has no tool support, so it cannot render the tools. Templates with tool support: chatml, qwen.')
		);
		expect(() => renderPrompt('llama-3', called)).toThrow(/"llama-3" has no tool support, so it cannot render messages\[2\] \(a tool call or tool result\)/);
	});
});

describe('Transformers.js apply_chat_template renders tools the same', () => {
	const saved = { allowRemoteModels: env.allowRemoteModels, localModelPath: env.localModelPath };
	let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
	beforeAll(async () => {
		env.allowRemoteModels = false;
		env.localModelPath = ensureModels() + '/';
		tokenizer = await AutoTokenizer.from_pretrained('lumen-tiny-a');
	});
	afterAll(() => void Object.assign(env, saved));

	it.each(['chatml', 'qwen'])('%s with tools, tool calls and tool results', (name) => {
		const t = findTemplate(name);
		const viaTransformers = tokenizer.apply_chat_template(prepareMessages(t, called) as never, {
			chat_template: t.template,
			tools: [weather, clock],
			tokenize: false,
			add_generation_prompt: true
		}) as unknown as string;
		expect(viaTransformers).toBe(renderPrompt(t, called, { tools: [weather, clock] }));
	});
});
