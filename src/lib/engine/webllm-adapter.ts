// Pure translation between @mlc-ai/web-llm and Lumen: prebuilt ModelRecords → catalog entries,
// init progress → LoadProgress, stream chunks → our OpenAI chunks, errors → LumenError data.
// Only types come from web-llm here, so this runs (and is tested) without a GPU or the runtime.
import { toTemplateMessages } from '$lib/protocol/messages';
import type { ChatCompletionChunk as WebllmChunk, InitProgressReport, ModelRecord } from '@mlc-ai/web-llm';
import type { CatalogModel } from '$lib/catalog/catalog';
import { LumenError, toLumenError, type LumenErrorData } from '$lib/protocol/errors';
import type { ChatCompletionChunk, ChatCompletionRequest, FinishReason } from '$lib/protocol/openai';
import type { Dtype, LoadProgress } from '$lib/protocol/worker-api';

/** A catalog entry for a web-llm model plus what its record says about the GPU it needs. */
export type WebllmModel = CatalogModel & {
	runtime: 'web-llm';
	vramBytes: number | null;
	/** web-llm's own estimate of the download is not published: `sizes` holds the VRAM figure as its upper bound. */
	downloadSizeKnown: boolean;
	lowResource: boolean;
	/** Required maxStorageBufferBindingSize, when the record names one. */
	bufferBytes: number | null;
};

const MB = 1e6;
/** MLC quantization codes → our dtype names. Codes with no equivalent (q3f16, …) are left out of the catalog. */
const QUANT_DTYPE: Record<string, Dtype> = { q4f16: 'q4f16', q4f32: 'q4', q0f16: 'fp16', q0f32: 'fp32' };

export function quantOf(modelId: string): { code: string; dtype: Dtype | null; f16: boolean } | null {
	const m = /-(q\d+f(?:16|32))(?:_\d+)?-MLC/.exec(modelId);
	if (!m) return null;
	return { code: m[1], dtype: QUANT_DTYPE[m[1]] ?? null, f16: m[1].endsWith('f16') };
}

