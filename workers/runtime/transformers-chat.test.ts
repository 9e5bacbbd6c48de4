// streamChat against the real tiny model on onnxruntime-node: the same code the browser worker
// and the native worker run, so its contract (chunks, finish reasons, usage, stop, abort) is checked here.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatCompletionRequest, ChatMessage } from '#protocol/openai';
import { collectChunks } from '#protocol/openai';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { greedyGenerateNode } from '../../scripts/model-builder/node-generate';
import { streamChat, type LoadedTextModel } from './transformers-chat';

const MODEL = 'lumen-tiny-a';
let loaded: LoadedTextModel;
let modelDir: string;

beforeAll(async () => {
	modelDir = ensureModels();
	const tf = await import('@huggingface/transformers');
	tf.env.allowRemoteModels = false;
	tf.env.allowLocalModels = true;
	tf.env.localModelPath = modelDir + '/';
	const tokenizer = await tf.AutoTokenizer.from_pretrained(MODEL);
	const model = await tf.AutoModelForCausalLM.from_pretrained(MODEL, {
		dtype: 'fp32',
		device: 'cpu',
		session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 }
	});
	loaded = { tf, tokenizer, model, modelId: MODEL, defaultMaxTokens: 128 };
});

afterAll(async () => {
	await loaded?.model.dispose();
});

const MESSAGES: ChatMessage[] = [{ role: 'user', content: 'Tell me about the sea.' }];
const request = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
	model: MODEL,
	messages: MESSAGES,
	temperature: 0,
	...extra
});

describe('streamChat', () => {
	it('streams OpenAI chunks whose text equals a plain greedy generate, ending with usage', async () => {
		const chunks: ChatCompletionChunk[] = [];
		for await (const c of streamChat(loaded, request({ max_tokens: 30 }))) chunks.push(c);
		const reference = await greedyGenerateNode({ modelDir, modelId: MODEL, messages: MESSAGES, maxNewTokens: 30 });
		expect(chunks[0].choices[0].delta.role).toBe('assistant');
		const contentChunks = chunks.filter((c) => c.choices[0].delta.content);
		expect(contentChunks.length).toBeGreaterThan(5);
		const { text, finish, usage } = await collectChunks(toAsync(chunks));
		expect(text).toBe(reference.text);
		expect(finish).toBe('length');
		expect(usage).toEqual({
			prompt_tokens: reference.promptTokenIds.length,
			completion_tokens: 30,
			total_tokens: reference.promptTokenIds.length + 30
		});
		expect(chunks.at(-1)!.choices[0].finish_reason).toBe('length');
	});

	it('ends at a stop string, leaving it out of the text', async () => {
		const full = await collectChunks(streamChat(loaded, request({ max_tokens: 40 })));
		const word = full.text.trim().split(/\s+/)[3];
		expect(word, 'the greedy answer has a few words').toBeTruthy();
		const stopped = await collectChunks(streamChat(loaded, request({ max_tokens: 40, stop: [word] })));
		expect(stopped.finish).toBe('stop');
		expect(stopped.text).toBe(full.text.slice(0, full.text.indexOf(word)));
		expect(stopped.usage!.completion_tokens).toBeLessThan(40);
	});

	it('stops soon after its signal aborts and reports finish "abort"', async () => {
		const controller = new AbortController();
		let seen = 0;
		let finish: string | null = null;
		let completion = 0;
		for await (const c of streamChat(loaded, request({ max_tokens: 2000 }), controller.signal)) {
			if (c.choices[0].delta.content) seen++;
			if (seen === 5) controller.abort();
			finish = c.choices[0].finish_reason ?? finish;
			if (c.usage) completion = c.usage.completion_tokens;
		}
		expect(finish).toBe('abort');
		expect(completion).toBeGreaterThanOrEqual(5);
		expect(completion).toBeLessThan(20);
	});

	it('leaves the model\'s generation config as it found it, request after request', async () => {
		const config = (loaded.model as unknown as { generation_config: { eos_token_id: number | number[] } }).generation_config;
		const original = config.eos_token_id;
		// Real chat models (Llama 3, Qwen2.5) list several end tokens; the tiny model has one, so list it twice.
		config.eos_token_id = [511, 509];
		try {
			for (let i = 0; i < 3; i++) await collectChunks(streamChat(loaded, request({ max_tokens: 2 })));
			expect(config.eos_token_id).toEqual([511, 509]);
		} finally {
			config.eos_token_id = original;
		}
	});

	it('samples differently from greedy when temperature is high', async () => {
		const greedy = await collectChunks(streamChat(loaded, request({ max_tokens: 40 })));
		const texts = new Set<string>();
		for (let i = 0; i < 3; i++) texts.add((await collectChunks(streamChat(loaded, request({ max_tokens: 40, temperature: 1.5 })))).text);
		expect([...texts].some((t) => t !== greedy.text)).toBe(true);
	});
});

async function* toAsync<T>(items: T[]): AsyncGenerator<T> {
	yield* items;
}
