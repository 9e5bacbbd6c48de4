// Lenient reading of other servers' chunks and model lists: what the OpenAI spec allows never throws.
import { describe, expect, it } from 'vitest';
import { LumenError } from './errors';
import { finishReasonOf, LooseModelListSchema, normalizeChatChunk, normalizeCompletionChunk, servedModels } from './openai-client-chunks';

const chunk = (choice: object, extra: object = {}) => ({ id: 'c', object: 'chat.completion.chunk', created: 7, model: 'm', choices: [choice], ...extra });

describe('finishReasonOf', () => {
	it('keeps OpenAI’s and our reasons, reads function_call as tool_calls and anything unknown as stop', () => {
		expect(['stop', 'length', 'tool_calls', 'content_filter', 'abort', 'error'].map(finishReasonOf)).toEqual(['stop', 'length', 'tool_calls', 'content_filter', 'abort', 'error']);
		expect(finishReasonOf('function_call')).toBe('tool_calls');
		expect(finishReasonOf('eos_token')).toBe('stop');
		expect(finishReasonOf(null)).toBeNull();
		expect(finishReasonOf(undefined)).toBeNull();
	});
});

describe('normalizeChatChunk', () => {
	it('reads content: null, a missing delta and unknown fields without throwing', () => {
		expect(normalizeChatChunk(chunk({ index: 0, delta: { role: 'assistant', content: null }, logprobs: null, finish_reason: null }), 'x').choices).toEqual([
			{ index: 0, delta: { role: 'assistant' }, finish_reason: null }
		]);
		expect(normalizeChatChunk(chunk({ index: 0, finish_reason: 'stop' }, { system_fingerprint: 'fp' }), 'x').choices).toEqual([{ index: 0, delta: {}, finish_reason: 'stop' }]);
		expect(normalizeChatChunk(chunk({ delta: { content: null, tool_calls: [{ index: 0 }] }, finish_reason: 'tool_calls' }), 'x').choices[0]).toEqual({
			index: 0,
			delta: {},
			finish_reason: 'tool_calls'
		});
	});

	it('keeps content_filter and maps an unknown finish reason to stop', () => {
		expect(normalizeChatChunk(chunk({ index: 0, delta: {}, finish_reason: 'content_filter' }), 'x').choices[0].finish_reason).toBe('content_filter');
		expect(normalizeChatChunk(chunk({ index: 0, delta: {}, finish_reason: 'stop_sequence' }), 'x').choices[0].finish_reason).toBe('stop');
	});

	it('accepts absent or null usage, completes total_tokens, and fills missing id, model and created', () => {
		expect(normalizeChatChunk(chunk({ index: 0, delta: { content: 'a' }, finish_reason: null }, { usage: null }), 'x')).not.toHaveProperty('usage');
		const usageOnly = normalizeChatChunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } }, 'fallback');
		expect(usageOnly).toMatchObject({ object: 'chat.completion.chunk', model: 'fallback', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
		expect(typeof usageOnly.id).toBe('string');
		expect(Number.isInteger(usageOnly.created)).toBe(true);
		expect(normalizeChatChunk({ ...chunk({ delta: { content: 'a' } }), created: 1.9 }, 'x').created).toBe(1);
	});

	it('refuses an event that is not a chunk at all, saying what it was', () => {
		expect(() => normalizeChatChunk({ nope: true }, 'x')).toThrow(LumenError);
		expect(() => normalizeChatChunk({ nope: true }, 'x')).toThrow(/not an OpenAI chat-completion chunk: \{"nope":true\}/);
		expect(() => normalizeChatChunk('text', 'x')).toThrow(/not an OpenAI chat-completion chunk/);
	});
});

describe('normalizeCompletionChunk', () => {
	it('reads null text and other servers’ finish reasons', () => {
		const c = normalizeCompletionChunk({ id: 'k', object: 'text_completion', created: 1, choices: [{ index: 0, text: null, finish_reason: 'eos_token' }] }, 'm');
		expect(c).toEqual({ id: 'k', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: '', finish_reason: 'stop' }] });
	});
});

describe('servedModels', () => {
	it('carries the context length from max_model_len, context_length or context_window, ignoring bad values', () => {
		const list = LooseModelListSchema.parse({
			object: 'list',
			data: [{ id: 'a', max_model_len: 32768 }, { id: 'b', context_length: 8192 }, { id: 'c', context_window: 4096 }, { id: 'd', context_length: 'big' }, { id: 'e' }]
		});
		expect(servedModels(list)).toEqual([{ id: 'a', context_length: 32768 }, { id: 'b', context_length: 8192 }, { id: 'c', context_length: 4096 }, { id: 'd' }, { id: 'e' }]);
	});

	it('marks a model vision-capable when the server’s own metadata says it reads images, in any dialect', () => {
		const list = LooseModelListSchema.parse({
			object: 'list',
			data: [
				{ id: 'lumen', capabilities: ['chat', 'vision'] },
				{ id: 'router', architecture: { input_modalities: ['text', 'image'] } },
				{ id: 'mods', modalities: ['text', 'Image'] },
				{ id: 'llamacpp' },
				{ id: 'text', capabilities: ['chat'], input_modalities: ['text'] },
				{ id: 'odd', capabilities: 'vision', architecture: 'x', modalities: [1, null] }
			],
			models: [{ name: 'llamacpp', model: 'llamacpp', capabilities: ['completion', 'multimodal'] }, { name: 'text', capabilities: ['completion'] }]
		});
		expect(servedModels(list)).toEqual([
			{ id: 'lumen', vision: true },
			{ id: 'router', vision: true },
			{ id: 'mods', vision: true },
			{ id: 'llamacpp', vision: true },
			{ id: 'text' },
			{ id: 'odd' }
		]);
	});
});
