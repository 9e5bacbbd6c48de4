// The chat picker (router) and the /models verdict must give the same answer for every catalog model
// on every device: the two used to compute "does it fit" three different ways.
import { describe, expect, it } from 'vitest';
import { catalog, findModel, type CatalogModel } from '$lib/catalog/catalog';
import { webllmModels } from '$lib/catalog/webllm';
import { fitFor } from './fit';
import type { Capabilities } from './capabilities';
import { pickerEntries } from './picker';
import { routeModel } from './router';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

type Gpu = Partial<Capabilities['webgpu']> | null;
const gpus: Record<string, Gpu> = {
	'no adapter': null,
	SwiftShader: { fallback: true, architecture: 'swiftshader' },
	'real GPU, no shader-f16': { vendor: 'amd' },
	'real GPU, shader-f16': { vendor: 'nvidia', shaderF16: true },
	'real GPU, shader-f16, 128 MiB buffers': { vendor: 'intel', shaderF16: true, maxBufferSize: 256 * MiB, maxStorageBufferBindingSize: 128 * MiB }
};

function device(gpu: Gpu, deviceMemoryGiB: number | null, quota: number | null): Capabilities {
	return {
		webgpu: { available: gpu !== null, fallback: false, architecture: '', vendor: '', shaderF16: false, maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB, ...(gpu ?? {}) },
		deviceMemoryGiB,
		storageQuotaBytes: quota,
		storageUsageBytes: quota === null ? null : quota / 10,
		crossOriginIsolated: true,
		hardwareConcurrency: 4
	};
}

const profiles: Array<[string, Capabilities]> = [];
for (const [gpuName, gpu] of Object.entries(gpus))
	for (const memory of [2, 4, 8, 16, null])
		for (const [quotaName, quota] of [['small quota', 1.5e9], ['large quota', 200e9], ['unknown quota', null]] as const)
			profiles.push([`${gpuName}, ${memory ?? '?'} GiB, ${quotaName}`, device(gpu, memory, quota)]);

const models: CatalogModel[] = [...catalog, ...webllmModels];

describe('one fit verdict', () => {
	it.each(profiles)('the chat picker offers exactly the models /models says run here, cached or not: %s', (_name, caps) => {
		const disagreements: string[] = [];
		for (const cachedAll of [false, true]) {
			const cached = cachedAll ? Object.fromEntries(models.map((m) => [m.id, m.sizes[m.defaultDtype] ?? 0])) : {};
			const entries = pickerEntries(caps, { cached });
			for (const model of models) {
				const verdict = fitFor(model, caps, cached[model.id] ?? 0).verdict;
				const pickable = entries.find((e) => e.model.id === model.id)?.selectable ?? false;
				const routed = routeModel(model, caps, 'auto', null, cached[model.id] ?? 0).where === 'local';
				if (pickable !== (verdict !== 'no') || routed !== pickable)
					disagreements.push(`${model.id}${cachedAll ? ' (cached)' : ''}: picker ${pickable ? 'offers' : 'withholds'}, router ${routed ? 'runs' : 'refuses'}, /models says ${verdict}`);
			}
		}
		expect(disagreements).toEqual([]);
	});

	it('an 8 GiB device with a real GPU runs Llama-3.1-8B q4f16 in both places', () => {
		const llama8b = findModel('Llama-3.1-8B-Instruct-q4f16_1-MLC', webllmModels)!;
		const caps = device(gpus['real GPU, shader-f16'], 8, 200e9);
		expect(fitFor(llama8b, caps).verdict).toBe('fits');
		expect(routeModel(llama8b, caps).where).toBe('local');
		expect(pickerEntries(caps).find((e) => e.model.id === llama8b.id)?.selectable).toBe(true);
	});
});

describe('a cached model and the storage quota', () => {
	it('a cached model needs no new storage, so a small quota does not send it away', () => {
		const tiny = findModel('lumen-tiny-a')!;
		const caps = { ...device(null, 8, 30e6), storageUsageBytes: 28e6 };
		expect(routeModel(tiny, caps).where, 'not cached: it does not fit').toBe('none');
		expect(routeModel(tiny, caps, 'auto', null, tiny.sizes.fp32!).where).toBe('local');
	});
});
