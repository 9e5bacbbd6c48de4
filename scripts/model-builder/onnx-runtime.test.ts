// ONNX Runtime (onnxruntime-node) checks of the built graphs: I/O signature, KV-cache
// equivalence, agreement with the plain-TypeScript reference, and left-padding behaviour.
import type * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { HIDDEN_STATE_OUTPUT } from './llama-graph';
import { dequantizedWeights, referenceForward, referenceOutputs } from './reference';
import {
	ensureModels,
	feeds,
	maxAbsDiff,
	nextPast,
	openSession,
	samplePrompt,
	specOf,
	weightsOf,
	type Past
} from './test-support';

let outDir = '';
beforeAll(() => {
	outDir = ensureModels();
});

const logitsOf = (out: ort.InferenceSession.OnnxValueMapType) => out.logits.data as Float32Array;

const cases = [
	{ id: 'lumen-tiny-a', file: 'model.onnx' },
	{ id: 'lumen-tiny-a', file: 'model_quantized.onnx' },
	{ id: 'lumen-tiny-a', file: 'model_q4.onnx' },
	{ id: 'lumen-bench', file: 'model.onnx' },
	{ id: 'lumen-bench', file: 'model_q4.onnx' }
] as const;

describe.each(cases)('$id $file', ({ id, file }) => {
	const spec = specOf(id);
	const V = spec.vocabSize;
	// Against the float64 reference, q4 (MatMulNBits: MLAS' own block order, a separate M = 1
	// kernel) is allowed 1e-3; measured ≤ 4e-5. Cache and padding checks stay at 1e-4 (≤ 3e-5).
	const refTol = file === 'model_q4.onnx' ? 1e-3 : 1e-4;

	it('has the Transformers.js decoder signature', async () => {
		const sess = await openSession(outDir, id, file);
		const pkv = Array.from({ length: spec.numLayers }, (_, l) => [
			`past_key_values.${l}.key`,
			`past_key_values.${l}.value`
		]).flat();
		expect(sess.inputNames).toEqual(['input_ids', 'attention_mask', 'position_ids', ...pkv]);
		expect(sess.outputNames).toEqual(['logits', ...pkv.map((n) => n.replace('past_key_values', 'present')), HIDDEN_STATE_OUTPUT]);
		const hidden = sess.outputMetadata.find((m) => m.name === HIDDEN_STATE_OUTPUT);
		expect(hidden && 'shape' in hidden ? hidden.shape : null).toEqual(['batch_size', 'sequence_length', spec.hiddenSize]);
		const meta = sess.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
		expect(meta && 'shape' in meta ? meta.shape : null).toEqual([
			'batch_size',
			spec.numKvHeads,
			'past_sequence_length',
			spec.headDim
		]);
	});

	it('incremental decoding with past_key_values matches a full forward pass', async () => {
		const sess = await openSession(outDir, id, file);
		const ids = samplePrompt(14, 3);
		const ones = (n: number) => [Array(n).fill(1)];
		const range = (a: number, b: number) => [Array.from({ length: b - a }, (_, i) => a + i)];
		const full = logitsOf(await sess.run(feeds(spec, [ids], ones(ids.length), range(0, ids.length))));

		// prefill 9 tokens from an empty cache, then 2 + 1 + 1 + 1 tokens with the cache
		let past: Past | undefined;
		let pos = 0;
		for (const n of [9, 2, 1, 1, 1]) {
			const chunk = ids.slice(pos, pos + n);
			const out = await sess.run(feeds(spec, [chunk], ones(pos + n), range(pos, pos + n), past));
			expect(out['present.0.key'].dims).toEqual([1, spec.numKvHeads, pos + n, spec.headDim]);
			const step = logitsOf(out);
			expect(maxAbsDiff(step, full.subarray(pos * V, (pos + n) * V))).toBeLessThanOrEqual(1e-4);
			past = nextPast(out);
			pos += n;
		}
	});

	it('agrees with the TypeScript reference forward pass (logits and last hidden state)', async () => {
		const sess = await openSession(outDir, id, file);
		const w = weightsOf(id);
		const weights =
			file === 'model.onnx' ? w : dequantizedWeights(w, file === 'model_q4.onnx' ? 'q4' : 'q8');
		const ids = samplePrompt(11, 5);
		const ref = referenceOutputs(weights, [ids])[0];
		const pos = [ids.map((_, i) => i)];
		const out = await sess.run(feeds(spec, [ids], [ids.map(() => 1)], pos));
		expect(maxAbsDiff(logitsOf(out), ref.logits)).toBeLessThanOrEqual(refTol);
		const hidden = out[HIDDEN_STATE_OUTPUT];
		expect(hidden.dims).toEqual([1, ids.length, spec.hiddenSize]);
		expect(maxAbsDiff(hidden.data as Float32Array, ref.lastHiddenState)).toBeLessThanOrEqual(refTol);
	});

	it('left padding in a batch does not change the real tokens (position_ids as Transformers.js)', async () => {
		const sess = await openSession(outDir, id, file);
		const long = samplePrompt(8, 7);
		const short = samplePrompt(5, 9);
		const pad = long.length - short.length;
		const mask = [long.map(() => 1), [...Array(pad).fill(0), ...short.map(() => 1)]];
		// Transformers.js: cumulative sum of the mask, padded slots get position 1
		const positions = [long.map((_, i) => i), [...Array(pad).fill(1), ...short.map((_, i) => i)]];
		const batch = [long, [...Array(pad).fill(0), ...short]];
		const out = logitsOf(await sess.run(feeds(spec, batch, mask, positions)));
		const alone = logitsOf(await sess.run(feeds(spec, [short], [short.map(() => 1)], [positions[1].slice(pad)])));
		const row1 = out.subarray((long.length + pad) * V, 2 * long.length * V);
		expect(maxAbsDiff(row1, alone)).toBeLessThanOrEqual(1e-4);
		expect(Number.isFinite(Math.max(...out.map(Math.abs)))).toBe(true); // padded rows: no NaN
		if (file === 'model.onnx' && id === 'lumen-tiny-a') {
			const ref = referenceForward(weightsOf(id), batch, mask, positions);
			expect(maxAbsDiff(out.subarray(0, long.length * V), ref[0])).toBeLessThanOrEqual(1e-4);
			expect(maxAbsDiff(out.subarray(long.length * V), ref[1])).toBeLessThanOrEqual(1e-4);
		}
	});
});
