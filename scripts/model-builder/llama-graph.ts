// Emits the ONNX graph of a LLaMA causal LM with KV cache, using exactly the I/O names and
// shapes Transformers.js 4.x expects (input_ids/attention_mask/position_ids/past_key_values.*).
import { DataType, GraphBuilder } from './onnx-graph';
import { quantizePerChannel } from './quantize';
import { quantizeNBits } from './quantize-nbits';
import type { ModelWeights } from './weights';

export type Dtype = 'fp32' | 'q8' | 'q4';
/** The ONNX file of each dtype, named as Transformers.js looks them up (`dtype` → suffix). */
export const ONNX_FILES = {
	fp32: 'model.onnx',
	q8: 'model_quantized.onnx',
	q4: 'model_q4.onnx'
} as const satisfies Record<Dtype, string>;
export type OnnxFile = (typeof ONNX_FILES)[Dtype];

export interface GraphOptions {
	/**
	 * fp32: plain MatMuls.
	 * q8: int8 weights with per-channel float scales, dequantized in-graph as Mul(Cast(w_int8), scale).
	 * Both inputs are initializers, so ONNX Runtime constant-folds them at session creation and
	 * runs plain fp32 MatMuls: identical numerics on the native CPU EP and WASM. (With
	 * DequantizeLinear, native ORT fuses DQ+MatMul into MatMulNBits while WASM re-dequantizes
	 * every step, 10x slower, and the two disagree numerically.)
	 * q4: every linear layer (q/k/v/o, gate/up/down, LM head) is a `com.microsoft::MatMulNBits`
	 * with 4-bit blockwise weights (spec.q4); the embedding stays fp32, as in onnx-community q4
	 * exports. Native ORT runs MLAS' packed n-bit GEMM kernels; ORT Web's WASM build has none, so
	 * it dequantizes the whole weight to fp32 on every call, then runs an fp32 GEMM (≈ 8x slower
	 * per token than fp32 weights; see measure-test-models.ts).
	 */
	dtype: Dtype;
	/**
	 * Also output `last_hidden_state` [batch, seq, hidden]: the final RMSNorm's output, i.e. what feeds
	 * the LM head. That is Hugging Face's `hidden_states[-1]` for LLaMA (its model applies the final norm
	 * before appending the last hidden state), which FastChat's workers mean-pool for embeddings. Default
	 * true; false builds a graph like a hub export without it (the "no embeddings" case in tests).
	 */
	lastHiddenState?: boolean;
}

/** The extra graph output embeddings are pooled from (see GraphOptions.lastHiddenState). */
export const HIDDEN_STATE_OUTPUT = 'last_hidden_state';

/** Additive mask value for disallowed keys: large, finite (a fully masked row stays NaN-free). */
export const MASK_VALUE = -1e9;