/** null for records we do not list: embedding or vision models, unknown quantizations, no size at all. */
export function webllmCatalogEntry(record: ModelRecord): WebllmModel | null {
	// model_type: undefined or 0 is an LLM; 1 embedding, 2 VLM (web-llm's ModelType enum).
	if (record.model_type !== undefined && record.model_type !== 0) return null;
	const quant = quantOf(record.model_id);
	if (!quant?.dtype || !record.vram_required_MB) return null;
	const vramBytes = Math.round(record.vram_required_MB * MB);
	const features = new Set(record.required_features ?? []);
	if (quant.f16) features.add('shader-f16');
	const name = record.model_id.replace(/-MLC$/, '');
	const context = record.overrides?.context_window_size;
	return {
		id: record.model_id,
		name,
		family: name.split('-')[0].toLowerCase(),
		runtime: 'web-llm',
		source: { host: 'hf', repo: record.model.replace(/^https:\/\/huggingface\.co\//, ''), revision: 'main' },
		sizes: { [quant.dtype]: vramBytes },
		defaultDtype: quant.dtype,
		contextLength: context && context > 0 ? context : 4096,
		requiredFeatures: [...features].sort(),
		license: 'See the model card',
		testModel: false,
		vision: false,
		description: { id: 'catalog.webllm.description', values: { name, quant: quant.code, vram: Math.round(record.vram_required_MB) } },
		vramBytes,
		downloadSizeKnown: false,
		lowResource: record.low_resource_required ?? false,
		bufferBytes: record.buffer_size_required_bytes ?? null
	};
}

/**
 * web-llm reports a fraction and a sentence ("Fetching param cache[3/50]: 120MB fetched. 10% completed…",
 * "Loading model from cache[3/50]: …", "Loading GPU shader modules[…]"). Bytes come from the sentence when it
 * names them; otherwise the fraction is scaled by `totalHint`, the catalog's size for the model.
 */
export function mapInitProgress(report: InitProgressReport, totalHint: number): LoadProgress {
	const text = report.text;
	const phase: LoadProgress['phase'] = /from cache/i.test(text) ? 'cache' : /fetch/i.test(text) ? 'download' : 'init';
	const fraction = Math.min(1, Math.max(0, report.progress));
	const mb = /([\d.]+)\s*MB (?:fetched|loaded)/i.exec(text);
	if (mb && fraction > 0) {
		const loaded = Math.round(Number(mb[1]) * MB);
		return { phase, loaded, total: Math.max(loaded, Math.round(loaded / fraction)) };
	}
	const total = Math.max(1, totalHint);
	return { phase, loaded: Math.round(fraction * total), total };
}

function finishReason(r: string | null | undefined): FinishReason {
	if (r === 'length' || r === 'abort' || r === 'stop') return r;
	return r ? 'stop' : null; // tool_calls: we do not send tools, so it can only mean "done"
}

export function mapChunk(chunk: WebllmChunk, modelId: string): ChatCompletionChunk {
	const usage = chunk.usage
		? { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens, total_tokens: chunk.usage.total_tokens }
		: undefined;
	return {
		id: chunk.id,
		object: 'chat.completion.chunk',
		created: chunk.created,
		model: chunk.model || modelId,
		choices: chunk.choices.map((c) => ({
			index: c.index,
			delta: {
				...(c.delta.role === 'assistant' || c.delta.role === 'user' || c.delta.role === 'system' ? { role: c.delta.role } : {}),
				...(typeof c.delta.content === 'string' ? { content: c.delta.content } : {})
			},
			finish_reason: finishReason(c.finish_reason)
		})),
		...(usage ? { usage } : {})
	};
}

/** Our request in web-llm's terms: always streaming, always with a final usage chunk. */
export function toWebllmRequest(request: ChatCompletionRequest) {
	return {
		model: request.model,
		messages: toTemplateMessages(request.messages, 'This web-llm model'),
		temperature: request.temperature,
		top_p: request.top_p,
		max_tokens: request.max_tokens,
		stop: request.stop,
		seed: request.seed,
		presence_penalty: request.presence_penalty,
		frequency_penalty: request.frequency_penalty,
		stream: true as const,
		stream_options: { include_usage: true }
	};
}

/** Error class names web-llm throws (error.ts) and what they mean for a person. */
const ERRORS: Record<string, Omit<LumenErrorData, 'message'> & { hint: string }> = {
	WebGPUNotAvailableError: { code: 'model_load_failed', retryable: false, hint: 'This browser has no WebGPU. Use a WebGPU-capable browser or a Transformers.js model.' },
	WebGPUNotFoundError: { code: 'model_load_failed', retryable: false, hint: 'No WebGPU adapter was found. Use a Transformers.js model, which also runs on the CPU.' },
	ShaderF16SupportError: { code: 'model_load_failed', retryable: false, hint: 'This GPU lacks shader-f16: pick the q4f32 variant of the model.' },
	FeatureSupportError: { code: 'model_load_failed', retryable: false, hint: 'This GPU lacks a feature the model needs.' },
	DeviceLostError: { code: 'worker_crashed', retryable: true, hint: 'The GPU device was lost (often out of memory). Load the model again, or pick a smaller one.' },
	ModelNotFoundError: { code: 'model_not_found', retryable: false, hint: 'web-llm does not know this model id.' },
	UnsupportedModelIdError: { code: 'model_not_found', retryable: false, hint: 'web-llm does not know this model id.' },
	ModelNotLoadedError: { code: 'model_not_found', retryable: true, hint: 'Load the model first.' },
	ContextWindowSizeExceededError: { code: 'bad_request', retryable: false, hint: 'The conversation is longer than the model’s context: start a new one.' }
};

export function mapError(err: unknown, fallback: LumenErrorData['code'] = 'model_load_failed'): LumenErrorData {
	const name = typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : '';
	const known = ERRORS[name];
	if (known) {
		const detail = err instanceof Error && err.message ? ` (${err.message})` : '';
		return { code: known.code, retryable: known.retryable, message: `${known.hint}${detail}` };
	}
	// web-llm wraps a failed fetch in a plain Error ("Failed to store <url> with error: TypeError: Failed to fetch").
	const message = err instanceof Error ? err.message : '';
	if (/Failed to fetch|NetworkError|Load failed/i.test(message))
		return { code: 'network', retryable: true, message: `Could not download the model files (${message}). Check the connection and try again.` };
	return toLumenError(err, fallback).toData();
}

/** The part of MLCEngine we call. The worker passes the real engine; tests pass a fake. */
export type WebllmEngineLike = {
	reload(modelId: string): Promise<void>;
	unload(): Promise<void>;
	interruptGenerate(): void | Promise<void>;
	chat: { completions: { create(request: ReturnType<typeof toWebllmRequest>): Promise<AsyncIterable<WebllmChunk>> } };
};

/** Streams one chat as our chunks; aborting the signal interrupts web-llm's generation. */
export async function* streamWebllm(engine: WebllmEngineLike, request: ChatCompletionRequest, signal?: AbortSignal): AsyncGenerator<ChatCompletionChunk> {
	const interrupt = () => void Promise.resolve(engine.interruptGenerate()).catch(() => undefined);
	signal?.addEventListener('abort', interrupt, { once: true });
	try {
		const stream = await engine.chat.completions.create(toWebllmRequest(request));
		for await (const chunk of stream) {
			if (signal?.aborted) return;
			yield mapChunk(chunk, request.model);
		}
	} catch (err) {
		throw LumenError.fromData(mapError(err, 'generation_failed'));
	} finally {
		signal?.removeEventListener('abort', interrupt);
	}
}
