import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { LumenError } from '$lib/protocol/errors';
import { DEFAULT_SETTINGS, getSettings, updateSettings } from './settings';
import { failingStore, freshStore } from './test-utils';

describe('settings', () => {
	it('returns defaults when nothing is stored', async () => {
		expect(await getSettings(freshStore())).toEqual({ device: 'auto', usePageServer: true });
		expect(DEFAULT_SETTINGS).toEqual({ device: 'auto', usePageServer: true });
	});

	it('persists a patch and merges later patches into it', async () => {
		const store = freshStore();
		await updateSettings({ coordinatorUrl: 'https://lumen.example/', device: 'webgpu' }, store);
		await updateSettings({ lastModelId: 'org/tiny' }, store);
		expect(await getSettings(store)).toEqual({
			coordinatorUrl: 'https://lumen.example/',
			device: 'webgpu',
			usePageServer: true,
			lastModelId: 'org/tiny'
		});
	});

	it('clears a field patched to undefined, restoring its default', async () => {
		const store = freshStore();
		await updateSettings({ apiKey: 'sk-1', device: 'wasm' }, store);
		expect(await updateSettings({ apiKey: undefined, device: undefined }, store)).toEqual({ device: 'auto', usePageServer: true });
		expect(await getSettings(store)).toEqual({ device: 'auto', usePageServer: true });
	});

	it.each([
		['an unknown device', { device: 'tpu' }],
		['a non-http coordinator URL', { coordinatorUrl: 'ftp://lumen.example/' }],
		['an unknown key', { colour: 'blue' }]
	])('rejects %s with bad_request and keeps the stored settings', async (_label, patch) => {
		const store = freshStore();
		await updateSettings({ device: 'wasm', usePageServer: true }, store);
		const err = await updateSettings(patch as never, store).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(LumenError);
		expect((err as LumenError).code).toBe('bad_request');
		expect(await getSettings(store)).toEqual({ device: 'wasm', usePageServer: true });
	});

	it('falls back to defaults for invalid stored fields but keeps the valid ones', async () => {
		const store = freshStore();
		await store.set('settings', { device: 'quantum', apiKey: 'sk-keep', coordinatorUrl: 42 });
		expect(await getSettings(store)).toEqual({ device: 'auto', usePageServer: true, apiKey: 'sk-keep' });
	});

	it('falls back to defaults when the stored record is not an object or storage fails', async () => {
		const store = freshStore();
		await store.set('settings', 'corrupted');
		expect(await getSettings(store)).toEqual({ device: 'auto', usePageServer: true });
		const broken = { ...freshStore(), get: () => Promise.reject(new Error('blocked')) };
		expect(await getSettings(broken)).toEqual({ device: 'auto', usePageServer: true });
	});

	it('reports a full disk on update as quota_exceeded', async () => {
		const err = await updateSettings({ device: 'wasm', usePageServer: true }, failingStore(freshStore(), 0)).catch((e: unknown) => e);
		expect((err as LumenError).code).toBe('quota_exceeded');
	});

	it('keeps the models marked as able to see images, and refuses an empty model id', async () => {
		const store = freshStore();
		await updateSettings({ visionModels: ['llava', 'qwen-vl'] }, store);
		expect((await getSettings(store)).visionModels).toEqual(['llava', 'qwen-vl']);
		const err = await updateSettings({ visionModels: [''] }, store).catch((e: unknown) => e);
		expect((err as LumenError).code).toBe('bad_request');
		expect((await getSettings(store)).visionModels).toEqual(['llava', 'qwen-vl']);
	});
});
