// Chat templates and tools in the runtime, on the real tiny models in Node (the code the browser and
// native workers run): a model without a chat_template chats through its matched template, a requested
// template and a system override change the prompt exactly, and tools reach the template or get a 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectChunks, type ChatCompletionChunk, type ChatCompletionRequest, type Tool } from '#protocol/openai';
import { findTemplate, renderPrompt } from '#templates/chat-templates';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { chatPromptIds, streamChat, type LoadedTextModel } from './transformers-chat';
import { chatFormat } from './transformers-chat-prompt';

let vicuna: LoadedTextModel;
let tinyA: LoadedTextModel;

async function load(id: string): Promise<LoadedTextModel> {
	const tf = await import('@huggingface/transformers');
	tf.env.allowRemoteModels = false;
	tf.env.allowLocalModels = true;
	tf.env.localModelPath = ensureModels() + '/';
	const tokenizer = await tf.AutoTokenizer.from_pretrained(id);
	const model = await tf.AutoModelForCausalLM.from_pretrained(id, { dtype: 'fp32', device: 'cpu', session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
	return { tf, tokenizer, model, modelId: id, defaultMaxTokens: 16 };
}

beforeAll(async () => {
	vicuna = await load('lumen-tiny-vicuna');
	tinyA = await load('lumen-tiny-a');
});
afterAll(async () => {
	await vicuna?.model.dispose();
	await tinyA?.model.dispose();
});

const ask = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
	model: 'm',
	messages: [{ role: 'user', content: 'Tell me about the sea.' }],
	temperature: 0,
	max_tokens: 12,
	...extra
});
/** The prompt as text, special tokens spelled out. */
const promptText = (loaded: LoadedTextModel, ids: number[]) => loaded.tokenizer.decode(ids, { skip_special_tokens: false });
// lumen-tiny-* tokenizers spell BOS and EOS <|endoftext|> and <|im_end|>.
const TINY_TOKENS = { bosToken: '<|endoftext|>', eosToken: '<|im_end|>' };

describe('a model whose tokenizer has no chat_template', () => {
	it('chats through the template its id matches (vicuna), byte for byte', async () => {
		const expected = `<|endoftext|>${findTemplate('vicuna').defaultSystem} USER: Tell me about the sea. ASSISTANT:`;
		expect(renderPrompt('vicuna', ask().messages as never, TINY_TOKENS)).toBe(expected);
		const ids = chatPromptIds(vicuna, ask());
		expect(promptText(vicuna, ids)).toBe(expected);
		const answer = await collectChunks(streamChat(vicuna, ask()));
		expect(answer.usage?.prompt_tokens).toBe(ids.length);
		expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
		expect(answer.text.length).toBeGreaterThan(0);
	});

	it("answers exactly as a model with its weights does when that one is asked for the same template", async () => {
		const own = await collectChunks(streamChat(vicuna, ask()));
		const requested = await collectChunks(streamChat(tinyA, ask(), undefined, undefined, chatFormat(tinyA, { chatTemplate: 'vicuna' })));
		expect(requested.text).toBe(own.text);
		// tiny-a's own ChatML template gives another prompt, so (greedy) another answer.
		expect((await collectChunks(streamChat(tinyA, ask()))).text).not.toBe(own.text);
	});
});