export function buildLlamaOnnx(w: ModelWeights, opts: GraphOptions): Uint8Array {
	const s = w.spec;
	const { hiddenSize: H, intermediateSize: I, numHeads: nH, numKvHeads: kvH, headDim: D } = s;
	const V = s.vocabSize;
	const g = new GraphBuilder();
	const F = DataType.FLOAT;
	const I64 = DataType.INT64;

	// ---- graph inputs -------------------------------------------------------------------
	const inputIds = g.input('input_ids', I64, ['batch_size', 'sequence_length']);
	const attnMask = g.input('attention_mask', I64, ['batch_size', 'total_sequence_length']);
	const positionIds = g.input('position_ids', I64, ['batch_size', 'sequence_length']);
	const past: { key: string; value: string }[] = [];
	for (let l = 0; l < s.numLayers; l++) {
		const shape = ['batch_size', kvH, 'past_sequence_length', D];
		past.push({
			key: g.input(`past_key_values.${l}.key`, F, shape),
			value: g.input(`past_key_values.${l}.value`, F, shape)
		});
	}

	// ---- helpers --------------------------------------------------------------------------
	const dequant = (wq: string, scale: string) =>
		g.op('Mul', [g.op('Cast', [wq], { to: DataType.FLOAT }), scale]);
	const linear = (x: string, name: string, data: Float32Array, rows: number, cols: number) => {
		if (opts.dtype === 'fp32') return g.op('MatMul', [x, g.float(name, data, [rows, cols])]);
		if (opts.dtype === 'q4') return matMulNBits(x, name, data, rows, cols);
		const qm = quantizePerChannel(data, rows, cols, 1);
		const wq = g.initializer(`${name}_quantized`, qm.q, [rows, cols], DataType.INT8);
		const sc = g.float(`${name}_scale`, qm.scale, [1, cols]);
		return g.op('MatMul', [x, dequant(wq, sc)]);
	};
	const matMulNBits = (x: string, name: string, data: Float32Array, K: number, N: number) => {
		const m = quantizeNBits(data, K, N, s.q4);
		const inputs = [
			x,
			g.initializer(`${name}_Q4`, m.packed, [N, m.kBlocks, m.blockSize / 2], DataType.UINT8),
			g.float(`${name}_scales`, m.scales, [N * m.kBlocks])
		];
		if (m.zeroPoints) {
			const zp = m.zeroPoints;
			inputs.push(g.initializer(`${name}_zero_points`, zp, [zp.length], DataType.UINT8));
		}
		// accuracy_level 0 (unset) is omitted, as ORT's quantizer does
		const attrs: Record<string, number> = { K, N, bits: 4, block_size: m.blockSize };
		if (s.q4.accuracyLevel) attrs.accuracy_level = s.q4.accuracyLevel;
		return g.msOp('MatMulNBits', inputs, attrs);
	};
	const rmsNorm = (x: string, name: string, weight: Float32Array, outputName?: string) => {
		const sq = g.op('Pow', [x, g.scalar(2)]);
		const mean = g.op('ReduceMean', [sq], { axes: [-1], keepdims: 1 });
		const rms = g.op('Sqrt', [g.op('Add', [mean, g.scalar(s.rmsNormEps)])]);
		return g.op('Mul', [g.op('Div', [x, rms]), g.float(name, weight, [H])], {}, outputName);
	};
	const scalarAt = (shapeOf: string, index: number) =>
		g.op('Gather', [g.op('Shape', [shapeOf]), g.int64([index], [])], { axis: 0 });
	const heads = (x: string, n: number) =>
		g.op('Transpose', [g.op('Reshape', [x, g.int64([0, 0, n, D])])], { perm: [0, 2, 1, 3] });

	// ---- embeddings ---------------------------------------------------------------------
	let table: string;
	if (opts.dtype === 'q8') {
		const qm = quantizePerChannel(w.embed, V, H, 0);
		const wq = g.initializer('embed_tokens_quantized', qm.q, [V, H], DataType.INT8);
		table = dequant(wq, g.float('embed_tokens_scale', qm.scale, [V, 1]));
	} else table = g.float('embed_tokens', w.embed, [V, H]);
	let x = g.op('Gather', [table, inputIds], { axis: 0 });

	// ---- shared: rotary tables and the additive causal + padding mask ----------------------
	const unsq = (t: string, axes: number[]) => g.op('Unsqueeze', [t, g.int64(axes)]);
	const cosT = g.float('rope_cos', w.ropeCos, [s.maxPositionEmbeddings, D]);
	const sinT = g.float('rope_sin', w.ropeSin, [s.maxPositionEmbeddings, D]);
	const cos = unsq(g.op('Gather', [cosT, positionIds], { axis: 0 }), [1]); // [B,1,S,D]
	const sin = unsq(g.op('Gather', [sinT, positionIds], { axis: 0 }), [1]);

	const pastLen = scalarAt(past[0].key, 2);
	const seqLen = scalarAt(inputIds, 1);
	const totalLen = g.op('Add', [pastLen, seqLen]);
	const one = g.int64([1], []);
	const qPos = unsq(g.op('Range', [pastLen, totalLen, one]), [1]); // [S,1] absolute query index
	const kPos = g.op('Range', [g.int64([0], []), totalLen, one]); // [T]
	const causal = g.op('LessOrEqual', [kPos, qPos]); // [S,T]
	const notPad = unsq(g.op('Cast', [attnMask], { to: DataType.BOOL }), [1, 2]); // [B,1,1,T]
	const allowed = g.op('And', [causal, notPad]); // [B,1,S,T]
	const maskAdd = g.op('Where', [allowed, g.scalar(0), g.scalar(MASK_VALUE)]);

	const half = D / 2;
	const rope = (t: string) => {
		const axis = g.int64([3]);
		const x1 = g.op('Slice', [t, g.int64([0]), g.int64([half]), axis]);
		const x2 = g.op('Slice', [t, g.int64([half]), g.int64([D]), axis]);
		const rot = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
		return g.op('Add', [g.op('Mul', [t, cos]), g.op('Mul', [rot, sin])]);
	};
	const groups = nH / kvH;
	const repeatKv = (t: string) =>
		groups === 1
			? t
			: g.op('Reshape', [
					g.op('Expand', [unsq(t, [2]), g.int64([1, 1, groups, 1, 1])]),
					g.int64([0, nH, -1, D])
				]);

	// ---- decoder layers ---------------------------------------------------------------------
	w.layers.forEach((L, l) => {
		const p = `model.layers.${l}`;
		const h = rmsNorm(x, `${p}.input_layernorm.weight`, L.inputNorm);
		const q = rope(heads(linear(h, `${p}.self_attn.q_proj.weight`, L.q, H, nH * D), nH));
		const k = rope(heads(linear(h, `${p}.self_attn.k_proj.weight`, L.k, H, kvH * D), kvH));
		const v = heads(linear(h, `${p}.self_attn.v_proj.weight`, L.v, H, kvH * D), kvH);
		const presentK = g.op('Concat', [past[l].key, k], { axis: 2 }, `present.${l}.key`);
		const presentV = g.op('Concat', [past[l].value, v], { axis: 2 }, `present.${l}.value`);
		const kT = g.op('Transpose', [repeatKv(presentK)], { perm: [0, 1, 3, 2] });
		const scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.scalar(1 / Math.sqrt(D))]);
		const probs = g.op('Softmax', [g.op('Add', [scores, maskAdd])], { axis: -1 });
		const ctx = g.op('MatMul', [probs, repeatKv(presentV)]); // [B,nH,S,D]
		const merged = g.op('Reshape', [
			g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }),
			g.int64([0, 0, nH * D])
		]);
		x = g.op('Add', [x, linear(merged, `${p}.self_attn.o_proj.weight`, L.o, nH * D, H)]);

		const h2 = rmsNorm(x, `${p}.post_attention_layernorm.weight`, L.postNorm);
		const gate = linear(h2, `${p}.mlp.gate_proj.weight`, L.gate, H, I);
		const up = linear(h2, `${p}.mlp.up_proj.weight`, L.up, H, I);
		const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
		x = g.op('Add', [x, linear(act, `${p}.mlp.down_proj.weight`, L.down, I, H)]);
	});

	// ---- head ------------------------------------------------------------------------------
	const withHidden = opts.lastHiddenState ?? true;
	const hf = rmsNorm(x, 'model.norm.weight', w.finalNorm, withHidden ? HIDDEN_STATE_OUTPUT : undefined);
	const logitsNoBias = linear(hf, 'lm_head.weight', w.lmHead, H, V);
	g.op('Add', [logitsNoBias, g.float('lm_head.bias', w.lmBias, [V])], {}, 'logits');

	g.output('logits', F, ['batch_size', 'sequence_length', V]);
	for (let l = 0; l < s.numLayers; l++) {
		const shape = ['batch_size', kvH, 'total_sequence_length', D];
		g.output(`present.${l}.key`, F, shape);
		g.output(`present.${l}.value`, F, shape);
	}
	// Last: logits and present.* keep the positions every decoder export gives them.
	if (withHidden) g.output(HIDDEN_STATE_OUTPUT, F, ['batch_size', 'sequence_length', H]);
	return g.encode(s.id, { 'lumen.test_model': 'true', 'lumen.seed': String(s.seed) });
}
