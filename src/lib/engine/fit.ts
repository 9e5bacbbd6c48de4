// "Does this model fit this device?": the one verdict, with its reasons, that the router (whether the
// chat may run a model here) and the /models page (what it shows) both use. Pure: capabilities in, verdict out.
import { formatBytes, type CatalogModel } from '$lib/catalog/catalog';
import type { Message } from '$lib/i18n/format';
import type { Capabilities } from './capabilities';
import { F16_DTYPES, placeModel, type DeviceOverride, type Placement } from './placement';
import type { WebllmModel } from './webllm-adapter';

export type ReasonLevel = 'ok' | 'warn' | 'fail';
/** A reason is a message (id and values, in en.json / zh-CN.json): `messageText(reason, locale)` words it. */
export type FitReason = Message & { level: ReasonLevel };
/** `fits`: runs well here; `slow`: runs, but on the CPU or a software adapter; `no`: will not run or not be stored. */
export type Verdict = 'fits' | 'slow' | 'no';
export type Fit = { verdict: Verdict; placement: Placement; sizeBytes: number; reasons: FitReason[] };

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/**
 * Share of the `deviceMemory` hint one model may take. Browsers cap the hint at 8 (and round it down),
 * so "8" means "8 GiB or more"; a quarter stays for the OS, the browser and the page. This is also
 * web-llm's own sizing: its 8B q4f16 models (~4.9 GiB VRAM) are meant for 8 GiB machines.
 */
export const MEMORY_SHARE = 0.75;
/**
 * Share of the free storage quota new weights may take. The quota is an estimate, IndexedDB stores each
 * chunk with overhead, and conversations and votes need room too; a download that fills the disk to the
 * byte fails halfway, which is worse than being told up front.
 */
export const QUOTA_SHARE = 0.8;
/** Transformers.js memory over the weights (KV cache, activations, runtime). web-llm's VRAM figure already includes them. */
const RUNTIME_OVERHEAD = 1.25;
/** Largest single weight tensor (usually the embedding) as a share of the download: it must fit one GPU buffer. */
const LARGEST_TENSOR_SHARE = 0.25;
/** web-llm's rule of thumb: low-resource models work within WebGPU's default 128 MiB binding limit, others want 1 GiB. */
const WEBLLM_BUFFER_NEED = { low: 128 * MiB, normal: GiB };

/** The verdict for running `model` here as placed, given how many of its bytes this browser already stores. */
export function assessFit(model: CatalogModel, caps: Capabilities, placement: Placement, cachedBytes = 0): Fit {
	const sizeBytes = model.sizes[placement.dtype] ?? 0;
	const webllm = model.runtime === 'web-llm' ? webllmNeeds(model) : null;
	const reasons: FitReason[] =
		model.runtime === 'remote'
			? [{ level: 'fail', id: 'fit.remoteOnly' }]
			: [
					adapterReason(caps, placement, webllm !== null),
					...featureReasons(model, caps, placement, webllm !== null),
					...(placement.device === 'webgpu' && caps.webgpu.available ? [bufferReason(caps, webllm?.bufferBytes ?? Math.ceil(sizeBytes * LARGEST_TENSOR_SHARE))] : []),
					memoryReason(caps, webllm ? webllm.vramBytes : sizeBytes * RUNTIME_OVERHEAD),
					storageReason(caps, Math.max(0, sizeBytes - cachedBytes))
				];
	const slow = placement.device === 'wasm' || caps.webgpu.fallback;
	const verdict: Verdict = reasons.some((r) => r.level === 'fail') ? 'no' : slow ? 'slow' : 'fits';
	return { verdict, placement, sizeBytes, reasons };
}

/** Places the model as the router would, then judges it: what /models shows and what the router acts on. */
export function fitFor(model: CatalogModel, caps: Capabilities, cachedBytes = 0, override: DeviceOverride = 'auto'): Fit {
	return assessFit(model, caps, placeModel(model, caps, override), cachedBytes);
}

/** The first failed reason, for sentences such as "Cannot run here: {blocker}…" (a nested message reads as a clause). */
export function blockerOf(fit: Fit): FitReason | null {
	return fit.reasons.find((r) => r.level === 'fail') ?? null;
}

function webllmNeeds(model: CatalogModel): { vramBytes: number | null; bufferBytes: number } {
	const m = 'vramBytes' in model ? (model as WebllmModel) : null;
	return {
		vramBytes: m ? m.vramBytes : null,
		bufferBytes: m?.bufferBytes ?? (m?.lowResource ? WEBLLM_BUFFER_NEED.low : WEBLLM_BUFFER_NEED.normal)
	};
}

