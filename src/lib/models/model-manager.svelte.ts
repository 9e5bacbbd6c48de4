// State of the model manager page: capabilities, what is cached, running downloads, verify results
// and the storage estimate. Invariant: a model shows as cached only when its manifest exists.
import { catalog, type CatalogModel } from '$lib/catalog/catalog';
import { detectCapabilities, type Capabilities } from '$lib/engine/capabilities';
import { loadSpec, spawnTransformersWorker } from '$lib/engine/browser-worker';
import { spawnWebllmWorker, webllmLoadSpec } from '$lib/engine/webllm-worker-handle';
import { isWebllmModel, webllmModels } from '$lib/catalog/webllm';
import { routeModel } from '$lib/engine/router';
import { toLumenError, type LumenErrorData } from '$lib/protocol/errors';
import type { LoadProgress } from '$lib/protocol/worker-api';
import { deleteCachedModel, listCachedModels, verifyCachedModel, type Manifest, type VerifyResult } from '$lib/storage';
import { downloadModel, requestPersistence, storageInfo, sweepOrphanChunks, type StorageInfo } from './download';
import { fitFor, type Fit } from '$lib/engine/fit';

export class ModelManager {
	readonly models: CatalogModel[] = catalog.filter((m) => m.runtime === 'transformers');
	readonly webllmModels: CatalogModel[] = webllmModels;
	caps = $state<Capabilities | null>(null);
	storage = $state<StorageInfo | null>(null);
	persistAnswer = $state<boolean | null>(null);
	manifests = $state<Record<string, Manifest>>({});
	downloads = $state<Record<string, LoadProgress>>({});
	errors = $state<Record<string, LumenErrorData>>({});
	verifies = $state<Record<string, VerifyResult | 'running'>>({});
	/** web-llm models fetched in this session: they live in web-llm's own cache, which has no manifests of ours. */
	inRuntimeCache = $state<Record<string, true>>({});
	/** Not reactive: the UI follows `downloads`; this only lets Cancel reach a running download. */
	private controllers: Record<string, AbortController | undefined> = {};

	async init(): Promise<void> {
		const [caps] = await Promise.all([detectCapabilities(), this.refresh()]);
		this.caps = caps;
	}

	async refresh(): Promise<void> {
		const [cached, storage] = await Promise.all([listCachedModels().catch(() => []), storageInfo()]);
		this.manifests = Object.fromEntries(cached.map((m) => [m.modelId, m]));
		this.storage = storage;
		// Fits verdicts judge free space against the latest estimate, not the one taken at start.
		if (this.caps) this.caps = { ...this.caps, storageQuotaBytes: storage.quota, storageUsageBytes: storage.usage };
	}

	fit(model: CatalogModel): Fit | null {
		return this.caps ? fitFor(model, this.caps, this.manifests[model.id]?.totalBytes ?? 0) : null;
	}

	async download(model: CatalogModel): Promise<void> {
		if (this.controllers[model.id] || !this.caps) return;
		const caps = this.caps;
		const controller = new AbortController();
		this.controllers[model.id] = controller;
		delete this.errors[model.id];
		delete this.verifies[model.id];
		this.downloads[model.id] = { phase: 'download', loaded: 0, total: fitFor(model, caps).sizeBytes };
		const webllm = isWebllmModel(model);
		try {
			await downloadModel(model, {
				spawn: webllm ? spawnWebllmWorker : spawnTransformersWorker,
				// One thread: a download spends its time on the network and IndexedDB, not on compute.
				specFor: (m) => (webllm ? webllmLoadSpec(m) : loadSpec(m, routeModel(m, caps), 1)),
				runtimeCache: webllm,
				signal: controller.signal,
				onProgress: (p) => {
					if (this.controllers[model.id] === controller) this.downloads[model.id] = p;
				}
			});
			if (webllm) this.inRuntimeCache[model.id] = true;
		} catch (err) {
			const e = toLumenError(err, 'download_failed');
			if (e.code !== 'download_cancelled') this.errors[model.id] = e.toData();
		} finally {
			delete this.controllers[model.id];
			delete this.downloads[model.id];
			await this.refresh();
		}
	}

	/** Ends the download's worker; downloadModel then sweeps the chunks it had stored. */
	cancel(id: string): void {
		this.controllers[id]?.abort();
	}

	async remove(id: string): Promise<void> {
		this.cancel(id);
		try {
			await deleteCachedModel(id);
			await sweepOrphanChunks(id);
		} catch (err) {
			this.errors[id] = toLumenError(err, 'storage_failed').toData();
		}
		delete this.verifies[id];
		await this.refresh();
	}

	async verify(id: string): Promise<void> {
		this.verifies[id] = 'running';
		try {
			this.verifies[id] = await verifyCachedModel(id);
		} catch (err) {
			delete this.verifies[id];
			this.errors[id] = toLumenError(err, 'storage_failed').toData();
		}
	}

	async persist(): Promise<void> {
		this.persistAnswer = await requestPersistence().catch(() => false);
		this.storage = await storageInfo();
	}
}
