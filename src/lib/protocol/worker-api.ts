// The API a browser Web Worker exposes through comlink. Both runtimes (Transformers.js, web-llm)
// implement it, and WorkerEngine on the page side speaks only this.
import { z } from 'zod';
import type { ChatCompletionRequest, EmbeddingRequest } from './openai';
import type { EmbeddingResponse } from './embeddings';
import type { LumenErrorData } from './errors';

export const DeviceSchema = z.enum(['webgpu', 'wasm']);
export type Device = z.infer<typeof DeviceSchema>;

export const DtypeSchema = z.enum(['fp32', 'fp16', 'q8', 'q4', 'q4f16']);
export type Dtype = z.infer<typeof DtypeSchema>;

/** Everything a worker needs to load one model: where its files live and how to run it. */
export const WorkerLoadSpecSchema = z.object({
	modelId: z.string(),
	/** Repository id as the host knows it, e.g. `onnx-community/Qwen2.5-0.5B-Instruct` or `lumen-tiny-a`. */
	repo: z.string(),
	/** Base URL of a Hugging Face-style host, ending in `/`. */
	host: z.string(),
	/** Path template below the host, e.g. `{model}/resolve/{revision}/` or `{model}/`. */
	pathTemplate: z.string(),
	revision: z.string().default('main'),
	device: DeviceSchema,
	dtype: DtypeSchema,
	/** Where ONNX Runtime's .wasm and .mjs files are served from (this app's own origin). */
	wasmBase: z.string(),
	numThreads: z.number().int().positive().optional()
});
export type WorkerLoadSpec = z.infer<typeof WorkerLoadSpecSchema>;

export type LoadProgress = {
	/** `download`: bytes from the network; `cache`: bytes read back from IndexedDB; `init`: building the session. */
	phase: 'download' | 'cache' | 'init';
	file?: string;
	loaded: number;
	total: number;
};

export type LoadResult = {
	modelId: string;
	device: Device;
	dtype: Dtype;
	/** Bytes of model files that came from the network during this load (0 when fully cached). */
	networkBytes: number;
	cachedBytes: number;
	loadMs: number;
	/** Set when the model loaded but could not be saved for next time (e.g. the disk is full). */
	cacheWarning?: LumenErrorData;
};

/**
 * How the Transformers.js worker turns one chat into a prompt (web-llm formats its own): a named template
 * from the registry instead of the model's own (absent: the model's own, or the one its id matches when it
 * has none), and a system message that replaces the conversation's (empty: none, not even a default).
 */
export const ChatFormatChoiceSchema = z.object({
	chatTemplate: z.string().trim().min(1).optional(),
	systemMessage: z.string().optional()
});
export type ChatFormatChoice = z.infer<typeof ChatFormatChoiceSchema>;

/** One item of the stream a worker hands back for a chat request. */
export type WorkerStreamItem =
	| { type: 'chunk'; chunk: import('./openai').ChatCompletionChunk }
	| { type: 'error'; error: LumenErrorData };

export interface BrowserWorkerApi {
	load(spec: WorkerLoadSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadResult>;
	/** Streams chunks through a transferred ReadableStream: no round trip per token. Cancelling the stream interrupts generation. */
	chat(request: ChatCompletionRequest, format?: ChatFormatChoice): Promise<ReadableStream<WorkerStreamItem>>;
	/** Embeds with the loaded model; a runtime or model that cannot throws a LumenErrorData saying so. `interrupt()` stops it between inputs. */
	embed(request: EmbeddingRequest): Promise<EmbeddingResponse>;
	interrupt(): void;
	unload(): Promise<void>;
}
