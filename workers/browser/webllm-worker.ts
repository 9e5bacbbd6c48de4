// Web Worker running @mlc-ai/web-llm's MLCEngine (WebGPU only), exposed with comlink as the same
// BrowserWorkerApi as the Transformers.js worker. web-llm is imported lazily; its weights go to IndexedDB.
import * as Comlink from 'comlink';
import type * as WebLLM from '@mlc-ai/web-llm';
import { LumenError, errorText } from '#protocol/errors';
import type { ChatCompletionRequest } from '#protocol/openai';
import { WorkerLoadSpecSchema, type BrowserWorkerApi, type LoadProgress, type LoadResult } from '#protocol/worker-api';
import { mapError, mapInitProgress, streamWebllm } from '$lib/engine/webllm-adapter';
import { transferChunks } from './chunk-stream';
import { webllmModels } from '#catalog/webllm';

let webllmModule: Promise<typeof WebLLM> | null = null;
const loadWebllm = () => (webllmModule ??= import('@mlc-ai/web-llm'));

let engine: WebLLM.MLCEngine | null = null;
let loadedId: string | null = null;
let current: AbortController | null = null;
/** Where web-llm's init progress goes during the load in flight (web-llm takes one callback per engine). */
let progressSink: ((report: WebLLM.InitProgressReport) => void) | null = null;

async function getEngine(): Promise<WebLLM.MLCEngine> {
	if (engine) return engine;
	const webllm = await loadWebllm();
	engine = new webllm.MLCEngine({
		// web-llm's own IndexedDB cache (not the Cache API): same storage, quota and persistence as our other weights.
		appConfig: { ...webllm.prebuiltAppConfig, cacheBackend: 'indexeddb' },
		initProgressCallback: (report) => progressSink?.(report)
	});
	return engine;
}

const api: BrowserWorkerApi = {
	async load(rawSpec, onProgress) {
		const spec = WorkerLoadSpecSchema.parse(rawSpec);
		const started = performance.now();
		if (loadedId === spec.modelId) {
			return { modelId: spec.modelId, device: 'webgpu', dtype: spec.dtype, networkBytes: 0, cachedBytes: 0, loadMs: 0 };
		}
		const totalHint = webllmModels.find((m) => m.id === spec.modelId)?.vramBytes ?? 0;
		let last: LoadProgress | null = null;
		let sawDownload = false;
		progressSink = (report) => {
			last = mapInitProgress(report, totalHint);
			if (last.phase === 'download') sawDownload = true;
			onProgress?.(last);
		};
		try {
			const mlc = await getEngine();
			loadedId = null;
			await mlc.reload(spec.modelId);
			loadedId = spec.modelId;
			const bytes = (last as LoadProgress | null)?.loaded ?? 0;
			return {
				modelId: spec.modelId,
				device: 'webgpu',
				dtype: spec.dtype,
				networkBytes: sawDownload ? bytes : 0,
				cachedBytes: sawDownload ? 0 : bytes,
				loadMs: performance.now() - started
			} satisfies LoadResult;
		} catch (err) {
			throw mapError(err, 'model_load_failed');
		} finally {
			progressSink = null;
		}
	},

	async chat(request: ChatCompletionRequest) {
		if (!engine || !loadedId) throw new LumenError('model_not_found', 'No model is loaded in this worker. Load a model first.', true, { i18n: errorText('error.text.noModel', { action: 'none' }) }).toData();
		current?.abort();
		const controller = new AbortController();
		current = controller;
		return transferChunks(streamWebllm(engine, { ...request, model: loadedId }, controller.signal), controller);
	},

	async embed() {
		// web-llm embeds only with its dedicated embedding models (snowflake-arctic-embed), none of which this app lists.
		throw new LumenError(
			'bad_request',
			`${loadedId ?? 'This web-llm model'} offers no embeddings: web-llm embeds only with its own embedding models, and chat models run here cannot. Use a Transformers.js model or a coordinator for embeddings.`
		).toData();
	},

	interrupt() {
		current?.abort();
		void engine?.interruptGenerate();
	},

	async unload() {
		current?.abort();
		loadedId = null;
		await engine?.unload();
	}
};

Comlink.expose(api);
