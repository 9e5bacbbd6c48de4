// Picks where and how a model runs from measured capabilities: this browser or a coordinator (by fit),
// device (WebGPU only on a real GPU, unless overridden), dtype (no f16 without shader-f16), and says why.
import { formatBytes, type CatalogModel } from '$lib/catalog/catalog';
import type { Device, Dtype } from '$lib/protocol/worker-api';
import type { Capabilities } from './capabilities';
import type { WebllmModel } from './webllm-adapter';
import { webllmFits } from './webllm-fits';

export type DeviceOverride = 'auto' | Device;

/** `none`: neither this browser nor a coordinator can run it; `whereReason` says why. */
export type Where = 'local' | 'remote' | 'none';
export type Route = { where: Where; whereReason: string; device: Device; dtype: Dtype; reasons: string[] };
/** The configured coordinator and the model ids its /v1/models lists (null: none configured or unreachable). */
export type CoordinatorInfo = { url: string; models: readonly string[] } | null;

/** Share of the free storage quota a model may take: the rest is headroom for other models and data. */
export const QUOTA_HEADROOM = 0.8;
/** Share of the device-memory hint a model's weights may take (the runtime needs working memory too). */
export const MEMORY_SHARE = 0.5;
const GiB = 1024 ** 3;

const F16_DTYPES: readonly Dtype[] = ['fp16', 'q4f16'];
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

/** Why this browser cannot run the model with these weights, or null when it can. */
export function localBlocker(model: CatalogModel, caps: Capabilities, dtype: Dtype): string | null {
	if (model.runtime === 'remote') return 'it is served only by the coordinator';
	if (model.runtime === 'web-llm') {
		if ('vramBytes' in model) {
			const failed = webllmFits(model as WebllmModel, caps).reasons.find((r) => !r.ok);
			if (failed) return `web-llm cannot run it here (${failed.text.replace(/\.$/, '')})`;
		} else if (!caps.webgpu.available || caps.webgpu.fallback) return 'it needs a real WebGPU GPU, which this browser lacks';
	}
	const missing = model.requiredFeatures.filter((f) => !caps.webgpu.available || (f === 'shader-f16' && !caps.webgpu.shaderF16));
	if (missing.length) return `it needs WebGPU ${missing.join(', ')}, which this device lacks`;
	const bytes = model.sizes[dtype] ?? 0;
	if (caps.storageQuotaBytes !== null) {
		const allowed = Math.max(0, caps.storageQuotaBytes - (caps.storageUsageBytes ?? 0)) * QUOTA_HEADROOM;
		if (bytes > allowed) return `needs ${formatBytes(bytes)}, this browser allows ${formatBytes(allowed)}`;
	}
	if (caps.deviceMemoryGiB !== null) {
		const allowed = caps.deviceMemoryGiB * GiB * MEMORY_SHARE;
		if (bytes > allowed) return `needs ${formatBytes(bytes)}, more than this device's memory allows (${formatBytes(allowed)})`;
	}
	return null;
}

export function routeModel(model: CatalogModel, caps: Capabilities, override: DeviceOverride = 'auto', coordinator: CoordinatorInfo = null): Route {
	// web-llm only runs on WebGPU, with the weights it was compiled for.
	const { device, reason } =
		model.runtime === 'web-llm' ? { device: 'webgpu' as const, reason: 'web-llm on WebGPU: the fastest engine on a real GPU.' } : chooseDevice(caps, override);
	const { dtype, reason: dtypeReason } = model.runtime === 'web-llm' ? { dtype: model.defaultDtype, reason: undefined } : chooseDtype(model, caps, device);
	const reasons = dtypeReason ? [reason, dtypeReason] : [reason];
	const blocker = localBlocker(model, caps, dtype);
	if (!blocker) return { where: 'local', whereReason: 'Runs in this browser.', device, dtype, reasons };
	if (coordinator?.models.includes(model.id))
		return { where: 'remote', whereReason: `Runs on the coordinator at ${coordinator.url}: ${blocker}.`, device, dtype, reasons: [] };
	const why = coordinator ? `the coordinator at ${coordinator.url} does not serve it` : 'no coordinator is configured (see Settings)';
	return { where: 'none', whereReason: `Cannot run here: ${blocker}, and ${why}.`, device, dtype, reasons };
}
