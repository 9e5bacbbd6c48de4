// Browser-parity check in Node: onnxruntime-web's WASM backend (what the browser runs) and
// onnxruntime-node must pick the same greedy tokens, with a comfortable top-1/top-2 margin.
// For q4 both run ORT's CPU MatMulNBits kernel (native: MLAS n-bit GEMM; WASM: dequantize + SGEMM).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { HIDDEN_STATE_OUTPUT } from './llama-graph';
import { ensureModels, greedyOrt, maxAbsDiff, specOf, type OrtLike, type SessionLike } from './test-support';
import { buildTokenizer } from './tokenizer-files';
import { loadCatalogue } from './model-spec';

let outDir = '';
beforeAll(() => {
	outDir = ensureModels();
	ortWeb.env.wasm.numThreads = 1;
});

const cat = loadCatalogue();
const tok = buildTokenizer(cat.corpus, cat.tokenizer);
// "<|im_start|>user\n…<|im_end|>\n<|im_start|>assistant\n" built from byte tokens + specials
const bytes = (s: string) => [...new TextEncoder().encode(s)];
const chatPrompt = [510, ...bytes('user\nTell me about the river.'), 511, ...bytes('\n'), 510, ...bytes('assistant\n')];

describe.each([
	['lumen-tiny-a', 'model.onnx'],
	['lumen-tiny-a', 'model_quantized.onnx'],
	['lumen-tiny-a', 'model_q4.onnx'],
	['lumen-tiny-b', 'model.onnx'],
	['lumen-tiny-b', 'model_quantized.onnx'],
	['lumen-tiny-b', 'model_q4.onnx']
] as const)('%s %s', (id, file) => {
	it('WASM and native ONNX Runtime generate identical greedy tokens', async () => {
		const spec = specOf(id);
		const buf = readFileSync(join(outDir, id, 'onnx', file));
		const native = await ortNode.InferenceSession.create(buf, { intraOpNumThreads: 1 });
		const wasm = await ortWeb.InferenceSession.create(buf, { executionProviders: ['wasm'] });
		const a = await greedyOrt(ortNode as unknown as OrtLike, native as unknown as SessionLike, spec, chatPrompt, 128);
		const b = await greedyOrt(ortWeb as unknown as OrtLike, wasm as unknown as SessionLike, spec, chatPrompt, 128);
		expect(b.tokens).toEqual(a.tokens);
		expect(Math.min(...a.gaps)).toBeGreaterThan(1e-3); // ≫ the ~1e-5 float32 noise between runtimes
		expect(a.tokens.every((t) => t < 509)).toBe(true);
		expect(new Set(a.tokens.map((t) => tok.idToToken[t])).size).toBeGreaterThan(10); // not one token repeated
	});
});

describe.each(['model.onnx', 'model_quantized.onnx'] as const)('lumen-tiny-a %s last_hidden_state', (file) => {
	it('WASM and native ONNX Runtime agree to float32 rounding (what embeddings are pooled from)', async () => {
		const spec = specOf('lumen-tiny-a');
		const buf = readFileSync(join(outDir, 'lumen-tiny-a', 'onnx', file));
		const hidden = async (rt: OrtLike, session: SessionLike) => {
			const i64 = (xs: number[]) => new rt.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
			const feeds: Record<string, unknown> = {
				input_ids: i64(chatPrompt),
				attention_mask: i64(chatPrompt.map(() => 1)),
				position_ids: i64(chatPrompt.map((_, i) => i))
			};
			for (let l = 0; l < spec.numLayers; l++)
				for (const kv of ['key', 'value'])
					feeds[`past_key_values.${l}.${kv}`] = new rt.Tensor('float32', new Float32Array(0), [1, spec.numKvHeads, 0, spec.headDim]);
			return (await session.run(feeds))[HIDDEN_STATE_OUTPUT].data as Float32Array;
		};
		const native = await ortNode.InferenceSession.create(buf, { intraOpNumThreads: 1 });
		const wasm = await ortWeb.InferenceSession.create(buf, { executionProviders: ['wasm'] });
		const a = await hidden(ortNode as unknown as OrtLike, native as unknown as SessionLike);
		const b = await hidden(ortWeb as unknown as OrtLike, wasm as unknown as SessionLike);
		expect(a.length).toBe(chatPrompt.length * spec.hiddenSize);
		// Measured ≤ 5.2e-6 on values up to ~5 (a few ulps): WASM SIMD and native AVX2/FMA kernels round differently.
		expect(maxAbsDiff(a, b)).toBeLessThan(5e-5);
	});
});
