// The picker's image rule: images may be attached only for a vision-capable model that runs on a coordinator,
// whether the catalog, the server's metadata or the person's mark in Settings says it can see.
import { describe, expect, it } from 'vitest';
import { findModel } from '$lib/catalog/catalog';
import { messageText } from '$lib/i18n/format';
import type { Capabilities } from './capabilities';
import { imageSupport, pickerEntries } from './picker';
import type { CoordinatorInfo, Route } from './router';

const caps: Capabilities = {
	webgpu: { available: false, fallback: false, architecture: '', vendor: '', shaderF16: false, maxBufferSize: 1 << 30, maxStorageBufferBindingSize: 1 << 30 },
	deviceMemoryGiB: 8,
	storageQuotaBytes: 10e9,
	storageUsageBytes: 0,
	crossOriginIsolated: true,
	hardwareConcurrency: 4
};
const coordinator: CoordinatorInfo = { url: 'http://gpu.box:8000', models: ['llava', 'plain-llm', 'lumen-tiny-a'], vision: ['llava'] };
const tiny = findModel('lumen-tiny-a')!;
const route = (where: Route['where']): Route => ({ where, whereReason: { id: 'route.local' }, device: 'wasm', dtype: 'fp32', reasons: [] });

describe('imageSupport', () => {
	it('allows images for a coordinator model the server (or Settings) lists as vision-capable', () => {
		const llava = pickerEntries(caps, { coordinator }).find((e) => e.model.id === 'llava')!;
		expect(llava.model).toMatchObject({ vision: true, runtime: 'remote' });
		expect(llava.images).toEqual({ ok: true });
	});

	it('refuses images for a coordinator model nobody says can see, pointing at Settings', () => {
		const plain = pickerEntries(caps, { coordinator }).find((e) => e.model.id === 'plain-llm')!;
		expect(plain.images).toEqual({
			ok: false,
			reason: expect.stringMatching(/plain-llm reads text only.*mark it in Settings/),
			text: { key: 'error.text.imagesServerTextOnly', values: { model: expect.stringContaining('plain-llm') } }
		});
	});

	it('refuses images for a model running in this browser, even one the catalog marks as vision-capable', () => {
		const local = pickerEntries(caps, { coordinator }).find((e) => e.model.id === 'lumen-tiny-a')!;
		expect(local.route.where).toBe('local');
		expect(local.images).toEqual({
			ok: false,
			reason: 'Lumen Tiny A (random-weight test model) reads text only; for images, pick a model marked "sees images".',
			text: { key: 'error.text.imagesTextOnly', values: { model: 'Lumen Tiny A (random-weight test model)' } }
		});
		expect(imageSupport({ ...tiny, vision: true }, route('local'), coordinator)).toMatchObject({
			ok: false,
			reason: expect.stringMatching(/only when it runs on a coordinator/),
			text: { key: 'error.text.imagesBrowserTextOnly' }
		});
	});

	it('allows images for a catalog model marked vision-capable when it runs on the coordinator', () => {
		expect(imageSupport({ ...tiny, vision: true }, route('remote'), { url: 'http://x', models: ['lumen-tiny-a'] })).toEqual({ ok: true });
		expect(imageSupport(tiny, route('remote'), { url: 'http://x', models: ['lumen-tiny-a'], vision: ['lumen-tiny-a'] })).toEqual({ ok: true });
	});

	it('catalog models are text-only by default', () => {
		expect(tiny.vision).toBe(false);
	});
});

describe('pickerEntries with a coordinator', () => {
	it('lists the server’s copy of a model that also runs here as its own entry, routed to the server', () => {
		const tinies = pickerEntries(caps, { coordinator }).filter((e) => e.model.id === 'lumen-tiny-a');
		expect(tinies.map((e) => [e.key, e.route.where])).toEqual([
			['lumen-tiny-a', 'local'],
			['server:lumen-tiny-a', 'remote']
		]);
		expect(messageText(tinies[1].route.whereReason)).toBe('Runs on the coordinator at http://gpu.box:8000.');
	});

	it('lists a catalog model that cannot run here once, as the server’s, under its own id', () => {
		const tiny = { ...caps, storageQuotaBytes: 1000 };
		const entries = pickerEntries(tiny, { coordinator }).filter((e) => e.model.id === 'lumen-tiny-a');
		expect(entries.map((e) => [e.key, e.route.where])).toEqual([['lumen-tiny-a', 'remote']]);
	});

	it('has unique keys, and no server entries without a coordinator', () => {
		const keys = pickerEntries(caps, { coordinator }).map((e) => e.key);
		expect(new Set(keys).size).toBe(keys.length);
		expect(pickerEntries(caps).some((e) => e.route.where === 'remote')).toBe(false);
	});
});
