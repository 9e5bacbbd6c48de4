import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openModelCache } from './weight-cache';
import { deleteCachedModel, getManifest, listCachedModels, verifyCachedModel, type Manifest } from './weight-manifest';
import { bytes, fileResponse, freshWeightStores } from './test-utils';
import type { WeightStores } from './weight-manifest';

const URL_A = 'https://example.test/a.onnx';
const URL_B = 'https://example.test/b.json';

async function cacheModel(stores: WeightStores, modelId: string, size = 10): Promise<Manifest | undefined> {
	const cache = openModelCache(modelId, { stores, chunkBytes: 4 });
	await cache.put(`${URL_A}?${modelId}`, fileResponse(bytes(size)));
	await cache.put(`${URL_B}?${modelId}`, fileResponse(new TextEncoder().encode('abc')));
	return cache.commit();
}

describe('weight manifests', () => {
	it('lists cached models newest first and skips unreadable manifests', async () => {
		const stores = freshWeightStores();
		await cacheModel(stores, 'org/old');
		await new Promise((r) => setTimeout(r, 5));
		await cacheModel(stores, 'org/new');
		await stores.manifests.set('org/broken', { version: 1, modelId: 'org/broken', complete: false });
		await stores.manifests.set('org/future', { version: 2, modelId: 'org/future', complete: true, files: [] });

		const models = await listCachedModels(stores);
		expect(models.map((m) => m.modelId)).toEqual(['org/new', 'org/old']);
		expect(models[0]).toMatchObject({ version: 1, complete: true, totalBytes: 13 });
	});

	it('getManifest treats an incomplete or mismatched manifest as not cached', async () => {
		const stores = freshWeightStores();
		const manifest = await cacheModel(stores, 'org/a');
		await stores.manifests.set('org/b', { ...manifest, modelId: 'org/a' });
		await stores.manifests.set('org/c', { ...manifest, modelId: 'org/c', complete: false });
		expect(await getManifest('org/a', stores)).toEqual(manifest);
		expect(await getManifest('org/b', stores)).toBeUndefined();
		expect(await getManifest('org/c', stores)).toBeUndefined();
	});

	it('deleteCachedModel removes the manifest, its chunks and orphaned chunks, and nothing else', async () => {
		const stores = freshWeightStores();
		await cacheModel(stores, 'org/doomed');
		await cacheModel(stores, 'org/kept');
		const orphan = openModelCache('org/doomed', { stores, chunkBytes: 4 });
		await orphan.put('https://example.test/never-committed', fileResponse(bytes(8))); // like a crashed tab

		await deleteCachedModel('org/doomed', stores);
		expect(await getManifest('org/doomed', stores)).toBeUndefined();
		const left = await stores.chunks.keys();
		expect(left.some((k) => k.startsWith('org/doomed\u0000'))).toBe(false);
		expect(left).toHaveLength(4);
		expect((await verifyCachedModel('org/kept', {}, stores)).ok).toBe(true);
	});

	it('verifyCachedModel passes for an intact model and reports not cached for an unknown one', async () => {
		const stores = freshWeightStores();
		await cacheModel(stores, 'org/a');
		expect(await verifyCachedModel('org/a', {}, stores)).toMatchObject({ cached: true, ok: true });
		expect(await verifyCachedModel('org/none', {}, stores)).toEqual({
			modelId: 'org/none',
			cached: false,
			ok: false,
			files: []
		});
	});

	it('verifyCachedModel with hash computes SHA-256 and fails on a recorded mismatch', async () => {
		const stores = freshWeightStores();
		const manifest = await cacheModel(stores, 'org/a');
		const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
		const hashed = await verifyCachedModel('org/a', { hash: true }, stores);
		expect(hashed.files.find((f) => f.url.startsWith(URL_B))?.sha256).toBe(abc);
		expect(hashed.ok).toBe(true);

		const wrong = '0'.repeat(64);
		await stores.manifests.set('org/a', {
			...manifest,
			files: manifest!.files.map((f) => (f.url.startsWith(URL_B) ? { ...f, sha256: wrong } : f))
		});
		const result = await verifyCachedModel('org/a', { hash: true }, stores);
		expect(result.ok).toBe(false);
		expect(result.files.find((f) => f.url.startsWith(URL_B))?.reason).toBe('SHA-256 mismatch');
	});

	it('surfaces a broken database as a storage_failed LumenError', async () => {
		const stores = freshWeightStores();
		const manifests = { ...stores.manifests, entries: () => Promise.reject(new Error('database closed')) };
		await expect(listCachedModels({ ...stores, manifests })).rejects.toMatchObject({ code: 'storage_failed' });
	});

	it('verifyCachedModel fails when totalBytes disagrees with the files', async () => {
		const stores = freshWeightStores();
		const manifest = await cacheModel(stores, 'org/a');
		await stores.manifests.set('org/a', { ...manifest, totalBytes: 999 });
		expect((await verifyCachedModel('org/a', {}, stores)).ok).toBe(false);
	});
});
