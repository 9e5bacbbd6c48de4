// End-to-end loading through @huggingface/transformers in Node: fp32, q8 and q4 models load from
// the local folder, greedy chat generation babbles ≥ 64 printable tokens, q8 and q4 track fp32.
import { AutoModelForCausalLM, AutoTokenizer, env, type Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyGenerateNode } from './node-generate';
import * as ort from 'onnxruntime-node';
import {
	ensureModels,
	feeds,
	greedyOrt,
	maxAbsDiff,
	openSession,
	specOf,
	type OrtLike,
	type SessionLike
} from './test-support';

const messages = [
	{ role: 'system', content: 'You are a helpful assistant.' },
	{ role: 'user', content: 'Hello! Can you tell me a short story about the sea?' }
];
const printableShare = (text: string) =>
	[...text].filter((c) => c >= ' ' && c <= '~').length / Math.max(1, [...text].length);

let outDir = '';
const saved = { allowRemoteModels: env.allowRemoteModels, localModelPath: env.localModelPath };
beforeAll(() => {
	outDir = ensureModels();
	env.allowRemoteModels = false;
	env.localModelPath = outDir + '/';
});
afterAll(() => void Object.assign(env, saved));

type Model = Awaited<ReturnType<typeof AutoModelForCausalLM.from_pretrained>>;
type Dtype = 'fp32' | 'q8' | 'q4';
const load = (id: string, dtype: Dtype) =>
	AutoModelForCausalLM.from_pretrained(id, {
		dtype,
		device: 'cpu',
		session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 }
	});

describe.each(['lumen-tiny-a', 'lumen-tiny-b'])('%s via Transformers.js', (id) => {
	let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
	const models: Partial<Record<Dtype, Model>> = {};
	beforeAll(async () => {
		tokenizer = await AutoTokenizer.from_pretrained(id);
		for (const dtype of ['fp32', 'q8', 'q4'] as const) models[dtype] = await load(id, dtype);
	});
	afterAll(async () => {
		for (const model of Object.values(models)) await model.dispose();
	});

	it('dtype q4 runs onnx/model_q4.onnx: logits equal a raw onnxruntime-node session of that file', async () => {
		const inputs = tokenizer.apply_chat_template(messages, { add_generation_prompt: true, return_dict: true }) as {
			input_ids: Tensor;
		};
		const got = ((await models.q4!(inputs)) as { logits: Tensor }).logits.data as Float32Array;
		const ids = (inputs.input_ids.tolist() as bigint[][])[0].map(Number);
		const session = await openSession(outDir, id, 'model_q4.onnx');
		const spec = specOf(id);
		const raw = await session.run(feeds(spec, [ids], [ids.map(() => 1)], [ids.map((_, i) => i)]));
		await session.release();
		expect(maxAbsDiff(got, raw.logits.data as Float32Array)).toBeLessThan(1e-5); // measured: 0
	});

	it.each(['fp32', 'q8', 'q4'] as const)('greedy %s generation yields ≥ 64 printable, word-like tokens', async (dtype) => {
		const inputs = tokenizer.apply_chat_template(messages, { add_generation_prompt: true, return_dict: true }) as {
			input_ids: Tensor;
			attention_mask: Tensor;
		};
		const promptLength = inputs.input_ids.dims[1];
		const out = (await models[dtype]!.generate({ ...inputs, do_sample: false })) as Tensor;
		const newIds = (out.tolist() as bigint[][])[0].slice(promptLength).map(Number);
		expect(newIds.length).toBe(128); // max_new_tokens from generation_config.json; EOS never wins
		expect(newIds.some((t) => t >= 509)).toBe(false);
		const text = tokenizer.decode(newIds, { skip_special_tokens: true });
		expect(printableShare(text)).toBeGreaterThanOrEqual(0.95);
		expect(text.split(' ').filter((w) => /^[A-Za-z]{2,}$/.test(w)).length).toBeGreaterThanOrEqual(16);
	});

	// The LM head's own logit spread is ~8 (init.logitStd); a broken graph is off by that much.
	// Measured: q8 rms ≈ 0.17, max ≈ 0.9, argmax agreement ≥ 95 %; q4 (4-bit blocks of 32, no
	// calibration, random weights) rms ≈ 1.8, max ≈ 7.7, agreement ≈ 70–80 %.
	it.each([
		['q8', { rms: 0.8, max: 4, agree: 0.75 }],
		['q4', { rms: 2.5, max: 10, agree: 0.5 }]
	] as const)('%s logits stay close to fp32 logits', async (dtype, bound) => {
		const inputs = tokenizer.apply_chat_template(messages, { add_generation_prompt: true, return_dict: true });
		const a = ((await models.fp32!(inputs)) as { logits: Tensor }).logits.data as Float32Array;
		const b = ((await models[dtype]!(inputs)) as { logits: Tensor }).logits.data as Float32Array;
		let maxDiff = 0;
		let sumSq = 0;
		for (let i = 0; i < a.length; i++) {
			maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
			sumSq += (a[i] - b[i]) ** 2;
		}
		const V = 512;
		const argmax = (x: Float32Array, row: number) => {
			let best = row * V;
			for (let i = row * V; i < (row + 1) * V; i++) if (x[i] > x[best]) best = i;
			return best;
		};
		const rows = a.length / V;
		let agree = 0;
		for (let r = 0; r < rows; r++) if (argmax(a, r) === argmax(b, r)) agree++;
		expect(Math.sqrt(sumSq / a.length)).toBeLessThan(bound.rms);
		expect(maxDiff).toBeLessThan(bound.max);
		expect(agree / rows).toBeGreaterThanOrEqual(bound.agree);
		expect(maxDiff).toBeGreaterThan(0); // really is a different (quantized) model file
	});
});

