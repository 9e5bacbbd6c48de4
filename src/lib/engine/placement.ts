// Where on this browser a model would run and with which weights: device (WebGPU only on a real GPU,
// unless overridden) and dtype (no f16 without shader-f16, no 4-bit on the CPU), each with the reason.
import type { CatalogModel } from '$lib/catalog/catalog';
import type { Message } from '$lib/i18n/format';
import type { Device, Dtype } from '$lib/protocol/worker-api';
import type { Capabilities } from './capabilities';

export type DeviceOverride = 'auto' | Device;
/** `reasons`: why this device and these weights, as messages (`messageText` words them). */
export type Placement = { device: Device; dtype: Dtype; reasons: Message[] };

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

export function chooseDevice(caps: Capabilities, override: DeviceOverride = 'auto'): { device: Device; reason: Message } {
	if (override === 'webgpu') {
		if (!caps.webgpu.available) return { device: 'wasm', reason: { id: 'place.webgpuMissing' } };
		return { device: 'webgpu', reason: { id: caps.webgpu.fallback ? 'place.webgpuSoftware' : 'place.webgpuRequested' } };
	}
	if (override === 'wasm') return { device: 'wasm', reason: { id: 'place.wasmRequested' } };
	if (caps.webgpu.available && !caps.webgpu.fallback) return { device: 'webgpu', reason: { id: 'place.realGpu' } };
	if (caps.webgpu.available) return { device: 'wasm', reason: { id: 'place.softwareSlower' } };
	return { device: 'wasm', reason: { id: 'place.noWebgpu' } };
}

export function chooseDtype(model: CatalogModel, caps: Capabilities, device: Device): { dtype: Dtype; reason?: Message } {
	const preferred = model.defaultDtype;
	const f16ok = device === 'webgpu' && caps.webgpu.shaderF16;
	const needsFallback = F16_DTYPES.includes(preferred) ? !f16ok : device === 'wasm' && preferred === 'q4';
	if (!needsFallback) return { dtype: preferred };
	const alt = FALLBACK[device].find((d) => model.sizes[d] !== undefined && d !== preferred);
	if (!alt) return { dtype: preferred, reason: { id: 'place.onlyDtype', values: { name: model.name, dtype: preferred } } };
	return { dtype: alt, reason: { id: F16_DTYPES.includes(preferred) ? 'place.noF16' : 'place.no4bitCpu', values: { dtype: alt, preferred } } };
}

/** web-llm runs only on WebGPU, with the weights it was compiled for; everything else is chosen here. */
export function placeModel(model: CatalogModel, caps: Capabilities, override: DeviceOverride = 'auto'): Placement {
	if (model.runtime === 'web-llm') return { device: 'webgpu', dtype: model.defaultDtype, reasons: [{ id: 'place.webllm' }] };
	const { device, reason } = chooseDevice(caps, override);
	const { dtype, reason: dtypeReason } = chooseDtype(model, caps, device);
	return { device, dtype, reasons: dtypeReason ? [reason, dtypeReason] : [reason] };
}
