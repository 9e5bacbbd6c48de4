// Where on this browser a model would run and with which weights: device (WebGPU only on a real GPU,
// unless overridden) and dtype (no f16 without shader-f16, no 4-bit on the CPU), each with the reason.
import type { CatalogModel } from '$lib/catalog/catalog';
import type { Device, Dtype } from '$lib/protocol/worker-api';
import type { Capabilities } from './capabilities';

export type DeviceOverride = 'auto' | Device;
export type Placement = { device: Device; dtype: Dtype; reasons: string[] };

export const F16_DTYPES: readonly Dtype[] = ['fp16', 'q4f16'];
/**
 * Fallback order when the preferred dtype cannot run well here. ONNX Runtime's WASM backend has no
 * 4-bit kernel (it dequantizes every weight on every call: measured ~8× slower than fp32), so the CPU
 * prefers 8-bit; WebGPU has a real 4-bit kernel, so it prefers the smallest download.
 */
const FALLBACK: Record<Device, readonly Dtype[]> = {
	wasm: ['q8', 'fp32', 'q4'],
	webgpu: ['q4', 'q8', 'fp32']
};

export function chooseDevice(caps: Capabilities, override: DeviceOverride = 'auto'): { device: Device; reason: string } {
	if (override === 'webgpu') {
		if (!caps.webgpu.available) return { device: 'wasm', reason: 'WebGPU was requested but this browser has no WebGPU adapter; using the CPU (WASM).' };
		return { device: 'webgpu', reason: caps.webgpu.fallback ? 'WebGPU requested: running on a software (CPU) adapter, correct but slow.' : 'WebGPU requested.' };
	}
	if (override === 'wasm') return { device: 'wasm', reason: 'CPU (WASM) requested.' };
	if (caps.webgpu.available && !caps.webgpu.fallback) return { device: 'webgpu', reason: 'A real GPU adapter is available: using WebGPU.' };
	if (caps.webgpu.available) return { device: 'wasm', reason: 'The only WebGPU adapter is a software fallback, so the CPU (WASM) is faster.' };
	return { device: 'wasm', reason: 'No WebGPU adapter: running on the CPU (WASM).' };
}

export function chooseDtype(model: CatalogModel, caps: Capabilities, device: Device): { dtype: Dtype; reason?: string } {
	const preferred = model.defaultDtype;
	const f16ok = device === 'webgpu' && caps.webgpu.shaderF16;
	const needsFallback = F16_DTYPES.includes(preferred) ? !f16ok : device === 'wasm' && preferred === 'q4';
	if (!needsFallback) return { dtype: preferred };
	const alt = FALLBACK[device].find((d) => model.sizes[d] !== undefined && d !== preferred);
	if (!alt) return { dtype: preferred, reason: `${model.name} only ships ${preferred} weights, which run poorly or not at all here.` };
	const why = F16_DTYPES.includes(preferred) ? 'No shader-f16 on this device' : 'The CPU has no fast 4-bit kernel';
	return { dtype: alt, reason: `${why}: using ${alt} weights instead of ${preferred}.` };
}

/** web-llm runs only on WebGPU, with the weights it was compiled for; everything else is chosen here. */
export function placeModel(model: CatalogModel, caps: Capabilities, override: DeviceOverride = 'auto'): Placement {
	if (model.runtime === 'web-llm') return { device: 'webgpu', dtype: model.defaultDtype, reasons: ['web-llm on WebGPU: the fastest engine on a real GPU.'] };
	const { device, reason } = chooseDevice(caps, override);
	const { dtype, reason: dtypeReason } = chooseDtype(model, caps, device);
	return { device, dtype, reasons: dtypeReason ? [reason, dtypeReason] : [reason] };
}
