// Shared helpers for the model-builder tests: build-once model folders, regenerated weights,
// and onnxruntime-node feeds for the Transformers.js decoder I/O convention.
import * as ort from 'onnxruntime-node';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModels, DEFAULT_OUT_DIR } from './build';
import { buildLlamaOnnx, ONNX_FILES, type OnnxFile } from './llama-graph';
import { loadCatalogue, type ModelSpec } from './model-spec';
import { buildTokenizer } from './tokenizer-files';
import { generateWeights, type ModelWeights } from './weights';

/** Build (or reuse, via the stamp files) every catalogue model in static/models. */
export function ensureModels(): string {
	buildModels({ outDir: DEFAULT_OUT_DIR });
	return DEFAULT_OUT_DIR;
}

/**
 * A copy of a test model in `<root>/<name>` whose fp32 ONNX file lacks the last_hidden_state output,
 * like a hub export made for generation only: the "offers no embeddings" case.
 */
export function modelWithoutHiddenState(root: string, name: string, from = 'lumen-tiny-a'): string {
	const dir = join(root, name);
	cpSync(join(ensureModels(), from), dir, { recursive: true });
	writeFileSync(join(dir, 'onnx', ONNX_FILES.fp32), buildLlamaOnnx(weightsOf(from), { dtype: 'fp32', lastHiddenState: false }));
	return dir;
}

export function specOf(id: string): ModelSpec {
	const spec = loadCatalogue().models.find((m) => m.id === id);
	if (!spec) throw new Error(`no model ${id}`);
	return spec;
}

export function weightsOf(id: string): ModelWeights {
	const cat = loadCatalogue();
	return generateWeights(specOf(id), buildTokenizer(cat.corpus, cat.tokenizer));
}

export function openSession(outDir: string, id: string, file: OnnxFile) {
	return ort.InferenceSession.create(join(outDir, id, 'onnx', file), {
		intraOpNumThreads: 1,
		interOpNumThreads: 1
	});
}

const i64 = (rows: number[][]) =>
	new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

export type Past = Record<string, ort.Tensor>;

/** Feeds for one step; `past` defaults to an empty cache (past_sequence_length 0). */
export function feeds(
	spec: ModelSpec,
	inputIds: number[][],
	attentionMask: number[][],
	positionIds: number[][],
	past?: Past
): Record<string, ort.Tensor> {
	const f: Record<string, ort.Tensor> = {
		input_ids: i64(inputIds),
		attention_mask: i64(attentionMask),
		position_ids: i64(positionIds)
	};
	for (let l = 0; l < spec.numLayers; l++) {
		for (const kv of ['key', 'value']) {
			const name = `past_key_values.${l}.${kv}`;
			f[name] =
				past?.[name] ??
				new ort.Tensor('float32', new Float32Array(0), [inputIds.length, spec.numKvHeads, 0, spec.headDim]);
		}
	}
	return f;
}

/** present.* outputs renamed to the past_key_values.* inputs of the next step. */
export function nextPast(out: ort.InferenceSession.OnnxValueMapType): Past {
	const past: Past = {};
	for (const [name, t] of Object.entries(out)) {
		if (name.startsWith('present.')) past[name.replace('present.', 'past_key_values.')] = t as ort.Tensor;
	}
	return past;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
	if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
	let m = 0;
	for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
	return m;
}

/** A fixed pseudo-random prompt of ordinary (non-special) token ids. */
export function samplePrompt(length: number, salt = 1): number[] {
	return Array.from({ length }, (_, i) => (i * 97 + salt * 31 + 11) % 500);
}

/** The part of the onnxruntime-node / onnxruntime-web API a greedy loop needs. */
export interface OrtLike {
	Tensor: new (type: 'int64' | 'float32', data: BigInt64Array | Float32Array, dims: number[]) => unknown;
}
export interface SessionLike {
	run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
}

/**
 * Greedy decoding with a raw ONNX Runtime session (batch 1, KV cache), returning the new
 * tokens and the top-1 − top-2 logit gap of every step.
 */
export async function greedyOrt(
	rt: OrtLike,
	session: SessionLike,
	spec: ModelSpec,
	prompt: number[],
	steps: number
): Promise<{ tokens: number[]; gaps: number[] }> {
	const V = spec.vocabSize;
	const i64 = (xs: number[]) => new rt.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
	let past: Record<string, unknown> = {};
	for (let l = 0; l < spec.numLayers; l++) {
		for (const kv of ['key', 'value']) {
			past[`past_key_values.${l}.${kv}`] = new rt.Tensor('float32', new Float32Array(0), [
				1,
				spec.numKvHeads,
				0,
				spec.headDim
			]);
		}
	}
	const tokens: number[] = [];
	const gaps: number[] = [];
	let ids = prompt;
	let pos = 0;
	for (let step = 0; step < steps; step++) {
		const out = await session.run({
			input_ids: i64(ids),
			attention_mask: i64(Array(pos + ids.length).fill(1)),
			position_ids: i64(ids.map((_, i) => pos + i)),
			...past
		});
		const logits = (out.logits.data as Float32Array).subarray((ids.length - 1) * V);
		let best = 0;
		let second = -Infinity;
		for (let v = 1; v < V; v++) {
			if (logits[v] > logits[best]) {
				second = logits[best];
				best = v;
			} else if (logits[v] > second) second = logits[v];
		}
		tokens.push(best);
		gaps.push(logits[best] - second);
		pos += ids.length;
		ids = [best];
		past = {};
		for (const [name, t] of Object.entries(out)) {
			if (name.startsWith('present.')) past[name.replace('present.', 'past_key_values.')] = t;
		}
	}
	return { tokens, gaps };
}
