// Test helper: loads a tiny test model on onnxruntime-node (one thread) as the runtime sees it, and
// reads the model's own next-token logits for a whole sequence in one forward pass (no sampling involved).
import type * as TF from '@huggingface/transformers';
import { ensureModels } from '../../scripts/model-builder/test-support';
import type { LoadedTextModel } from './transformers-generate';

export async function loadTinyModel(id = 'lumen-tiny-a', defaultMaxTokens = 64): Promise<LoadedTextModel> {
	const tf = await import('@huggingface/transformers');
	tf.env.allowRemoteModels = false;
	tf.env.allowLocalModels = true;
	tf.env.localModelPath = ensureModels() + '/';
	const tokenizer = await tf.AutoTokenizer.from_pretrained(id);
	const model = await tf.AutoModelForCausalLM.from_pretrained(id, {
		dtype: 'fp32',
		device: 'cpu',
		session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 }
	});
	return { tf, tokenizer, model, modelId: id, defaultMaxTokens };
}

/** The logits predicting each position after the first: row i predicts ids[i + 1]. */
export async function forwardLogits(loaded: LoadedTextModel, ids: number[]): Promise<Float32Array[]> {
	const { tf, model } = loaded;
	const shape = [1, ids.length];
	const out = (await model({
		input_ids: new tf.Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
		attention_mask: new tf.Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape)
	})) as { logits: TF.Tensor };
	const [, length, vocab] = out.logits.dims;
	const data = out.logits.data as Float32Array;
	return Array.from({ length: length - 1 }, (_, i) => data.slice(i * vocab, (i + 1) * vocab));
}

/** How many logits beat `id`'s: 0 for the most likely token. */
export function rankOf(row: Float32Array, id: number): number {
	let rank = 0;
	for (const x of row) if (x > row[id]) rank++;
	return rank;
}

export function logSoftmaxAt(row: Float32Array, id: number): number {
	let max = -Infinity;
	for (const x of row) max = Math.max(max, x);
	let sum = 0;
	for (const x of row) sum += Math.exp(x - max);
	return row[id] - max - Math.log(sum);
}
