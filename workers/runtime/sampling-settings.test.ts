// Request fields to generation settings: this runtime's defaults, the model's generation_config as
// vLLM reads it, and the declared list of parameters the runtime honours.
import { describe, expect, it } from 'vitest';
import type * as TF from '@huggingface/transformers';
import { ChatCompletionRequestSchema, CompletionRequestSchema } from '#protocol/openai';
import { RUNTIME_PARAMETERS, settingsFrom } from './sampling-settings';

const modelWith = (generation_config: object) => ({ model: { generation_config } as unknown as TF.PreTrainedModel, defaultMaxTokens: 99 });

describe('settingsFrom', () => {
	it('uses OpenAI\'s defaults when neither request nor model names a value', () => {
		expect(settingsFrom({}, modelWith({}))).toEqual({
			maxNewTokens: 99,
			temperature: 0.7,
			topP: 1,
			topK: 0,
			repetitionPenalty: 1,
			presencePenalty: 0,
			frequencyPenalty: 0,
			stops: [],
			seed: undefined,
			logprobs: undefined,
			n: 1
		});
	});

	it('takes top_k, top_p and repetition_penalty from the model\'s generation_config, as vLLM does; the request wins', () => {
		const model = modelWith({ top_k: 20, top_p: 0.8, repetition_penalty: 1.05, temperature: 0.1 });
		expect(settingsFrom({}, model)).toMatchObject({ topK: 20, topP: 0.8, repetitionPenalty: 1.05, temperature: 0.7 });
		expect(settingsFrom({ top_k: -1, top_p: 1, repetition_penalty: 1 }, model)).toMatchObject({ topK: 0, topP: 1, repetitionPenalty: 1 });
	});

	it('max_completion_tokens wins over max_tokens; a single stop string becomes a list', () => {
		expect(settingsFrom({ max_tokens: 5, max_completion_tokens: 3, stop: 'x' }, modelWith({}))).toMatchObject({ maxNewTokens: 3, stops: ['x'] });
	});
});

describe('RUNTIME_PARAMETERS', () => {
	it('names only fields the protocol knows, so a backend declaring it refuses exactly the others', () => {
		const chat = Object.keys(ChatCompletionRequestSchema.shape);
		const completions = Object.keys(CompletionRequestSchema.shape);
		expect(RUNTIME_PARAMETERS.chat.filter((p) => !chat.includes(p))).toEqual([]);
		expect(RUNTIME_PARAMETERS.completions.filter((p) => !completions.includes(p))).toEqual([]);
		expect(RUNTIME_PARAMETERS.chat).not.toContain('tools');
		expect(RUNTIME_PARAMETERS.completions).toContain('echo');
	});
});