function adapterReason(caps: Capabilities, placement: Placement, webllm: boolean): FitReason {
	const gpu = caps.webgpu;
	const real: FitReason = gpu.vendor ? { level: 'ok', id: 'fit.realAdapterVendor', values: { vendor: gpu.vendor } } : { level: 'ok', id: 'fit.realAdapter' };
	const arch = { arch: gpu.architecture || 'CPU' };
	if (webllm) {
		if (!gpu.available) return { level: 'fail', id: 'fit.webllmNoWebgpu' };
		if (gpu.fallback) return { level: 'fail', id: 'fit.webllmSoftware', values: arch };
		return real;
	}
	if (placement.device === 'webgpu') return gpu.fallback ? { level: 'warn', id: 'fit.webgpuSoftware', values: arch } : real;
	if (!gpu.available) return { level: 'warn', id: 'fit.noWebgpuWasm' };
	if (gpu.fallback) return { level: 'warn', id: 'fit.softwareAsNoGpu', values: arch };
	return { level: 'warn', id: 'fit.wasmRequested' };
}

/**
 * web-llm needs every feature it was compiled for. Transformers.js needs shader-f16 only for f16 weights:
 * without it the placement already picked other weights, if the model ships any.
 */
function featureReasons(model: CatalogModel, caps: Capabilities, placement: Placement, webllm: boolean): FitReason[] {
	const f16 = caps.webgpu.available && caps.webgpu.shaderF16 && placement.device === 'webgpu';
	const reasons: FitReason[] = [];
	if (webllm ? model.requiredFeatures.includes('shader-f16') : F16_DTYPES.includes(placement.dtype)) {
		if (f16) reasons.push({ level: 'ok', id: 'fit.f16Ok' });
		else if (webllm) reasons.push({ level: 'fail', id: 'fit.webllmNeedsF16' });
		else reasons.push({ level: 'fail', id: 'fit.needsF16', values: { dtype: placement.dtype } });
	} else if (model.requiredFeatures.includes('shader-f16'))
		reasons.push({ level: 'warn', id: 'fit.noF16Fallback', values: { dtype: placement.dtype, preferred: model.defaultDtype } });
	for (const feature of model.requiredFeatures)
		if (feature !== 'shader-f16' && placement.device === 'webgpu') reasons.push({ level: 'warn', id: 'fit.featureUnchecked', values: { feature } });
	return reasons;
}

function bufferReason(caps: Capabilities, needBytes: number): FitReason {
	const limit = Math.min(caps.webgpu.maxBufferSize, caps.webgpu.maxStorageBufferBindingSize);
	const values = { limit: formatBytes(limit), need: formatBytes(needBytes) };
	return limit >= needBytes ? { level: 'ok', id: 'fit.bufferOk', values } : { level: 'fail', id: 'fit.bufferTooSmall', values };
}

function memoryReason(caps: Capabilities, needBytes: number | null): FitReason {
	if (needBytes === null) return { level: 'ok', id: 'fit.memoryUnknown' };
	const need = formatBytes(needBytes);
	if (caps.deviceMemoryGiB === null) return { level: 'ok', id: 'fit.memoryUnreported', values: { need } };
	const allowed = caps.deviceMemoryGiB * GiB * MEMORY_SHARE;
	const have = caps.deviceMemoryGiB;
	return needBytes <= allowed
		? { level: 'ok', id: 'fit.memoryOk', values: { need, have } }
		: { level: 'fail', id: 'fit.memoryTooMuch', values: { need, have, allowed: formatBytes(allowed) } };
}

function storageReason(caps: Capabilities, missingBytes: number): FitReason {
	if (missingBytes === 0) return { level: 'ok', id: 'fit.stored' };
	if (caps.storageQuotaBytes === null) return { level: 'warn', id: 'fit.quotaUnknown' };
	const free = Math.max(0, caps.storageQuotaBytes - (caps.storageUsageBytes ?? 0));
	const allowed = free * QUOTA_SHARE;
	return missingBytes <= allowed
		? { level: 'ok', id: 'fit.storageOk', values: { free: formatBytes(free), need: formatBytes(missingBytes) } }
		: { level: 'fail', id: 'fit.storageTooSmall', values: { need: formatBytes(missingBytes), allowed: formatBytes(allowed) } };
}
