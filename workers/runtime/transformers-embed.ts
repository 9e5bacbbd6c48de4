// Embeddings from a Transformers.js causal LM, in the native worker and the browser worker alike: the
// mean of the model's last hidden states over the input's tokens, L2-normalised, as FastChat's workers do.
//
// - Hidden states: the ONNX graph's `last_hidden_state` output (the final norm's output, HF's
//   `hidden_states[-1]`), read from `model.forward`, which returns every output of the session on
//   onnxruntime-node and onnxruntime-web alike. An export without that output offers no embeddings.
// - One forward pass per input, no padded batch: an input's vector never depends on what else was in the
//   request, so a batch equals the same inputs sent one by one, bit for bit.
// - L2-normalised: FastChat's get_embeddings normalises every decoder model's pooled vector (F.normalize,
//   eps 1e-12), so cosine similarity is a dot product. Sums run in float64, then round once to float32,
//   so Node and the browser agree whenever the hidden states do.
import type * as TF from '@huggingface/transformers';
import { LumenError, stopped } from '#protocol/errors';
import { embeddingResponse, type EmbeddingResponse } from '#protocol/embeddings';
import type { EmbeddingRequest } from '#protocol/openai';
import { contextLengthOf, countPrompt } from './context-window';
import { generationError } from './errors';
import type { LoadedTextModel } from './transformers-generate';

export const HIDDEN_STATE_OUTPUT = 'last_hidden_state';

/** What embedding needs of a loaded model (the browser worker and the onnx backend both hold one). */
export type EmbeddingModel = Pick<LoadedTextModel, 'tf' | 'tokenizer' | 'model' | 'modelId'>;

/** A client error that names the request field at fault (the HTTP layer puts it in OpenAI's `param`). */
export class EmbeddingRequestError extends LumenError {
	constructor(code: 'bad_request' | 'context_length_exceeded', message: string, param: 'input' | 'model' | 'dimensions') {
		super(code, message, false, { param });
	}
}

type SessionInfo = { outputNames?: readonly string[] };

/** True when the model's ONNX session outputs its last hidden states. */
export function offersEmbeddings(model: TF.PreTrainedModel): boolean {
	const sessions = (model as unknown as { sessions?: Record<string, SessionInfo | undefined> }).sessions ?? {};
	return (sessions.model ?? sessions.decoder_model_merged)?.outputNames?.includes(HIDDEN_STATE_OUTPUT) ?? false;
}

export function noEmbeddings(modelId: string): EmbeddingRequestError {
	return new EmbeddingRequestError(
		'bad_request',
		`${modelId} offers no embeddings: its ONNX export has no "${HIDDEN_STATE_OUTPUT}" output to pool. Use a model exported with it (Lumen's test models are) or another model.`,
		'model'
	);
}

/**
 * Answers an OpenAI embeddings request. Every input is tokenized and checked before the first forward
 * pass, so a bad input fails the request at once; `signal` is checked between inputs.
 */
export async function embedRequest(loaded: EmbeddingModel, request: EmbeddingRequest, signal?: AbortSignal): Promise<EmbeddingResponse> {
	if (!offersEmbeddings(loaded.model)) throw noEmbeddings(loaded.modelId);
	const { dimensions } = request;
	const hiddenSize = hiddenSizeOf(loaded.model);
	if (dimensions !== undefined && hiddenSize !== null && dimensions !== hiddenSize) throw fixedDimensions(loaded.modelId, hiddenSize);
	const inputs = typeof request.input === 'string' ? [request.input] : request.input;
	const tokenized = inputs.map((text, i) => inputIds(loaded, text, inputs.length > 1 ? `input[${i}]` : 'The input'));
	const vectors: Float32Array[] = [];
	for (const ids of tokenized) {
		if (signal?.aborted) throw stopped();
		vectors.push(await embedIds(loaded, ids));
		// A config that names no hidden size: the first vector tells.
		if (dimensions !== undefined && vectors[0].length !== dimensions) throw fixedDimensions(loaded.modelId, vectors[0].length);
	}
	const tokens = tokenized.reduce((n, ids) => n + ids.length, 0);
	return embeddingResponse(request.model || loaded.modelId, vectors, tokens, request.encoding_format ?? 'float');
}

