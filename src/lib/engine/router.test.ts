import { describe, expect, it } from 'vitest';
import { catalog, findModel } from '$lib/catalog/catalog';
import type { Capabilities } from './capabilities';
import { routeModel } from './router';

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
		expect(noF16.reasons.join(' ')).toMatch(/shader-f16/);
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
});
