// The one fit verdict, case by case: adapter, shader-f16, GPU buffers, memory, storage, for both runtimes.
import { describe, expect, it } from 'vitest';
import { findModel } from '$lib/catalog/catalog';
import { webllmModels } from '$lib/catalog/webllm';
import { messageText, type Message } from '$lib/i18n/format';
import { caps, GiB, MiB } from './test-capabilities';
import { assessFit, blockerOf, fitFor } from './fit';
import type { WebllmModel } from './webllm-adapter';


const tiny = findModel('lumen-tiny-b')!;
const llama = findModel('llama-3.2-1b-instruct')!;
const phi = findModel('phi-3.5-mini-instruct')!;
const swiftshader = { fallback: true, architecture: 'swiftshader', shaderF16: false };
const text = (fit: { reasons: Message[] }) => fit.reasons.map((r) => messageText(r)).join('\n');

describe('fitFor, Transformers.js models', () => {
	it.each([
		['tiny, real GPU', tiny, caps(), 'fits', /Real WebGPU/],
		['tiny, no adapter', tiny, caps({ webgpu: null }), 'slow', /No WebGPU adapter/],
		['tiny, SwiftShader', tiny, caps({ webgpu: swiftshader }), 'slow', /software fallback \(swiftshader\)/],
		['llama f16, GPU with shader-f16', llama, caps(), 'fits', /shader-f16 supported/],
		['llama f16, GPU without shader-f16', llama, caps({ webgpu: { shaderF16: false } }), 'fits', /No shader-f16: uses q4/],
		['llama f16, no GPU: 8-bit on the CPU', llama, caps({ webgpu: null }), 'slow', /uses q8 weights/],
		['phi (f16 only), no shader-f16', phi, caps({ webgpu: { shaderF16: false } }), 'no', /ships no other weights/],
		['llama, 1 GiB device', llama, caps({ deviceMemoryGiB: 1 }), 'no', /more than this device's memory allows \(768 MiB of the 1 GiB/],
		['llama, tiny GPU buffers', llama, caps({ webgpu: { maxBufferSize: 128 * MiB } }), 'no', /buffer limit 128 MiB </],
		['llama, storage almost full', llama, caps({ storageQuotaBytes: 2e9, storageUsageBytes: 1.5e9 }), 'no', /Needs 963 MiB, this browser allows 381 MiB/],
		['llama, unknown memory', llama, caps({ deviceMemoryGiB: null }), 'fits', /does not report its memory/],
		['llama, unknown quota', llama, caps({ storageQuotaBytes: null }), 'fits', /Storage quota unknown/]
	] as const)('%s → %s', (_name, model, c, verdict, reason) => {
		const fit = fitFor(model, c);
		expect(fit.verdict).toBe(verdict);
		expect(text(fit)).toMatch(reason);
	});

	it('sizes a model by the dtype this device would use', () => {
		expect(fitFor(llama, caps()).sizeBytes).toBe(llama.sizes.q4f16);
		expect(fitFor(llama, caps({ webgpu: null })).sizeBytes).toBe(llama.sizes.q8);
	});

	it('a cached model needs no free storage', () => {
		const full = caps({ storageQuotaBytes: 1e6, storageUsageBytes: 1e6 });
		expect(fitFor(tiny, full).verdict).toBe('no');
		const cached = fitFor(tiny, full, tiny.sizes.fp32);
		expect(cached.verdict).toBe('fits');
		expect(text(cached)).toContain('Already stored in this browser.');
	});

	it('memory: a model may take three quarters of the reported memory, weights plus a quarter for the runtime', () => {
		const model = { ...tiny, sizes: { fp32: 4.8 * GiB } }; // × 1.25 = 6 GiB = 0.75 × 8 GiB
		expect(fitFor(model, caps()).verdict).toBe('fits');
		expect(fitFor({ ...model, sizes: { fp32: 4.9 * GiB } }, caps()).verdict).toBe('no');
	});

	it('the blocker is the first failed reason, and reads as a clause inside the router\'s sentence', () => {
		const blocker = blockerOf(fitFor(tiny, caps({ storageQuotaBytes: 30e6, storageUsageBytes: 0 })));
		expect(blocker && messageText(blocker)).toBe('Needs 26 MiB, this browser allows 23 MiB.');
		expect(messageText({ id: 'route.serverInstead', values: { url: 'http://gpu.box', blocker: blocker! } })).toBe(
			'Runs on the coordinator at http://gpu.box: needs 26 MiB, this browser allows 23 MiB.'
		);
		expect(blockerOf(fitFor(tiny, caps()))).toBeNull();
	});
});

describe('fitFor, web-llm models', () => {
	const base = webllmModels.find((m) => m.id === 'Llama-3.2-1B-Instruct-q4f16_1-MLC')!;
	const model = (over: Partial<WebllmModel>): WebllmModel => ({ ...base, ...over, sizes: { [base.defaultDtype]: over.vramBytes ?? base.vramBytes } });
	const f16Small = model({ vramBytes: 0.9e9, lowResource: true });
	const f32Small = { ...f16Small, requiredFeatures: [] };
	const big = model({ vramBytes: 5e9, lowResource: false });

	it.each([
		['real GPU, f16 model', f16Small, caps(), 'fits', /Real WebGPU adapter \(nvidia\)/],
		['no adapter', f32Small, caps({ webgpu: null }), 'no', /No WebGPU adapter/],
		['SwiftShader fallback', f32Small, caps({ webgpu: swiftshader }), 'no', /software fallback \(swiftshader\), not a real GPU/],
		['no shader-f16, f16 model', f16Small, caps({ webgpu: { shaderF16: false } }), 'no', /Needs shader-f16/],
		['no shader-f16, f32 model', f32Small, caps({ webgpu: { shaderF16: false } }), 'fits', /Real WebGPU/],
		['default 128 MiB binding, low-resource model', f16Small, caps({ webgpu: { maxStorageBufferBindingSize: 128 * MiB } }), 'fits', /buffer limit 128 MiB ≥/],
		['default 128 MiB binding, big model', big, caps({ webgpu: { maxStorageBufferBindingSize: 128 * MiB } }), 'no', /< largest buffer needed \(~1.0 GiB\)/],
		['explicit buffer need above the limit', { ...f32Small, bufferBytes: 3 * GiB }, caps(), 'no', /~3.0 GiB/],
		['5 GB model on a 4 GiB device', big, caps({ deviceMemoryGiB: 4 }), 'no', /of the 4 GiB it reports/],
		['5 GB model on an 8 GiB device', big, caps({ deviceMemoryGiB: 8 }), 'fits', /≥ 8 GiB/],
		['memory not reported', big, caps({ deviceMemoryGiB: null }), 'fits', /does not report its memory/],
		['storage too small', f16Small, caps({ storageQuotaBytes: 1e9, storageUsageBytes: 0.5e9 }), 'no', /this browser allows/]
	] as const)('%s → %s', (_name, m, c, verdict, reason) => {
		const fit = fitFor(m, c);
		expect(fit.verdict).toBe(verdict);
		expect(text(fit)).toMatch(reason);
		expect(fit.placement.device).toBe('webgpu');
	});

	it('a coordinator-only model never runs here', () => {
		const remote = { ...tiny, runtime: 'remote' as const };
		expect(assessFit(remote, caps(), { device: 'wasm', dtype: 'fp32', reasons: [] }).verdict).toBe('no');
	});
});
