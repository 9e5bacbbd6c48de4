// streamCompletion on the real tiny model in Node: raw prompts (no chat template) decode exactly like
// a plain greedy generate, token counts come from the tokenizer, stop strings cut the text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as TF from '@huggingface/transformers';
import { ensureModels } from '../../scripts/model-builder/test-support';
import type { CompletionChunk } from '#protocol/openai';
import type { LoadedTextModel } from './transformers-chat';
import { streamCompletion } from './transformers-complete';

const MODEL = 'lumen-tiny-a';
const PROMPT = 'The sea is';
let loaded: LoadedTextModel;

beforeAll(async () => {
	const tf = await import('@huggingface/transformers');
	tf.env.allowRemoteModels = false;
	tf.env.allowLocalModels = true;
	tf.env.localModelPath = ensureModels() + '/';
	const tokenizer = await tf.AutoTokenizer.from_pretrained(MODEL);
	const model = await tf.AutoModelForCausalLM.from_pretrained(MODEL, { dtype: 'fp32', device: 'cpu', session_options: { intraOpNumThreads: 1 } });
	loaded = { tf, tokenizer, model, modelId: MODEL, defaultMaxTokens: 64 };
});
afterAll(async () => {
	await loaded?.model.dispose();
});

async function complete(extra: Record<string, unknown> = {}) {
	const chunks: CompletionChunk[] = [];
	for await (const c of streamCompletion(loaded, { model: MODEL, prompt: PROMPT, temperature: 0, ...extra })) chunks.push(c);
	return { chunks, text: chunks.map((c) => c.choices[0].text).join(''), last: chunks.at(-1)! };
}

describe('streamCompletion', () => {
	it('continues the raw prompt exactly like a plain greedy generate, counting tokens with the tokenizer', async () => {
		const inputs = loaded.tokenizer(PROMPT, { return_tensor: true }) as unknown as { input_ids: TF.Tensor; attention_mask: TF.Tensor };
		const promptIds = (inputs.input_ids.tolist() as bigint[][])[0];
		const out = (await loaded.model.generate({ ...inputs, max_new_tokens: 24, do_sample: false })) as TF.Tensor;
		const newIds = (out.tolist() as bigint[][])[0].slice(promptIds.length).map(Number);
		const reference = loaded.tokenizer.decode(newIds, { skip_special_tokens: true });
		const { chunks, text, last } = await complete({ max_tokens: 24 });
		expect(text).toBe(reference);
		expect(chunks.length).toBeGreaterThan(5);
		expect(chunks.every((c) => c.object === 'text_completion')).toBe(true);
		expect(last.choices[0].finish_reason).toBe('length');
		expect(last.usage).toEqual({ prompt_tokens: promptIds.length, completion_tokens: 24, total_tokens: promptIds.length + 24 });
	});

	it('ends at a stop string, leaving it out', async () => {
		const full = await complete({ max_tokens: 30 });
		const word = full.text.trim().split(/\s+/)[2];
		const stopped = await complete({ max_tokens: 30, stop: word });
		expect(stopped.last.choices[0].finish_reason).toBe('stop');
		expect(stopped.text).toBe(full.text.slice(0, full.text.indexOf(word)));
	});

	it('repeats a sampled answer for the same seed', async () => {
		const a = await complete({ max_tokens: 30, temperature: 1.3, seed: 11 });
		const b = await complete({ max_tokens: 30, temperature: 1.3, seed: 11 });
		const c = await complete({ max_tokens: 30, temperature: 1.3, seed: 12 });
		expect(a.text).toBe(b.text);
		expect(c.text).not.toBe(a.text);
	});
});
