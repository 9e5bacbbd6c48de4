// Spawns the web-llm Web Worker for WorkerEngine, and the load spec it needs. web-llm itself is
// imported lazily inside the worker, so nothing here pulls the runtime into the app shell.
import type { WorkerLoadSpec } from '$lib/protocol/worker-api';
import { wrapWorker } from './browser-worker';
import type { CatalogModel } from '$lib/catalog/catalog';
import type { WorkerHandle } from './worker-engine';

export function spawnWebllmWorker(): WorkerHandle {
	const worker = new Worker(new URL('../../../workers/browser/webllm-worker.ts', import.meta.url), { type: 'module', name: 'lumen-webllm' });
	return wrapWorker(worker, 'web-llm worker');
}

/** web-llm finds files and model library by model id in its prebuilt list; host and wasm paths are unused. */
export function webllmLoadSpec(model: CatalogModel): WorkerLoadSpec {
	return {
		modelId: model.id,
		repo: model.source.repo,
		host: 'https://huggingface.co/',
		pathTemplate: '{model}/resolve/{revision}/',
		revision: model.source.revision,
		device: 'webgpu',
		dtype: model.defaultDtype,
		wasmBase: ''
	};
}
