// Plain-TypeScript LLaMA forward pass (float64 math, no ONNX) over the generated weights; the
// ground truth the ONNX graphs are tested against. Mirrors llama-graph.ts op for op.
import { MASK_VALUE } from './llama-graph';
import { dequantize, quantizePerChannel } from './quantize';
import { dequantizeNBits, quantizeNBits } from './quantize-nbits';
import type { LayerWeights, ModelWeights } from './weights';

/**
 * The weights exactly as the q8 (default) or q4 graph sees them after dequantization: q8
 * dequantizes the embedding too, q4 keeps it in fp32.
 */
export function dequantizedWeights(w: ModelWeights, dtype: 'q8' | 'q4' = 'q8'): ModelWeights {
	const { hiddenSize: H, intermediateSize: I, numHeads: nH, numKvHeads: kvH, headDim: D } = w.spec;
	const dq = (m: Float32Array, rows: number, cols: number, axis: 0 | 1 = 1) =>
		dtype === 'q4'
			? dequantizeNBits(quantizeNBits(m, rows, cols, w.spec.q4))
			: dequantize(quantizePerChannel(m, rows, cols, axis));
	return {
		...w,
		embed: dtype === 'q4' ? w.embed : dq(w.embed, w.spec.vocabSize, H, 0),
		lmHead: dq(w.lmHead, H, w.spec.vocabSize),
		layers: w.layers.map(
			(L): LayerWeights => ({
				...L,
				q: dq(L.q, H, nH * D),
				k: dq(L.k, H, kvH * D),
				v: dq(L.v, H, kvH * D),
				o: dq(L.o, nH * D, H),
				gate: dq(L.gate, H, I),
				up: dq(L.up, H, I),
				down: dq(L.down, I, H)
			})
		)
	};
}

/** y[S, out] = x[S, in] · W[in, out] */
function matmul(x: Float64Array, W: Float32Array, S: number, inDim: number, outDim: number): Float64Array {
	const y = new Float64Array(S * outDim);
	for (let s = 0; s < S; s++) {
		const yo = s * outDim;
		for (let k = 0; k < inDim; k++) {
			const xv = x[s * inDim + k];
			const wo = k * outDim;
			for (let j = 0; j < outDim; j++) y[yo + j] += xv * W[wo + j];
		}
	}
	return y;
}

function rmsNorm(x: Float64Array, weight: Float32Array, S: number, H: number, eps: number): Float64Array {
	const y = new Float64Array(S * H);
	for (let s = 0; s < S; s++) {
		let ss = 0;
		for (let i = 0; i < H; i++) ss += x[s * H + i] ** 2;
		const r = Math.sqrt(ss / H + eps);
		for (let i = 0; i < H; i++) y[s * H + i] = (x[s * H + i] / r) * weight[i];
	}
	return y;
}

/** In-place rotary embedding of `n` heads laid out as [S, n, D]. */
function applyRope(t: Float64Array, w: ModelWeights, pos: number[], n: number): void {
	const D = w.spec.headDim;
	const half = D / 2;
	for (let s = 0; s < pos.length; s++) {
		const base = pos[s] * D;
		for (let h = 0; h < n; h++) {
			const o = (s * n + h) * D;
			const x = t.slice(o, o + D);
			for (let i = 0; i < D; i++) {
				const rot = i < half ? -x[i + half] : x[i - half];
				t[o + i] = x[i] * w.ropeCos[base + i] + rot * w.ropeSin[base + i];
			}
		}
	}
}

/** One batch row of the forward pass: logits [S, V] and the final RMSNorm's output [S, H]. */
export type ReferenceOutput = { logits: Float32Array; lastHiddenState: Float32Array };

/**
 * Full forward pass without a cache. `attentionMask[b]` and `positionIds[b]` default to all ones
 * and 0..S-1. Returns the logits of each batch row as a [S, V] Float32Array.
 */
export function referenceForward(
	w: ModelWeights,
	inputIds: number[][],
	attentionMask?: number[][],
	positionIds?: number[][]
): Float32Array[] {
	return referenceOutputs(w, inputIds, attentionMask, positionIds).map((o) => o.logits);
}

/** referenceForward with the graph's `last_hidden_state` output too. */
export function referenceOutputs(
	w: ModelWeights,
	inputIds: number[][],
	attentionMask?: number[][],
	positionIds?: number[][]
): ReferenceOutput[] {
	const s = w.spec;
	const { hiddenSize: H, intermediateSize: I, numHeads: nH, numKvHeads: kvH, headDim: D } = s;
	const V = s.vocabSize;
	const groups = nH / kvH;
	return inputIds.map((ids, b) => {
		const S = ids.length;
		const mask = attentionMask?.[b] ?? ids.map(() => 1);
		const pos = positionIds?.[b] ?? ids.map((_, i) => i);
		let x = new Float64Array(S * H);
		ids.forEach((id, i) => x.set(w.embed.subarray(id * H, (id + 1) * H), i * H));

		for (const L of w.layers) {
			const h = rmsNorm(x, L.inputNorm, S, H, s.rmsNormEps);
			const q = matmul(h, L.q, S, H, nH * D);
			const k = matmul(h, L.k, S, H, kvH * D);
			const v = matmul(h, L.v, S, H, kvH * D);
			applyRope(q, w, pos, nH);
			applyRope(k, w, pos, kvH);
			const ctx = new Float64Array(S * nH * D);
			const scores = new Float64Array(S);
			for (let head = 0; head < nH; head++) {
				const kvHead = Math.floor(head / groups);
				for (let i = 0; i < S; i++) {
					let max = -Infinity;
					for (let j = 0; j < S; j++) {
						let dot = 0;
						for (let d = 0; d < D; d++) dot += q[(i * nH + head) * D + d] * k[(j * kvH + kvHead) * D + d];
						const sc = dot / Math.sqrt(D);
						// float32 addition of the mask, as in the graph (a fully masked row is uniform)
						scores[j] = j <= i && mask[j] !== 0 ? sc : Math.fround(sc + MASK_VALUE);
						if (scores[j] > max) max = scores[j];
					}
					let sum = 0;
					for (let j = 0; j < S; j++) sum += scores[j] = Math.exp(scores[j] - max);
					for (let j = 0; j < S; j++) {
						const p = scores[j] / sum;
						for (let d = 0; d < D; d++) ctx[(i * nH + head) * D + d] += p * v[(j * kvH + kvHead) * D + d];
					}
				}
			}
			const attnOut = matmul(ctx, L.o, S, nH * D, H);
			for (let i = 0; i < x.length; i++) x[i] += attnOut[i];

			const h2 = rmsNorm(x, L.postNorm, S, H, s.rmsNormEps);
			const gate = matmul(h2, L.gate, S, H, I);
			const up = matmul(h2, L.up, S, H, I);
			for (let i = 0; i < gate.length; i++) gate[i] = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
			const down = matmul(gate, L.down, S, I, H);
			x = x.map((val, i) => val + down[i]);
		}
		const hidden = rmsNorm(x, w.finalNorm, S, H, s.rmsNormEps);
		const logits = matmul(hidden, w.lmHead, S, H, V);
		const out = new Float32Array(S * V);
		for (let i = 0; i < S; i++) for (let j = 0; j < V; j++) out[i * V + j] = logits[i * V + j] + w.lmBias[j];
		return { logits: out, lastHiddenState: Float32Array.from(hidden) };
	});
}
