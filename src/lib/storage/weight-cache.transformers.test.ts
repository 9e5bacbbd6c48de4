import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutoConfig, env } from '@huggingface/transformers';
import { openModelCache, type ModelCache } from './weight-cache';
import { getManifest } from './weight-manifest';
import { failingStore, freshWeightStores } from './test-utils';

// Drives the real Transformers.js loader against openModelCache, so a change in how the library
// calls env.customCache (keys, put arguments, error handling) breaks here rather than in the browser.
const CONFIG = JSON.stringify({ model_type: 'llama', hidden_size: 8, padding: 'x'.repeat(40) });
const saved = { ...env };
let fetched: string[] = [];

function useCache(cache: ModelCache, offline = false): void {
	Object.assign(env, { useFSCache: false, useBrowserCache: false, allowLocalModels: false, useCustomCache: true, customCache: cache });
	env.fetch = vi.fn(async (input: string | URL | Request) => {
		const url = String(input);
		fetched.push(url);
		if (offline) throw new TypeError('offline');
		return new Response(CONFIG, { headers: { 'content-length': String(CONFIG.length), 'content-type': 'application/json' } });
	});
}

beforeEach(() => {
	fetched = [];
});
afterEach(() => {
	Object.assign(env, saved);
});

describe('openModelCache as Transformers.js env.customCache', () => {
	it('caches a downloaded file under its remote URL and serves it offline after commit', async () => {
		const stores = freshWeightStores();
		const model = 'org/lumen-it-roundtrip';
		const url = `https://huggingface.co/${model}/resolve/main/config.json`;
		const first = openModelCache(model, { stores, chunkBytes: 16 });
		useCache(first);
		expect((await AutoConfig.from_pretrained(model)).model_type).toBe('llama');
		expect(fetched).toEqual([url]);
		expect(await getManifest(model, stores)).toBeUndefined();
		const manifest = await first.commit();
		expect(manifest?.files).toEqual([expect.objectContaining({ url, size: CONFIG.length, chunks: Math.ceil(CONFIG.length / 16) })]);
		expect(first.stats.bytesWritten).toBe(CONFIG.length);

		const second = openModelCache(model, { stores });
		useCache(second, true);
		fetched = [];
		const config = await AutoConfig.from_pretrained(model);
		expect(config.model_type).toBe('llama');
		expect(fetched).toEqual([]);
		expect(second.stats).toMatchObject({ bytesFromCache: CONFIG.length, bytesWritten: 0 });
	});

	it('still loads the model when the disk is full, and commit reports quota_exceeded', async () => {
		const stores = freshWeightStores();
		const model = 'org/lumen-it-quota';
		const cache = openModelCache(model, { stores: { ...stores, chunks: failingStore(stores.chunks, 0) } });
		useCache(cache);
		// Transformers.js catches and only logs errors thrown by put(), so the load itself succeeds.
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
		expect((await AutoConfig.from_pretrained(model)).model_type).toBe('llama');
		warn.mockRestore();
		await expect(cache.commit()).rejects.toMatchObject({ code: 'quota_exceeded' });
		expect(await stores.chunks.keys()).toEqual([]);
		expect(await getManifest(model, stores)).toBeUndefined();
	});
});
