// Downloading a model = loading it through a WorkerEngine in a worker of its own, then unloading it,
// so files land in the IndexedDB cache exactly as chat puts them there. Cancel ends that worker;
// any outcome but success sweeps the chunks the download left, so nothing half-stored wastes space.
import type { CatalogModel } from '$lib/catalog/catalog';
import { WorkerEngine, type SpecFor, type WorkerHandle } from '$lib/engine/worker-engine';
import { LumenError, toLumenError } from '$lib/protocol/errors';
import type { LoadProgress } from '$lib/protocol/worker-api';
import { chunkKeysOf } from '$lib/storage/weight-manifest';
import { defaultWeightStores, getManifest, type Manifest, type WeightStores } from '$lib/storage';

/**
 * Deletes every chunk of `modelId` that its manifest does not list (all of them when it has none):
 * what a cancelled, crashed or failed download leaves behind. Returns how many chunks were deleted.
 * Only call it when no download of this model is running, or that download loses its chunks.
 */
export async function sweepOrphanChunks(modelId: string, stores: WeightStores = defaultWeightStores): Promise<number> {
	const manifest = await getManifest(modelId, stores);
	const live = new Set(manifest?.files.flatMap((f) => chunkKeysOf(modelId, f)) ?? []);
	const prefix = `${modelId}\u0000`;
	const orphans = (await stores.chunks.keys()).filter((k) => k.startsWith(prefix) && !live.has(k));
	if (orphans.length > 0) await stores.chunks.delMany(orphans);
	return orphans.length;
}

export type DownloadOptions = {
	spawn: () => WorkerHandle;
	specFor: SpecFor;
	onProgress?: (p: LoadProgress) => void;
	signal?: AbortSignal;
	stores?: WeightStores;
	/** The runtime keeps its own cache (web-llm): no manifest of ours to check and no chunks of ours to sweep. */
	runtimeCache?: boolean;
};

/** Resolves with the stored manifest (null for a runtime with its own cache); rejects with a LumenError (`download_cancelled`, `quota_exceeded`, …). */
export async function downloadModel(model: CatalogModel, options: DownloadOptions): Promise<Manifest | null> {
	const stores = options.stores ?? defaultWeightStores;
	const engine = new WorkerEngine(options.spawn, options.specFor);
	try {
		const result = await engine.load(model, { onProgress: options.onProgress, signal: options.signal });
		// The model ran but its files could not be kept (typically a full disk): for a download that is a failure.
		if (result.cacheWarning) throw LumenError.fromData(result.cacheWarning);
		await engine.unload();
		if (options.runtimeCache) return null;
		const manifest = await getManifest(model.id, stores);
		if (!manifest) throw new LumenError('storage_failed', `${model.name} loaded, but no cached copy was recorded.`, true);
		return manifest;
	} catch (err) {
		engine.terminate(); // a dead worker writes nothing more, so the sweep below cannot race it
		if (!options.runtimeCache) await sweepOrphanChunks(model.id, stores).catch(() => 0);
		throw toLumenError(err, 'download_failed');
	} finally {
		engine.terminate();
	}
}

/** Browser storage as the page reports it. */
export type StorageInfo = { usage: number | null; quota: number | null; persisted: boolean | null };

export async function storageInfo(storage: StorageManager | undefined = globalThis.navigator?.storage): Promise<StorageInfo> {
	try {
		const est = await storage?.estimate();
		const persisted = (await storage?.persisted?.()) ?? null;
		return { usage: est?.usage ?? null, quota: est?.quota ?? null, persisted };
	} catch {
		return { usage: null, quota: null, persisted: null };
	}
}

/** Asks the browser to keep our data under storage pressure. Headless and many browsers answer false without asking. */
export async function requestPersistence(storage: StorageManager | undefined = globalThis.navigator?.storage): Promise<boolean> {
	return (await storage?.persist?.()) ?? false;
}
