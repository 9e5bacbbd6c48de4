import { describe, expect, it } from 'vitest';
import type { Capabilities } from './capabilities';
import { webllmFits } from './webllm-fits';

const GiB = 1024 ** 3;
function caps(webgpu: Partial<Capabilities['webgpu']> | null, deviceMemoryGiB: number | null = 8): Capabilities {
	return {
		webgpu: { available: webgpu !== null, fallback: false, architecture: '', vendor: 'nvidia', shaderF16: true, maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB, ...(webgpu ?? {}) },
		deviceMemoryGiB,
		storageQuotaBytes: 10e9,
		storageUsageBytes: 0,
		crossOriginIsolated: true,
		hardwareConcurrency: 4
	};
}
const f16Small = { requiredFeatures: ['shader-f16'], vramBytes: 0.9e9, lowResource: true, bufferBytes: null };
const f32Small = { ...f16Small, requiredFeatures: [] };
const big = { requiredFeatures: ['shader-f16'], vramBytes: 5e9, lowResource: false, bufferBytes: null };

describe('webllmFits', () => {
	it.each([
		['real GPU, f16 model', f16Small, caps({}), true, /Real WebGPU adapter \(nvidia\)/],
		['no adapter', f32Small, caps(null), false, /No WebGPU adapter/],
		['SwiftShader fallback', f32Small, caps({ fallback: true, architecture: 'swiftshader', shaderF16: false }), false, /software fallback \(swiftshader\)/],
		['no shader-f16, f16 model', f16Small, caps({ shaderF16: false }), false, /Needs shader-f16/],
		['no shader-f16, f32 model', f32Small, caps({ shaderF16: false }), true, /Real WebGPU/],
		['default 128 MiB binding, low-resource model', f16Small, caps({ maxStorageBufferBindingSize: 128 * 1024 ** 2 }), true, /buffer limits \(128 MiB\) are enough/],
		['default 128 MiB binding, big model', big, caps({ maxStorageBufferBindingSize: 128 * 1024 ** 2 }), false, /below the 1024 MiB/],
		['explicit buffer need above the limit', { ...f32Small, bufferBytes: 3 * GiB }, caps({}), false, /below the 3072 MiB/],
		['5 GB model on a 4 GiB device', big, caps({}, 4), false, /device reports 4 GiB/],
		['5 GB model on an 8 GiB device', big, caps({}, 8), true, /≥ 8 GiB/],
		['memory not reported', big, caps({}, null), true, /does not report its memory/]
	] as const)('%s → %s', (_name, model, c, fits, reason) => {
		const fit = webllmFits({ ...model, requiredFeatures: [...model.requiredFeatures] }, c);
		expect(fit.fits).toBe(fits);
		expect(fit.reasons.map((r) => r.text).join('\n')).toMatch(reason);
		expect(fit.reasons.some((r) => !r.ok)).toBe(!fits);
	});
});
