import { describe, expect, it } from 'vitest';
import { catalog, findModel } from '$lib/catalog/catalog';
import { webllmModels } from '$lib/catalog/webllm';
import { messageText } from '$lib/i18n/format';
import type { Capabilities } from './capabilities';
import { routeModel, type CoordinatorInfo } from './router';

function caps(webgpu: Partial<Capabilities['webgpu']> | null): Capabilities {
	return {
		webgpu: {
			available: webgpu !== null,
			fallback: false,
			architecture: '',
			vendor: '',
			shaderF16: false,
			maxBufferSize: 1 << 30,
			maxStorageBufferBindingSize: 1 << 30,
			...(webgpu ?? {})
		},
		deviceMemoryGiB: 8,
		storageQuotaBytes: 10e9,
		storageUsageBytes: 0,
		crossOriginIsolated: true,
		hardwareConcurrency: 4
	};
}

const tiny = findModel('lumen-tiny-a')!;
const f16Model = findModel('llama-3.2-1b-instruct')!;

describe('routeModel', () => {
	it.each([
		['no adapter', caps(null), 'auto', 'wasm'],
		['software fallback adapter', caps({ fallback: true, architecture: 'swiftshader' }), 'auto', 'wasm'],
		['real GPU', caps({ vendor: 'nvidia' }), 'auto', 'webgpu'],
		['override webgpu on fallback adapter', caps({ fallback: true }), 'webgpu', 'webgpu'],
		['override webgpu without any adapter', caps(null), 'webgpu', 'wasm'],
		['override wasm on a real GPU', caps({}), 'wasm', 'wasm']
	] as const)('%s → %s', (_name, c, override, device) => {
		const route = routeModel(tiny, c, override);
		expect(route.device).toBe(device);
		expect(route.reasons.length).toBeGreaterThan(0);
	});

	it('keeps f16 weights only where WebGPU has shader-f16', () => {
		expect(routeModel(f16Model, caps({ shaderF16: true })).dtype).toBe('q4f16');
		const noF16 = routeModel(f16Model, caps({ shaderF16: false }));
		expect(noF16.dtype).toBe('q4');
		expect(noF16.reasons.map((r) => messageText(r)).join(' ')).toMatch(/shader-f16/);
	});

	it('prefers 8-bit weights on the CPU, where 4-bit has no fast kernel', () => {
		const cpu = routeModel(f16Model, caps(null));
		expect(cpu.device).toBe('wasm');
		expect(cpu.dtype).toBe('q8');
		const q4Only = { ...tiny, defaultDtype: 'q4' as const };
		expect(routeModel(q4Only, caps(null)).dtype).toBe('q8');
		expect(routeModel(q4Only, caps({ vendor: 'nvidia' })).dtype).toBe('q4');
	});

	it('every catalog model gets a dtype it actually ships', () => {
		for (const m of catalog) {
			for (const c of [caps(null), caps({ shaderF16: true }), caps({ fallback: true })]) {
				const { dtype } = routeModel(m, c);
				expect(m.sizes[dtype], `${m.id} ${dtype}`).toBeDefined();
			}
		}
	});

	const MB = 1e6;
	const coord = (models: string[]): CoordinatorInfo => ({ url: 'http://gpu.box:8000', models });
	const big = { ...tiny, id: 'big-model', sizes: { fp32: 2e9 }, defaultDtype: 'fp32' as const };
	const f16Only = { ...tiny, id: 'f16-only', sizes: { q4f16: 5e6 }, defaultDtype: 'q4f16' as const, requiredFeatures: ['shader-f16'] };
	const remoteOnly = { ...tiny, id: 'remote-only', runtime: 'remote' as const };
	const withCaps = (over: Partial<Capabilities>, gpu: Partial<Capabilities['webgpu']> | null = null) => ({ ...caps(gpu), ...over });

	it.each([
		['fits quota and memory', tiny, withCaps({}), null, 'local', /this browser/],
		['fits, coordinator also serves it: stays local', tiny, withCaps({}), coord(['lumen-tiny-a']), 'local', /this browser/],
		['over 80% of free quota, coordinator serves it', tiny, withCaps({ storageQuotaBytes: 30 * MB }), coord(['lumen-tiny-a']), 'remote', /coordinator at http:\/\/gpu\.box:8000: needs 26 MiB, this browser allows 23 MiB/],
		['quota used up by other data', tiny, withCaps({ storageQuotaBytes: 100 * MB, storageUsageBytes: 80 * MB }), coord(['lumen-tiny-a']), 'remote', /allows 15 MiB/],
		['over quota, coordinator serves other models', tiny, withCaps({ storageQuotaBytes: 30 * MB }), coord(['other']), 'none', /does not serve it/],
		['over quota, no coordinator', tiny, withCaps({ storageQuotaBytes: 30 * MB }), null, 'none', /no coordinator is configured/],
		['unknown quota counts as fitting', tiny, withCaps({ storageQuotaBytes: null }), null, 'local', /this browser/],
		['over the memory hint', big, withCaps({ deviceMemoryGiB: 2 }), coord(['big-model']), 'remote', /device's memory/],
		['needs shader-f16, device lacks it', f16Only, withCaps({}, { shaderF16: false }), coord(['f16-only']), 'remote', /shader-f16/],
		['needs shader-f16, no WebGPU at all, no coordinator', f16Only, withCaps({}), null, 'none', /shader-f16/],
		['needs shader-f16 and has it', f16Only, withCaps({}, { shaderF16: true }), coord(['f16-only']), 'local', /this browser/],
		['coordinator-only model', remoteOnly, withCaps({}), coord(['remote-only']), 'remote', /served only by the coordinator/],
		['coordinator-only model, coordinator gone', remoteOnly, withCaps({}), null, 'none', /Cannot run here/],
		['cached, though over 80% of the free quota', { ...tiny, cached: tiny.sizes.fp32 }, withCaps({ storageQuotaBytes: 30 * MB, storageUsageBytes: 27 * MB }), null, 'local', /this browser/]
	] as const)('where: %s → %s', (_name, model, c, coordinator, where, reason) => {
		const route = routeModel(model, c, 'auto', coordinator, 'cached' in model ? model.cached : 0);
		expect(route.where).toBe(where);
		expect(messageText(route.whereReason)).toMatch(reason);
	});
});

describe('routeModel for web-llm models', () => {
	const q4f32 = webllmModels.find((m) => m.id === 'Llama-3.2-1B-Instruct-q4f32_1-MLC')!;
	const q4f16 = webllmModels.find((m) => m.id === 'Llama-3.2-1B-Instruct-q4f16_1-MLC')!;
	const gpu = { vendor: 'nvidia', maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };

	it.each([
		['a real GPU with shader-f16', q4f16, caps({ ...gpu, shaderF16: true }), 'local'],
		['a real GPU for f32 weights', q4f32, caps(gpu), 'local'],
		['no WebGPU adapter', q4f32, caps(null), 'none'],
		['only a software (SwiftShader) adapter', q4f32, caps({ ...gpu, fallback: true, architecture: 'swiftshader' }), 'none'],
		['f16 weights without shader-f16', q4f16, caps({ ...gpu, shaderF16: false }), 'none'],
		['buffer limits below what it needs', q4f32, caps({ ...gpu, maxBufferSize: 64 * 2 ** 20, maxStorageBufferBindingSize: 64 * 2 ** 20 }), 'none']
	] as const)('with %s → %s', (_name, model, c, where) => {
		expect(model, 'the prebuilt list has this model').toBeDefined();
		const route = routeModel(model, c);
		expect(route.where).toBe(where);
		if (where === 'local') expect(route.device).toBe('webgpu');
		else expect(messageText(route.whereReason)).toMatch(/web-llm cannot run it here/);
	});

	it('sends a web-llm model to a coordinator that serves it when this device cannot run it', () => {
		const coordinator = { url: 'http://gpu-box:8000', models: [q4f32.id] };
		expect(routeModel(q4f32, caps(null), 'auto', coordinator).where).toBe('remote');
	});
});
