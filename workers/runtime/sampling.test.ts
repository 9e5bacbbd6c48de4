// Sampling controls on the real tiny model, checked against the model's own logits from a separate
// forward pass: top_p and top_k restrict what is sampled, penalties change the choice exactly as
// OpenAI (presence/frequency) and Hugging Face (repetition) define them, max_completion_tokens counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as TF from '@huggingface/transformers';
import { collectChunks, type ChatCompletionRequest, type CompletionRequest } from '#protocol/openai';
import { streamChat } from './transformers-chat';
import { streamCompletion } from './transformers-complete';
import type { LoadedTextModel } from './transformers-generate';
import { forwardLogits, loadTinyModel, rankOf } from './test-model';

const MODEL = 'lumen-tiny-a';
let loaded: LoadedTextModel;

beforeAll(async () => {
	loaded = await loadTinyModel(MODEL);
});
afterAll(async () => {
	await loaded?.model.dispose();
});

const chat = (extra: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({
	model: MODEL,
	messages: [{ role: 'user', content: 'Tell me about the sea.' }],
	temperature: 0,
	...extra
});

async function completionText(request: Partial<CompletionRequest>): Promise<string> {
	let text = '';
	for await (const c of streamCompletion(loaded, { model: MODEL, prompt: 'The sea is', temperature: 0, ...request })) text += c.choices.map((x) => x.text).join('');
	return text;
}

/** Runs `work` and returns the prompt and the new token ids of every generate() call it made. */
async function recordGenerations(work: () => Promise<unknown>): Promise<{ prompt: number[]; generated: number[] }[]> {
	const model = loaded.model as unknown as { generate: (o: { input_ids: TF.Tensor }) => Promise<TF.Tensor> };
	const original = model.generate;
	const runs: { prompt: number[]; generated: number[] }[] = [];
	model.generate = async function (options) {
		const out = await original.call(this, options);
		const prompt = (options.input_ids.tolist() as bigint[][])[0].map(Number);
		const all = (out.tolist() as bigint[][])[0].map(Number);
		runs.push({ prompt, generated: all.slice(prompt.length) });
		return out;
	};
	try {
		await work();
	} finally {
		model.generate = original;
	}
	return runs;
}

function argmax(row: ArrayLike<number>): number {
	let best = 0;
	for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
	return best;
}

describe('nucleus and top-k sampling', () => {
	it('top_p: a tiny nucleus holds only the most likely token, so even a high temperature gives the greedy answer', async () => {
		const greedy = await collectChunks(streamChat(loaded, chat({ max_tokens: 30 })));
		for (const seed of [1, 2, 3]) {
			const nucleus = await collectChunks(streamChat(loaded, chat({ max_tokens: 30, temperature: 1.8, top_p: 0.01, seed })));
			expect(nucleus.text).toBe(greedy.text);
		}
	});

	it('top_k 1 gives the greedy answer at a high temperature; top_k 0 and -1 turn it off', async () => {
		const greedy = await collectChunks(streamChat(loaded, chat({ max_tokens: 30 })));
		const topOne = await collectChunks(streamChat(loaded, chat({ max_tokens: 30, temperature: 1.8, top_k: 1, seed: 4 })));
		expect(topOne.text).toBe(greedy.text);
		const off = await collectChunks(streamChat(loaded, chat({ max_tokens: 30, temperature: 1.8, top_k: 0, seed: 4 })));
		const minusOne = await collectChunks(streamChat(loaded, chat({ max_tokens: 30, temperature: 1.8, top_k: -1, seed: 4 })));
		expect(off.text).not.toBe(greedy.text);
		expect(minusOne.text).toBe(off.text);
	});

	it('top_k 3 samples only among the three most likely tokens at each step', async () => {
		const [run] = await recordGenerations(() => completionText({ max_tokens: 40, temperature: 2, top_k: 3, seed: 9 }));
		const rows = await forwardLogits(loaded, [...run.prompt, ...run.generated]);
		const ranks = run.generated.map((id, i) => rankOf(rows[run.prompt.length - 1 + i], id));
		expect(Math.max(...ranks), `ranks ${ranks}`).toBeLessThan(3);
		expect(ranks.some((r) => r > 0), 'a high temperature leaves the top token sometimes').toBe(true);
	});

	it('without top_k, sampling is not cut to the 50 most likely tokens (Transformers.js\'s own default)', async () => {
		// Ranks past 50 are rare at this model's temperature-2 spread (about 1 token in 200), never under a cut.
		const ranks: number[] = [];
		for (const seed of [5, 6]) {
			const [run] = await recordGenerations(() => completionText({ max_tokens: 200, temperature: 2, seed }));
			const rows = await forwardLogits(loaded, [...run.prompt, ...run.generated]);
			ranks.push(...run.generated.map((id, i) => rankOf(rows[run.prompt.length - 1 + i], id)));
		}
		expect(Math.max(...ranks), `ranks ${ranks}`).toBeGreaterThanOrEqual(50);
	});
});

describe('max_completion_tokens', () => {
	it('limits the answer like max_tokens, and wins over it', async () => {
		const short = await collectChunks(streamChat(loaded, chat({ max_completion_tokens: 7 })));
		expect(short.usage?.completion_tokens).toBe(7);
		expect(short.finish).toBe('length');
		const both = await collectChunks(streamChat(loaded, chat({ max_completion_tokens: 5, max_tokens: 9 })));
		expect(both.usage?.completion_tokens).toBe(5);
	});
});

describe('penalties', () => {
	const REPETITIVE = 'the sea the sea the sea the sea the sea the sea the sea the sea';

	/** The greedy choice at each step from the forward pass, penalised by `adjust(row, before)`. */
	async function expectGreedyUnder(
		request: Partial<CompletionRequest>,
		adjust: (row: Float32Array, prompt: number[], before: number[]) => void
	): Promise<number[]> {
		const [run] = await recordGenerations(() => completionText({ prompt: REPETITIVE, max_tokens: 40, ...request }));
		const rows = await forwardLogits(loaded, [...run.prompt, ...run.generated]);
		run.generated.forEach((id, i) => {
			const row = rows[run.prompt.length - 1 + i].slice();
			adjust(row, run.prompt, run.generated.slice(0, i));
			expect(argmax(row), `step ${i}`).toBe(id);
		});
		return run.generated;
	}

	it('presence and frequency penalties follow OpenAI: logit -= count * frequency + (count > 0) * presence, over generated tokens only', async () => {
		const plain = await expectGreedyUnder({}, () => undefined);
		const penalised = await expectGreedyUnder({ presence_penalty: 0.7, frequency_penalty: 1.5 }, (row, _prompt, before) => {
			const counts = new Map<number, number>();
			for (const t of before) counts.set(t, (counts.get(t) ?? 0) + 1);
			for (const [t, c] of counts) row[t] -= c * 1.5 + 0.7;
		});
		expect(penalised).not.toEqual(plain);
		expect(await completionText({ prompt: REPETITIVE, max_tokens: 40, presence_penalty: 0.7, frequency_penalty: 1.5 })).not.toBe(
			await completionText({ prompt: REPETITIVE, max_tokens: 40 })
		);
	});

	it('a negative frequency penalty rewards repeats', async () => {
		const rewarded = await expectGreedyUnder({ frequency_penalty: -2 }, (row, _prompt, before) => {
			for (const t of before) row[t] += 2;
		});
		expect(new Set(rewarded).size).toBeLessThan(rewarded.length);
	});

	it('repetition_penalty follows Hugging Face and vLLM: every token seen in prompt or answer, positive logits divided, negative multiplied', async () => {
		const plain = await expectGreedyUnder({}, () => undefined);
		const penalised = await expectGreedyUnder({ repetition_penalty: 1.8 }, (row, prompt, before) => {
			for (const t of new Set([...prompt, ...before])) row[t] = row[t] < 0 ? row[t] * 1.8 : row[t] / 1.8;
		});
		expect(penalised).not.toEqual(plain);
	});
});
