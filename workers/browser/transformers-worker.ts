// Web Worker running Transformers.js (ONNX Runtime Web on WebGPU or WASM), exposed with comlink.
// Model files go through our IndexedDB cache (never the Cache API); a model is marked cached only
// after every file arrived and the session was built. It can also serve its model to a coordinator
// (./serving.ts): the person's own chats and embeddings then wait in the same queue as served requests.
import * as Comlink from 'comlink';
import type * as TF from '@huggingface/transformers';
import { LumenError, errorText, toLumenError, type LumenErrorData } from '#protocol/errors';
import type { ChatCompletionRequest, EmbeddingRequest } from '#protocol/openai';
import {
	ChatFormatChoiceSchema,
	WorkerLoadSpecSchema,
	type BrowserWorkerApi,
	type LoadProgress,
	type LoadResult,
	type WorkerLoadSpec
} from '#protocol/worker-api';
import type { ServingWorkerApi } from '#serve/serving-worker-api';
import { openModelCache } from '$lib/storage/weight-cache';
import { findModel } from '#catalog/catalog';
import { isOfflineFetchError, offlineModelError } from '$lib/pwa/offline-error';
import { chatPromptIds, streamChat, type LoadedTextModel } from '../runtime/transformers-chat';
import { embedRequest } from '../runtime/transformers-embed';
import { chatFormat, type ChatFormat } from '../runtime/transformers-chat-prompt';
import { transferChunks } from './chunk-stream';
import { ProgressTracker } from './progress-tracker';
import { WorkerServing } from './serving';

let tfModule: Promise<typeof TF> | null = null;
const loadTransformers = () => (tfModule ??= import('@huggingface/transformers'));

let loaded: (LoadedTextModel & { spec: WorkerLoadSpec }) | null = null;
let current: AbortController | null = null;
/** Separate from `current`: starting a chat must not stop an embedding, nor the other way round. */
let embedding: AbortController | null = null;
const serving = new WorkerServing();

const api: BrowserWorkerApi & ServingWorkerApi = {
	async load(rawSpec, onProgress) {
		const spec = WorkerLoadSpecSchema.parse(rawSpec);
		const started = performance.now();
		if (loaded && loaded.spec.modelId === spec.modelId && loaded.spec.device === spec.device && loaded.spec.dtype === spec.dtype) {
			return { modelId: spec.modelId, device: spec.device, dtype: spec.dtype, networkBytes: 0, cachedBytes: 0, loadMs: 0 };
		}
		await api.unload();
		const tf = await loadTransformers();
		configureEnv(tf, spec);
		const cache = openModelCache(spec.modelId);
		tf.env.useCustomCache = true;
		tf.env.customCache = cache;
		const tracker = new ProgressTracker((p: LoadProgress) => onProgress?.(p), () => cache.stats.bytesWritten === 0 && cache.stats.bytesFromCache > 0);
		const options = {
			device: spec.device,
			dtype: spec.dtype,
			revision: spec.revision,
			progress_callback: (info: TF.ProgressInfo) => tracker.update(info)
		};
		try {
			const tokenizer = await tf.AutoTokenizer.from_pretrained(spec.repo, options);
			const model = await tf.AutoModelForCausalLM.from_pretrained(spec.repo, options);
			yieldBeforeEachStep(model);
			onProgress?.({ phase: 'init', loaded: tracker.loaded, total: tracker.total });
			// Transformers.js swallows errors from cache.put, so commit is where a full disk shows up.
			// The model still runs from memory; the person is told it was not saved.
			let cacheWarning: LumenErrorData | undefined;
			try {
				await cache.commit();
			} catch (err) {
				await cache.abort().catch(() => undefined);
				cacheWarning = toLumenError(err, 'storage_failed').toData();
			}
			const genConfig = (model as unknown as { generation_config?: { max_new_tokens?: number | null } }).generation_config;
			loaded = { tf, tokenizer, model, modelId: spec.modelId, defaultMaxTokens: genConfig?.max_new_tokens ?? 512, spec };
			const stats = cache.stats;
			return {
				modelId: spec.modelId,
				device: spec.device,
				dtype: spec.dtype,
				networkBytes: stats.bytesWritten + (cacheWarning ? tracker.total : 0),
				cachedBytes: stats.bytesFromCache,
				loadMs: performance.now() - started,
				cacheWarning
			} satisfies LoadResult;
		} catch (err) {
			await cache.abort().catch(() => undefined);
			// A file that is neither in IndexedDB nor reachable: say it is about being offline, not a bug.
			const e = isOfflineFetchError(err) ? offlineModelError(findModel(spec.modelId)?.name ?? spec.modelId) : toLumenError(err, 'model_load_failed');
			throw e.toData();
		}
	},

	async chat(request: ChatCompletionRequest, choice) {
		if (!loaded) throw new LumenError('model_not_found', 'No model is loaded in this worker. Load a model first.', true, { i18n: errorText('error.text.noModel', { action: 'none' }) }).toData();
		let prompt: number[];
		let format: ChatFormat;
		try {
			// Checked here, not in the stream, so an unknown template or a prompt too long for the context fails chat() itself.
			// Matched by repository id, as FastChat matches a model path (`onnx-community/Qwen2.5-0.5B-Instruct`).
			format = chatFormat({ modelId: loaded.spec.repo, tokenizer: loaded.tokenizer }, ChatFormatChoiceSchema.parse(choice ?? {}));
			prompt = chatPromptIds(loaded, request, format);
		} catch (err) {
			throw toLumenError(err, 'generation_failed').toData();
		}
		// A new chat of the person's replaces their previous one; served requests are not theirs to stop.
		current?.abort();
		const controller = new AbortController();
		current = controller;
		const model = loaded;
		return transferChunks(
			serving.queue.stream(controller.signal, (signal) => streamChat(model, request, signal, prompt, format)),
			controller
		);
	},

	async embed(request: EmbeddingRequest) {
		if (!loaded) throw new LumenError('model_not_found', 'No model is loaded in this worker. Load a model first.', true, { i18n: errorText('error.text.noModel', { action: 'none' }) }).toData();
		const controller = new AbortController();
		embedding = controller;
		const model = loaded;
		try {
			return await serving.queue.run(controller.signal, (signal) => embedRequest(model, request, signal));
		} catch (err) {
			throw toLumenError(err, 'generation_failed').toData();
		} finally {
			if (embedding === controller) embedding = null;
		}
	},

	interrupt() {
		current?.abort();
		embedding?.abort();
	},

	async serve(request, onStatus) {
		try {
			return await serving.start(loaded, request, onStatus);
		} catch (err) {
			throw toLumenError(err, 'internal').toData();
		}
	},

	async stopServing() {
		await serving.stop();
	},

	async unload() {
		// Serving ends with the model it served.
		await serving.stop();
		current?.abort();
		embedding?.abort();
		const old = loaded;
		loaded = null;
		await old?.model.dispose();
	}
};

