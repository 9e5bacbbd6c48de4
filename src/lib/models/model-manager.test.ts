import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { findModel } from '$lib/catalog/catalog';
import type { WorkerHandle } from '$lib/engine/worker-engine';
import type { LoadResult, WorkerLoadSpec } from '$lib/protocol/worker-api';
import { openModelCache } from '$lib/storage/weight-cache';
import { getManifest } from '$lib/storage/weight-manifest';
import { bytes, failingStore, fileResponse, freshWeightStores } from '$lib/storage/test-utils';
import type { WeightStores } from '$lib/storage';
import { downloadModel, sweepOrphanChunks } from './download';
import { verifyBeforeUse } from './verify';

const tiny = findModel('lumen-tiny-b')!;

async function cacheFile(stores: WeightStores, modelId: string, url: string, commit: boolean) {
	const cache = openModelCache(modelId, { stores, chunkBytes: 4 });
	await cache.put(url, fileResponse(bytes(10)));
	if (commit) await cache.commit();
}

describe('sweepOrphanChunks', () => {
	it('deletes chunks no manifest lists and keeps committed ones and other models', async () => {
		const stores = freshWeightStores();
		await cacheFile(stores, 'm', 'https://x/a', true);
		await cacheFile(stores, 'm', 'https://x/b', false); // an interrupted download: 3 chunks, no manifest entry
		await cacheFile(stores, 'm2', 'https://x/a', false);
		await cacheFile(stores, 'mm', 'https://x/a', false); // shares a prefix with "m" but not the NUL separator
		expect(await sweepOrphanChunks('m', stores)).toBe(3);
		const left = await stores.chunks.keys();
		expect(left.filter((k) => k.startsWith('m\u0000'))).toHaveLength(3);
		expect(left.filter((k) => !k.startsWith('m\u0000'))).toHaveLength(6);
		expect((await getManifest('m', stores))?.files).toHaveLength(1);
		expect(await sweepOrphanChunks('m2', stores)).toBe(3);
	});
});

/** A worker stand-in whose load writes chunks like the real one, then waits `holdMs` before committing. */
function fakeDownloadWorker(stores: WeightStores, opts: { holdMs?: number; failWith?: unknown } = {}) {
	const state = { terminated: 0, unloaded: 0 };
	const spawn = (): WorkerHandle => {
		let dead = false;
		return {
			crashed: new Promise(() => undefined),
			terminate: () => {
				dead = true;
				state.terminated++;
			},
			api: {
				async load(spec: WorkerLoadSpec, onProgress) {
					const cache = openModelCache(spec.modelId, { stores, chunkBytes: 4 });
					await cache.put('https://x/weights', fileResponse(bytes(12)), (p) => onProgress?.({ phase: 'download', loaded: p.loaded, total: p.total }));
					await new Promise((r) => setTimeout(r, opts.holdMs ?? 0));
					if (dead) return new Promise<LoadResult>(() => undefined); // a terminated worker never answers
					if (opts.failWith) throw opts.failWith;
					await cache.commit();
					return { modelId: spec.modelId, device: 'wasm', dtype: 'fp32', networkBytes: 12, cachedBytes: 0, loadMs: 1 };
				},
				chat: async () => new ReadableStream(),
				embed: async () => ({}) as never,
				interrupt: () => undefined,
				unload: async () => void state.unloaded++
			}
		};
	};
	const specFor = (): WorkerLoadSpec => ({ modelId: tiny.id, repo: tiny.id, host: 'http://x/', pathTemplate: '{model}/', revision: 'main', device: 'wasm', dtype: 'fp32', wasmBase: 'http://x/' });
	return { spawn, specFor, state };
}

describe('downloadModel', () => {
	it('loads, reports progress, unloads, ends its worker and returns the manifest', async () => {
		const stores = freshWeightStores();
		const fake = fakeDownloadWorker(stores);
		const seen: number[] = [];
		const manifest = await downloadModel(tiny, { ...fake, stores, onProgress: (p) => seen.push(p.loaded) });
		expect(manifest?.totalBytes).toBe(12);
		expect(seen).toEqual([4, 8, 12]);
		expect(fake.state).toEqual({ terminated: 1, unloaded: 1 });
	});

	it('cancel ends the worker, leaves nothing cached and sweeps its chunks', async () => {
		const stores = freshWeightStores();
		const fake = fakeDownloadWorker(stores, { holdMs: 200 });
		const controller = new AbortController();
		const run = downloadModel(tiny, { ...fake, stores, signal: controller.signal, onProgress: (p) => p.loaded === 12 && controller.abort() });
		await expect(run).rejects.toMatchObject({ code: 'download_cancelled' });
		expect(fake.state.terminated).toBeGreaterThan(0);
		expect(await getManifest(tiny.id, stores)).toBeUndefined();
		expect(await stores.chunks.keys()).toEqual([]);
	});

	it('a full disk becomes quota_exceeded with a message that says what to do, and nothing stays behind', async () => {
		const base = freshWeightStores();
		const stores = { ...base, chunks: failingStore(base.chunks, 2) };
		const fake = fakeDownloadWorker(stores);
		const run = downloadModel(tiny, { ...fake, stores });
		await expect(run).rejects.toMatchObject({ code: 'quota_exceeded', message: expect.stringMatching(/Delete a cached model or free disk space/) });
		expect(await base.chunks.keys()).toEqual([]);
	});
});

describe('verifyBeforeUse', () => {
	it('passes a sound cached model, and deletes a damaged one with its chunks so it downloads again', async () => {
		const stores = freshWeightStores();
		expect(await verifyBeforeUse('m', stores)).toMatchObject({ cached: false, ok: false, removed: false });
		await cacheFile(stores, 'm', 'https://x/a', true);
		expect(await verifyBeforeUse('m', stores)).toMatchObject({ cached: true, ok: true, removed: false });
		const [victim] = (await stores.chunks.keys()).sort();
		await stores.chunks.del(victim);
		const damaged = await verifyBeforeUse('m', stores);
		expect(damaged).toMatchObject({ cached: false, ok: false, removed: true, problem: expect.stringMatching(/https:\/\/x\/a: chunk 1 of 3 is missing/) });
		expect(await getManifest('m', stores)).toBeUndefined();
		expect(await stores.chunks.keys()).toEqual([]);
	});
});
