// Generates the deterministic random weights of a test model, including the LM-head bias that
// steers greedy decoding towards printable ASCII words and away from EOS/special tokens.
import { randomTensor } from './prng';
import { tokenBytes } from './bpe-trainer';
import type { ModelSpec } from './model-spec';
import type { BuiltTokenizer } from './tokenizer-files';

/** Matrices are stored row-major as [in, out] so that `y = x · W` (ONNX MatMul order). */
export interface LayerWeights {
	inputNorm: Float32Array; // [H]
	q: Float32Array; // [H, nH*D]
	k: Float32Array; // [H, kvH*D]
	v: Float32Array; // [H, kvH*D]
	o: Float32Array; // [nH*D, H]
	postNorm: Float32Array; // [H]
	gate: Float32Array; // [H, I]
	up: Float32Array; // [H, I]
	down: Float32Array; // [I, H]
}

export interface ModelWeights {
	spec: ModelSpec;
	embed: Float32Array; // [V, H]
	layers: LayerWeights[];
	finalNorm: Float32Array; // [H]
	lmHead: Float32Array; // [H, V]
	lmBias: Float32Array; // [V]
	ropeCos: Float32Array; // [maxPos, D]
	ropeSin: Float32Array; // [maxPos, D]
}

const isLetter = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isPrintable = (b: number) => b >= 0x20 && b <= 0x7e;

/** Per-token additive bias of the LM head, from the token's bytes. */
export function lmHeadBias(spec: ModelSpec, tok: BuiltTokenizer): Float32Array {
	const b = spec.init.bias;
	const special = new Set(Object.values(tok.specialIds));
	const bias = new Float32Array(spec.vocabSize);
	for (let id = 0; id < spec.vocabSize; id++) {
		if (special.has(id)) {
			bias[id] = b.special;
			continue;
		}
		const bytes = tokenBytes(tok.idToToken[id]);
		if (!bytes.every(isPrintable)) bias[id] = b.nonPrintableByte;
		else if (bytes.length === 1) bias[id] = isLetter(bytes[0]) ? b.printableLetter : b.printableOther;
		else if (bytes[0] === 0x20 && bytes.slice(1).every(isLetter)) bias[id] = b.mergedWord;
		else bias[id] = b.mergedOther;
	}
	return bias;
}

/** HF LLaMA rotary tables: cos/sin of cat(freqs, freqs), freqs[p, i] = p / theta^(2i/D). */
export function ropeTables(spec: ModelSpec): { cos: Float32Array; sin: Float32Array } {
	const D = spec.headDim;
	const half = D / 2;
	const cos = new Float32Array(spec.maxPositionEmbeddings * D);
	const sin = new Float32Array(spec.maxPositionEmbeddings * D);
	for (let i = 0; i < half; i++) {
		const invFreq = Math.fround(1 / Math.pow(spec.ropeTheta, (2 * i) / D));
		for (let p = 0; p < spec.maxPositionEmbeddings; p++) {
			const angle = Math.fround(p * invFreq);
			const c = Math.cos(angle);
			const s = Math.sin(angle);
			cos[p * D + i] = c;
			cos[p * D + i + half] = c;
			sin[p * D + i] = s;
			sin[p * D + i + half] = s;
		}
	}
	return { cos, sin };
}

export function generateWeights(spec: ModelSpec, tok: BuiltTokenizer): ModelWeights {
	const { seed, hiddenSize: H, intermediateSize: I, numHeads, numKvHeads, headDim: D } = spec;
	const V = spec.vocabSize;
	const init = spec.init;
	const proj = (fanIn: number) => init.projGain / Math.sqrt(fanIn);
	const resid = (fanIn: number) => init.residualGain / Math.sqrt(fanIn);
	// q and k both scaled by √sharpness: attention logits ×sharpness, so heads attend to specific
	// earlier tokens and greedy babble cycles less.
	const qk = Math.sqrt(init.attentionSharpness);
	const norm = (name: string) => randomTensor(seed, name, H, init.normJitter, 1);

	const layers: LayerWeights[] = [];
	for (let l = 0; l < spec.numLayers; l++) {
		const p = `layers.${l}.`;
		layers.push({
			inputNorm: norm(p + 'input_layernorm'),
			q: randomTensor(seed, p + 'q_proj', H * numHeads * D, proj(H) * qk),
			k: randomTensor(seed, p + 'k_proj', H * numKvHeads * D, proj(H) * qk),
			v: randomTensor(seed, p + 'v_proj', H * numKvHeads * D, proj(H)),
			o: randomTensor(seed, p + 'o_proj', numHeads * D * H, resid(numHeads * D)),
			postNorm: norm(p + 'post_attention_layernorm'),
			gate: randomTensor(seed, p + 'gate_proj', H * I, proj(H)),
			up: randomTensor(seed, p + 'up_proj', H * I, proj(H)),
			down: randomTensor(seed, p + 'down_proj', I * H, resid(I))
		});
	}
	const { cos, sin } = ropeTables(spec);
	return {
		spec,
		embed: randomTensor(seed, 'embed_tokens', V * H, init.embedStd),
		layers,
		finalNorm: norm('norm'),
		lmHead: randomTensor(seed, 'lm_head', H * V, init.logitStd / Math.sqrt(H)),
		lmBias: lmHeadBias(spec, tok),
		ropeCos: cos,
		ropeSin: sin
	};
}