/**
 * ONNX Runtime Web's run() resolves through microtasks only, so without this a whole generation
 * would run as one task: no stream pull or interrupt message could be handled until it ended.
 * A MessageChannel round trip is a real macrotask without setTimeout's 4 ms clamp.
 */
function yieldBeforeEachStep(model: TF.PreTrainedModel) {
	const channel = new MessageChannel();
	const waiting: (() => void)[] = [];
	channel.port1.onmessage = () => waiting.shift()?.();
	const macrotask = () =>
		new Promise<void>((resolve) => {
			waiting.push(resolve);
			channel.port2.postMessage(null);
		});
	// Yield at most every 8 ms: often enough for smooth streaming and a prompt Stop, rarely enough
	// that the round trip (~0.5 ms) costs a few percent of decode speed, not one step in seven.
	const forward = model.forward.bind(model);
	let lastYield = performance.now();
	model.forward = async (inputs: Record<string, unknown>) => {
		if (performance.now() - lastYield >= 8) {
			await macrotask();
			lastYield = performance.now();
		}
		return forward(inputs);
	};
}

function configureEnv(tf: typeof TF, spec: WorkerLoadSpec) {
	const { env } = tf;
	env.allowLocalModels = false;
	env.allowRemoteModels = true;
	env.remoteHost = spec.host;
	env.remotePathTemplate = spec.pathTemplate;
	env.useBrowserCache = false;
	// ONNX Runtime's own files come from this app's origin (the service worker caches them), never a CDN.
	env.useWasmCache = false;
	const wasm = env.backends.onnx.wasm;
	if (wasm) {
		// The asyncify build is what WebGPU needs; the plain build is faster on the CPU alone.
		const flavour = spec.device === 'webgpu' ? 'ort-wasm-simd-threaded.asyncify' : 'ort-wasm-simd-threaded';
		wasm.wasmPaths = { mjs: `${spec.wasmBase}${flavour}.mjs`, wasm: `${spec.wasmBase}${flavour}.wasm` };
		if (spec.numThreads) wasm.numThreads = spec.numThreads;
	}
}

Comlink.expose(api);
