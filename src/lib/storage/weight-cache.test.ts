import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { LumenError } from '$lib/protocol/errors';
import { openModelCache } from './weight-cache';
import { getManifest, listCachedModels, verifyCachedModel } from './weight-manifest';
import { bodyOf, bytes, failingStore, fileResponse, freshWeightStores } from './test-utils';

const MODEL = 'org/tiny-model';
const URL_A = 'https://huggingface.co/org/tiny-model/resolve/main/onnx/model.onnx';
const URL_B = 'https://huggingface.co/org/tiny-model/resolve/main/config.json';

async function codeOf(promise: Promise<unknown>): Promise<string> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	if (!(err instanceof LumenError)) throw new Error(`expected a LumenError, got ${String(err)}`);
	return err.code;
}

describe('openModelCache', () => {
	it('round-trips a file split over several chunks, byte for byte, with content-length', async () => {
		const stores = freshWeightStores();
		const data = bytes(10);
		const cache = openModelCache(MODEL, { stores, chunkBytes: 4 });
		await cache.put(URL_A, fileResponse(data, 'application/octet-stream'));
		const manifest = await cache.commit();

		expect(manifest?.files).toEqual([expect.objectContaining({ url: URL_A, size: 10, chunks: 3 })]);
		expect(await stores.chunks.keys()).toHaveLength(3);
		const response = await openModelCache(MODEL, { stores }).match(URL_A);
		expect(response?.headers.get('content-length')).toBe('10');
		expect(await bodyOf(response)).toEqual(data);
	});

	it('stores an exact multiple of the chunk size without an empty trailing chunk', async () => {
		const stores = freshWeightStores();
		const cache = openModelCache(MODEL, { stores, chunkBytes: 5 });
		await cache.put(URL_A, fileResponse(bytes(10)));
		expect((await cache.commit())?.files[0].chunks).toBe(2);
		expect(await bodyOf(await cache.match(URL_A))).toEqual(bytes(10));
	});

	it('does not serve or list a model before commit writes its manifest', async () => {
		const stores = freshWeightStores();
		const cache = openModelCache(MODEL, { stores, chunkBytes: 4 });
		await cache.put(URL_A, fileResponse(bytes(9)));

		expect(await cache.match(URL_A)).toBeUndefined();
		expect(await getManifest(MODEL, stores)).toBeUndefined();
		expect(await listCachedModels(stores)).toEqual([]);
		await cache.commit();
		expect(await cache.match(URL_A)).toBeInstanceOf(Response);
	});

	it('misses for keys the manifest does not list, such as the local /models/ path', async () => {
		const stores = freshWeightStores();
		const cache = openModelCache(MODEL, { stores });
		await cache.put(URL_A, fileResponse(bytes(3)));
		await cache.commit();
		expect(await cache.match('/models/org/tiny-model/onnx/model.onnx')).toBeUndefined();
		expect(await openModelCache('org/other', { stores }).match(URL_A)).toBeUndefined();
	});

	it('counts network bytes written and cache bytes served separately, each file once', async () => {
		const stores = freshWeightStores();
		const first = openModelCache(MODEL, { stores, chunkBytes: 4 });
		await first.put(URL_A, fileResponse(bytes(10)));
		await first.put(URL_B, fileResponse(bytes(3)));
		await first.commit();
		expect(first.stats).toMatchObject({ bytesWritten: 13, filesWritten: 2, bytesFromCache: 0 });

		const second = openModelCache(MODEL, { stores });
		await second.match(URL_A);
		await second.match(URL_A);
		expect(second.stats).toMatchObject({ bytesWritten: 0, bytesFromCache: 10, filesFromCache: 1 });
	});

	it('reports put progress after every stored chunk', async () => {
		const progress = vi.fn();
		const cache = openModelCache(MODEL, { stores: freshWeightStores(), chunkBytes: 4 });
		await cache.put(URL_A, fileResponse(bytes(10)), progress);
		expect(progress.mock.calls.map(([p]) => p.loaded)).toEqual([4, 8, 10]);
		expect(progress).toHaveBeenLastCalledWith({ loaded: 10, total: 10, progress: 100 });
	});

	it('throws quota_exceeded on a full disk and leaves no chunk or manifest behind', async () => {
		const stores = freshWeightStores();
		const chunks = failingStore(stores.chunks, 4); // file A takes 3 writes, file B fails on its 2nd
		const cache = openModelCache(MODEL, { stores: { ...stores, chunks }, chunkBytes: 4 });
		await cache.put(URL_A, fileResponse(bytes(10)));

		const err = await cache.put(URL_B, fileResponse(bytes(10))).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(LumenError);
		expect((err as LumenError).code).toBe('quota_exceeded');
		expect((err as LumenError).message).toMatch(/Delete a cached model or free disk space/);
		expect(await stores.chunks.keys()).toEqual([]);
		expect(await codeOf(cache.commit())).toBe('quota_exceeded');
		expect(await getManifest(MODEL, stores)).toBeUndefined();
	});

	it('refuses further puts after a storage failure instead of filling the disk again', async () => {
		const stores = freshWeightStores();
		const chunks = failingStore(stores.chunks, 0);
		const cache = openModelCache(MODEL, { stores: { ...stores, chunks }, chunkBytes: 4 });
		expect(await codeOf(cache.put(URL_A, fileResponse(bytes(10))))).toBe('quota_exceeded');
		const writes = chunks.writes();
		expect(await codeOf(cache.put(URL_B, fileResponse(bytes(10))))).toBe('quota_exceeded');
		expect(chunks.writes()).toBe(writes);
	});

	it('throws storage_failed for a non-quota write error and cleans up the same way', async () => {
		const stores = freshWeightStores();
		const chunks = failingStore(stores.chunks, 1, () => new DOMException('disk on fire', 'UnknownError'));
		const cache = openModelCache(MODEL, { stores: { ...stores, chunks }, chunkBytes: 4 });
		expect(await codeOf(cache.put(URL_A, fileResponse(bytes(10))))).toBe('storage_failed');
		expect(await stores.chunks.keys()).toEqual([]);
		expect(await codeOf(cache.commit())).toBe('storage_failed');
	});

	it('treats a failed manifest write as a storage failure and deletes the session chunks', async () => {
		const stores = freshWeightStores();
		const manifests = failingStore(stores.manifests, 0);
		const cache = openModelCache(MODEL, { stores: { ...stores, manifests }, chunkBytes: 4 });
		await cache.put(URL_A, fileResponse(bytes(10)));
		expect(await codeOf(cache.commit())).toBe('quota_exceeded');
		expect(await stores.chunks.keys()).toEqual([]);
	});

	it('abort deletes every chunk written in the session and blocks commit', async () => {
		const stores = freshWeightStores();
		const cache = openModelCache(MODEL, { stores, chunkBytes: 4 });
		await cache.put(URL_A, fileResponse(bytes(10)));
		await cache.put(URL_B, fileResponse(bytes(5)));
		expect(await stores.chunks.keys()).toHaveLength(5);

		await cache.abort();
		expect(await stores.chunks.keys()).toEqual([]);
		expect(await codeOf(cache.commit())).toBe('aborted');
		expect(await codeOf(cache.put(URL_A, fileResponse(bytes(1))))).toBe('aborted');
	});

	it('abort during a streaming put stops it at the next chunk and removes what it wrote', async () => {
		const stores = freshWeightStores();
		const cache = openModelCache(MODEL, { stores, chunkBytes: 4 });
		let pull = 0;
		let release: () => void = () => undefined;
		const gate = new Promise<void>((resolve) => (release = resolve));
		const body = new ReadableStream<Uint8Array>({
			async pull(controller) {
				pull += 1;
				if (pull === 3) await gate; // hold the download after two chunks are stored
				if (pull > 4) controller.close();
				else controller.enqueue(bytes(4));
			}
		});
		const putting = cache.put(URL_A, new Response(body));
		while ((await stores.chunks.keys()).length < 2) await new Promise((r) => setTimeout(r, 1));
		const aborting = cache.abort();
		release();
		expect(await codeOf(putting)).toBe('aborted');
		await aborting;
		expect(await stores.chunks.keys()).toEqual([]);
	});

	it('abort leaves files committed earlier in the same session alone', async () => {
		const stores = freshWeightStores();
		const cache = openModelCache(MODEL, { stores, chunkBytes: 4 });
		await cache.put(URL_A, fileResponse(bytes(10)));
		await cache.commit();
		await cache.put(URL_B, fileResponse(bytes(5)));
		await cache.abort();
		expect(await bodyOf(await openModelCache(MODEL, { stores }).match(URL_A))).toEqual(bytes(10));
		expect(await stores.chunks.keys()).toHaveLength(3);
	});

	it('merges a later commit into the manifest and deletes the chunks it supersedes', async () => {
		const stores = freshWeightStores();
		const first = openModelCache(MODEL, { stores, chunkBytes: 4 });
		await first.put(URL_A, fileResponse(bytes(10, 1)));
		await first.put(URL_B, fileResponse(bytes(6, 1)));
		await first.commit();

		const second = openModelCache(MODEL, { stores, chunkBytes: 4 });
		await second.put(URL_B, fileResponse(bytes(3, 9)));
		const manifest = await second.commit();
		expect(manifest?.files.map((f) => [f.url, f.size])).toEqual([
			[URL_A, 10],
			[URL_B, 3]
		]);
		expect(manifest?.totalBytes).toBe(13);
		expect(await stores.chunks.keys()).toHaveLength(3 + 1);
		expect(await bodyOf(await second.match(URL_B))).toEqual(bytes(3, 9));
	});

	it('keeps only the last write when the same key is put twice in one session', async () => {
		const stores = freshWeightStores();
		const cache = openModelCache(MODEL, { stores, chunkBytes: 4 });
		await cache.put(URL_A, fileResponse(bytes(10, 1)));
		await cache.put(URL_A, fileResponse(bytes(2, 5)));
		await cache.commit();
		expect(await stores.chunks.keys()).toHaveLength(1);
		expect(await bodyOf(await cache.match(URL_A))).toEqual(bytes(2, 5));
	});

	it('misses, reports and fails verification when a chunk is missing', async () => {
		const stores = freshWeightStores();
		const onCorruption = vi.fn();
		const cache = openModelCache(MODEL, { stores, chunkBytes: 4, onCorruption });
		await cache.put(URL_A, fileResponse(bytes(10)));
		await cache.commit();
		const [victim] = (await stores.chunks.keys()).filter((k) => k.endsWith('\u00001'));
		await stores.chunks.del(victim);

		expect(await cache.match(URL_A)).toBeUndefined();
		await cache.match(URL_A);
		expect(onCorruption).toHaveBeenCalledOnce();
		expect(onCorruption).toHaveBeenCalledWith({ modelId: MODEL, url: URL_A, reason: expect.stringMatching(/chunk 2 of 3/) });
		expect(cache.stats.corruptFiles).toBe(1);
		const result = await verifyCachedModel(MODEL, {}, stores);
		expect(result).toMatchObject({ cached: true, ok: false, files: [{ url: URL_A, ok: false }] });
	});

	it('misses when a chunk has the wrong size', async () => {
		const stores = freshWeightStores();
		const cache = openModelCache(MODEL, { stores, chunkBytes: 4 });
		await cache.put(URL_A, fileResponse(bytes(10)));
		await cache.commit();
		const [victim] = (await stores.chunks.keys()).filter((k) => k.endsWith('\u00000'));
		await stores.chunks.set(victim, new Blob([bytes(7)]));
		expect(await cache.match(URL_A)).toBeUndefined();
		expect((await verifyCachedModel(MODEL, {}, stores)).files[0].reason).toMatch(/stored 13 bytes/);
	});

	it('re-caches a corrupted file on the next download and commit', async () => {
		const stores = freshWeightStores();
		const cache = openModelCache(MODEL, { stores, chunkBytes: 4 });
		await cache.put(URL_A, fileResponse(bytes(10)));
		await cache.commit();
		await stores.chunks.del((await stores.chunks.keys())[0]);

		const retry = openModelCache(MODEL, { stores, chunkBytes: 4 });
		expect(await retry.match(URL_A)).toBeUndefined();
		await retry.put(URL_A, fileResponse(bytes(10)));
		await retry.commit();
		expect((await verifyCachedModel(MODEL, {}, stores)).ok).toBe(true);
		expect(await stores.chunks.keys()).toHaveLength(3);
	});

	it('returns undefined from match instead of throwing when storage is broken', async () => {
		const stores = freshWeightStores();
		const broken = { ...stores.manifests, get: () => Promise.reject(new Error('database closed')) };
		const cache = openModelCache(MODEL, { stores: { ...stores, manifests: broken } });
		await expect(cache.match(URL_A)).resolves.toBeUndefined();
	});

	it('rejects non-OK responses instead of caching an error page', async () => {
		const cache = openModelCache(MODEL, { stores: freshWeightStores() });
		expect(await codeOf(cache.put(URL_A, new Response('nope', { status: 404 })))).toBe('bad_request');
	});

	it('caches an empty file as zero chunks that still matches', async () => {
		const stores = freshWeightStores();
		const cache = openModelCache(MODEL, { stores });
		await cache.put(URL_A, new Response(new Uint8Array(0)));
		await cache.commit();
		const response = await cache.match(URL_A);
		expect(response?.headers.get('content-length')).toBe('0');
		expect(await bodyOf(response)).toEqual(new Uint8Array(0));
	});

	it('commit with nothing written returns the existing manifest without rewriting it', async () => {
		const stores = freshWeightStores();
		const first = openModelCache(MODEL, { stores });
		await first.put(URL_A, fileResponse(bytes(3)));
		const written = await first.commit();
		const second = openModelCache(MODEL, { stores });
		expect(await second.commit()).toEqual(written);
		expect(await openModelCache('org/never', { stores }).commit()).toBeUndefined();
	});
});
