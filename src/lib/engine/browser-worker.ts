// Spawns the Transformers.js Web Worker and wraps it for WorkerEngine. The runtime itself is loaded
// lazily inside the worker, so the app shell never pulls ONNX Runtime.
import * as Comlink from 'comlink';
import { base } from '$app/paths';
import { LumenError, errorText } from '$lib/protocol/errors';
import type { BrowserWorkerApi, WorkerLoadSpec } from '$lib/protocol/worker-api';
import type { ServingWorkerApi } from '$lib/serve/serving-worker-api';
import { modelLocation, type CatalogModel } from '$lib/catalog/catalog';
import type { WorkerHandle } from './worker-engine';
import type { Route } from './router';

export function spawnTransformersWorker(): WorkerHandle {
	// The URL must stay a literal `new URL(…, import.meta.url)` inside `new Worker` for Vite to bundle it.
	const worker = new Worker(new URL('../../../workers/browser/transformers-worker.ts', import.meta.url), {
		type: 'module',
		name: 'lumen-transformers'
	});
	// This worker can also serve its model to a coordinator (WorkerEngine.serve).
	return wrapWorker<BrowserWorkerApi & ServingWorkerApi>(worker, 'model worker');
}

/** Wraps a started worker for WorkerEngine: its comlink API, terminate, and a promise that says when it died. */
export function wrapWorker<Api extends BrowserWorkerApi = BrowserWorkerApi>(worker: Worker, label: string): WorkerHandle {
	const api = Comlink.wrap<Api>(worker);
	const crashed = new Promise<LumenError>((resolve) => {
		const fail = (what: string) =>
			resolve(new LumenError('worker_crashed', `The ${label} stopped (${what}). Load the model again to continue.`, true, { i18n: errorText('error.text.workerCrashed') }));
		worker.addEventListener('error', (e) => fail(e.message || 'unexpected error'));
		worker.addEventListener('messageerror', () => fail('a message could not be read'));
	});
	return {
		api,
		crashed,
		terminate() {
			api[Comlink.releaseProxy]();
			worker.terminate();
		}
	};
}

export function loadSpec(model: CatalogModel, route: Route, numThreads?: number): WorkerLoadSpec {
	const origin = typeof location === 'undefined' ? '' : location.origin;
	const { host, pathTemplate } = modelLocation(model, `${origin}${base}`);
	return {
		modelId: model.id,
		repo: model.source.repo,
		host,
		pathTemplate,
		revision: model.source.revision,
		device: route.device,
		dtype: route.dtype,
		wasmBase: `${origin}${base}/ort/`,
		numThreads
	};
}