describe('a requested template and a system override', () => {
	it('a requested name replaces the tokenizer’s own template; an unknown one is a 400 listing the names', () => {
		const ids = chatPromptIds(tinyA, ask(), chatFormat(tinyA, { chatTemplate: 'plain' }));
		expect(promptText(tinyA, ids)).toBe('User: Tell me about the sea.\nAssistant:');
		expect(() => chatFormat(tinyA, { chatTemplate: 'nope' })).toThrow(/Unknown chat template "nope"\. Use one of: vicuna, alpaca, chatml/);
	});

	it('the override replaces every system message; an empty one removes them and the template’s default', () => {
		const messages = [
			{ role: 'system', content: 'Be brief.' },
			{ role: 'developer', content: 'Use French.' },
			{ role: 'user', content: 'Hi' }
		] as ChatCompletionRequest['messages'];
		const text = (systemMessage?: string, model = tinyA) => promptText(model, chatPromptIds(model, ask({ messages }), chatFormat(model, { systemMessage })));
		expect(text()).toBe('<|im_start|>system\nBe brief.\n\nUse French.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
		expect(text('Talk like a pirate.')).toBe('<|im_start|>system\nTalk like a pirate.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
		expect(text('')).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
		expect(text('', vicuna)).toBe('<|endoftext|>USER: Hi ASSISTANT:');
	});

	it("the format's stop strings end the answer like the request's own", async () => {
		const format = chatFormat(tinyA, { chatTemplate: 'plain' });
		const full = await collectChunks(streamChat(tinyA, ask({ max_tokens: 30 }), undefined, undefined, format));
		const word = full.text.trim().split(/\s+/)[2];
		expect(word).toBeTruthy();
		const stopped = await collectChunks(streamChat(tinyA, ask({ max_tokens: 30 }), undefined, undefined, { ...format, stops: [...format.stops, word] }));
		expect(stopped.text).toBe(full.text.slice(0, full.text.indexOf(word)));
		expect(stopped.finish).toBe('stop');
	});
});

const weather: Tool = {
	type: 'function',
	function: { name: 'get_weather', description: 'Weather in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: null }
};
const weatherInPrompt = '{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}';

describe('tools', () => {
	const chatml = () => chatFormat(tinyA, { chatTemplate: 'chatml' });

	it('reach a template with tool support: the prompt holds each tool’s JSON schema', () => {
		const ids = chatPromptIds(tinyA, ask({ tools: [weather] }), chatml());
		const text = promptText(tinyA, ids);
		// What the model reads of a tool: its name, description and parameters (not `strict`, nor unknown fields).
		const { name, description, parameters } = weather.function;
		expect(text).toBe(renderPrompt('chatml', ask().messages as never, { tools: [{ type: 'function', function: { name, description, parameters } }] }));
		expect(text).toContain(`<tools>\n${weatherInPrompt}\n</tools>`);
	});

	it('tool_choice "none" offers no tools; "required" and a named function start the answer with the call', () => {
		const text = (tool_choice: ChatCompletionRequest['tool_choice']) => promptText(tinyA, chatPromptIds(tinyA, ask({ tools: [weather], tool_choice }), chatml()));
		expect(text('none')).toBe(promptText(tinyA, chatPromptIds(tinyA, ask(), chatml())));
		expect(text('auto')).toMatch(/<\|im_start\|>assistant\n$/);
		expect(text('required')).toMatch(/<\|im_start\|>assistant\n<tool_call>\n\{"name": "$/);
		expect(text({ type: 'function', function: { name: 'get_weather' } })).toMatch(/<\|im_start\|>assistant\n<tool_call>\n\{"name": "get_weather", "arguments": $/);
		// Without tools or with no tool support, tool_choice "none" asks for nothing that needs them.
		expect(() => chatPromptIds(tinyA, ask({ tools: [weather], tool_choice: 'none' }))).not.toThrow();
	});

	it('what cannot be honoured is a 400 naming the field', () => {
		const fails = (request: ChatCompletionRequest, format = chatml()) => {
			try {
				chatPromptIds(tinyA, request, format);
			} catch (err) {
				return { code: (err as { code: string }).code, param: (err as { param?: string }).param, message: (err as Error).message };
			}
			throw new Error('did not throw');
		};
		expect(fails(ask({ tools: [weather] }), chatFormat(tinyA))).toEqual({
			code: 'bad_request',
			param: 'tools',
			message:
				`"lumen-tiny-a" formats chats with its tokenizer's own chat template, which has no tool support, so it cannot take tools. ` +
				`Pick a template with tools (chatml, qwen) with --chat-template or in the chat page's settings, or a model whose own template has tools (e.g. Qwen2.5).`
		});
		const history = ask({
			messages: [
				{ role: 'user', content: 'Weather?' },
				{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
				{ role: 'tool', content: 'sunny', tool_call_id: 'c1' }
			]
		});
		expect(fails(history, chatFormat(vicuna))).toMatchObject({ param: 'messages', message: expect.stringMatching(/"vicuna" chat template.*messages\[1\] \(a tool call or tool result\)/) });
		expect(fails(ask({ tool_choice: 'required' }))).toMatchObject({ param: 'tool_choice', message: expect.stringMatching(/needs the functions/) });
		expect(fails(ask({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_time' } } }))).toMatchObject({
			param: 'tool_choice',
			message: 'tool_choice names the function "get_time", which is not in tools (get_weather).'
		});
	});

	it('a conversation with tool calls and tool results continues through the template', () => {
		const messages: ChatCompletionRequest['messages'] = [
			{ role: 'user', content: 'Weather in Paris?' },
			{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
			{ role: 'tool', content: 'sunny', tool_call_id: 'c1' }
		];
		expect(promptText(tinyA, chatPromptIds(tinyA, ask({ messages, tools: [weather] }), chatml()))).toMatch(
			/<\|im_start\|>assistant\n<tool_call>\n\{"name": "get_weather", "arguments": \{"city": "Paris"\}\}\n<\/tool_call><\|im_end\|>\n<\|im_start\|>user\n<tool_response>\nsunny\n<\/tool_response><\|im_end\|>\n<\|im_start\|>assistant\n$/
		);
	});

	it('the real model’s babble after a forced call’s opening is not a call: it comes back as text, prefill included', async () => {
		const chunks: ChatCompletionChunk[] = [];
		const request = ask({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
		for await (const c of streamChat(tinyA, request, undefined, undefined, chatml())) chunks.push(c);
		const { text, finish } = await collectChunks((async function* () { yield* chunks; })());
		expect(text.startsWith('<tool_call>\n{"name": "get_weather", "arguments": ')).toBe(true);
		expect(chunks.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
		expect(['stop', 'length']).toContain(finish);
	});
});