describe('greedyGenerateNode', () => {
	it('matches model.generate token for token and is repeatable', async () => {
		const args = { modelDir: outDir, modelId: 'lumen-tiny-a', messages, maxNewTokens: 80 };
		const first = await greedyGenerateNode(args);
		const second = await greedyGenerateNode(args);
		expect(first.tokenIds).toHaveLength(80);
		expect(second.tokenIds).toEqual(first.tokenIds);
		const tokenizer = await AutoTokenizer.from_pretrained('lumen-tiny-a');
		expect(first.text).toBe(tokenizer.decode(first.tokenIds, { skip_special_tokens: true }));
		expect(tokenizer.decode(first.promptTokenIds)).toBe(
			tokenizer.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true })
		);
		const model = await load('lumen-tiny-a', 'fp32');
		const inputs = tokenizer.apply_chat_template(messages, { add_generation_prompt: true, return_dict: true });
		const out = (await model.generate({ ...inputs, max_new_tokens: 80, do_sample: false })) as Tensor;
		await model.dispose();
		expect((out.tolist() as bigint[][])[0].slice(first.promptTokenIds.length).map(Number)).toEqual(first.tokenIds);
	});

	it('reports per-step margins that match a raw onnxruntime-node greedy loop', async () => {
		const r = await greedyGenerateNode({ modelDir: outDir, modelId: 'lumen-tiny-a', messages, maxNewTokens: 48 });
		const session = await openSession(outDir, 'lumen-tiny-a', 'model.onnx');
		const raw = await greedyOrt(
			ort as unknown as OrtLike,
			session as unknown as SessionLike,
			specOf('lumen-tiny-a'),
			r.promptTokenIds,
			48
		);
		expect(raw.tokens).toEqual(r.tokenIds);
		expect(r.margins).toHaveLength(48);
		expect(maxAbsDiff(r.margins, raw.gaps)).toBeLessThan(1e-3);
		expect(Math.min(...r.margins)).toBeGreaterThan(0);
	});

	it('restores the Transformers.js env and supports q8 and other models', async () => {
		const before = { ...env };
		const r = await greedyGenerateNode({
			modelDir: outDir,
			modelId: 'lumen-tiny-b',
			messages: [{ role: 'user', content: 'hi' }],
			maxNewTokens: 64,
			dtype: 'q8'
		});
		expect(r.tokenIds).toHaveLength(64);
		expect(printableShare(r.text)).toBeGreaterThanOrEqual(0.95);
		expect(env.localModelPath).toBe(before.localModelPath);
		expect(env.allowRemoteModels).toBe(before.allowRemoteModels);
	});

	it('different seeds babble differently', async () => {
		const args = { modelDir: outDir, messages, maxNewTokens: 64 };
		const a = await greedyGenerateNode({ ...args, modelId: 'lumen-tiny-a' });
		const b = await greedyGenerateNode({ ...args, modelId: 'lumen-tiny-b' });
		expect(a.tokenIds).not.toEqual(b.tokenIds);
	});
});