function fixedDimensions(modelId: string, size: number): EmbeddingRequestError {
	return new EmbeddingRequestError(
		'bad_request',
		`${modelId}'s embeddings have ${size} dimensions and cannot be shortened: leave out "dimensions" or set it to ${size}.`,
		'dimensions'
	);
}

/** One input's token ids (special tokens as the tokenizer adds them); throws the 400 for an empty or too long input. */
function inputIds(loaded: EmbeddingModel, text: string, label: string): number[] {
	const contextLength = contextLengthOf(loaded.model, loaded.tokenizer);
	// One more than the context: an input may fill the whole context, since nothing is generated after it.
	const counted = countPrompt(loaded.tokenizer, { prompt: text }, contextLength === undefined ? undefined : contextLength + 1);
	if (!counted.exact || (contextLength !== undefined && counted.count > contextLength))
		throw new EmbeddingRequestError(
			'context_length_exceeded',
			`${label} takes ${counted.exact ? '' : 'at least '}${counted.count} tokens, but ${loaded.modelId}'s maximum context length is ${contextLength} tokens. Shorten it or split it into several inputs.`,
			'input'
		);
	if (counted.ids.length === 0) throw new EmbeddingRequestError('bad_request', `${label} is empty: it has no tokens to embed. Send at least one character.`, 'input');
	return counted.ids;
}

/** The L2-normalised mean of the last hidden states of one input's tokens. */
export async function embedIds(loaded: EmbeddingModel, ids: readonly number[]): Promise<Float32Array> {
	const { tf, model } = loaded;
	const shape = [1, ids.length];
	let outputs: Record<string, TF.Tensor>;
	try {
		outputs = (await model.forward({
			input_ids: new tf.Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
			attention_mask: new tf.Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape)
		})) as Record<string, TF.Tensor>;
	} catch (err) {
		throw generationError(err);
	}
	try {
		const hidden = outputs[HIDDEN_STATE_OUTPUT];
		if (!hidden) throw noEmbeddings(loaded.modelId);
		const [, seq, size] = hidden.dims;
		return meanPoolNormalized(floats(hidden), seq, size);
	} finally {
		// The KV cache of this pass may sit in GPU buffers (WebGPU): free it now, not when GC gets to it.
		for (const t of Object.values(outputs)) t.dispose?.();
	}
}

/** Mean over `seq` rows of `size` values, then L2-normalised (FastChat: F.normalize with eps 1e-12). */
export function meanPoolNormalized(hidden: ArrayLike<number>, seq: number, size: number): Float32Array {
	const sum = new Float64Array(size);
	for (let t = 0; t < seq; t++) for (let i = 0; i < size; i++) sum[i] += hidden[t * size + i];
	let squares = 0;
	for (let i = 0; i < size; i++) {
		sum[i] /= seq;
		squares += sum[i] * sum[i];
	}
	const norm = Math.max(Math.sqrt(squares), 1e-12);
	return Float32Array.from(sum, (v) => v / norm);
}

function floats(t: TF.Tensor): ArrayLike<number> {
	if (t.type === 'float32') return t.data as Float32Array;
	if (t.type === 'float16') {
		const data = t.data as ArrayLike<number>;
		// Where Float16Array is missing, ONNX Runtime hands over the raw half-precision bits.
		return data instanceof Uint16Array ? Float32Array.from(data, halfToFloat) : data;
	}
	throw new LumenError('generation_failed', `The model's ${HIDDEN_STATE_OUTPUT} output is ${t.type}, not a float type: it cannot be pooled into an embedding.`);
}

function halfToFloat(bits: number): number {
	const sign = bits & 0x8000 ? -1 : 1;
	const exponent = (bits >> 10) & 0x1f;
	const fraction = bits & 0x3ff;
	if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
	if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
	return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The hidden size from the model's config (null when it names none). */
export function hiddenSizeOf(model: TF.PreTrainedModel): number | null {
	const config = (model as unknown as { config?: Record<string, unknown> }).config ?? {};
	for (const key of ['hidden_size', 'n_embd', 'd_model']) {
		const value = config[key];
		if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
	}
	return null;
}
