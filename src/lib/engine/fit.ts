// "Does this model fit this device?": the one verdict, with its reasons, that the router (whether the
// chat may run a model here) and the /models page (what it shows) both use. Pure: capabilities in, verdict out.
import { formatBytes, type CatalogModel } from '$lib/catalog/catalog';
import type { Capabilities } from './capabilities';
import { F16_DTYPES, placeModel, type DeviceOverride, type Placement } from './placement';
import type { WebllmModel } from './webllm-adapter';

export type ReasonLevel = 'ok' | 'warn' | 'fail';
export type FitReason = { level: ReasonLevel; text: string };
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
			? [{ level: 'fail', text: 'It is served only by the coordinator.' }]
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

/** The first failed reason as a clause ("needs 26 MiB, …"), for sentences such as "Cannot run here: …". */
export function blockerOf(fit: Fit): string | null {
	const failed = fit.reasons.find((r) => r.level === 'fail');
	if (!failed) return null;
	const text = failed.text.replace(/\.$/, '');
	return /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
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
	const real = `Real WebGPU adapter${gpu.vendor ? ` (${gpu.vendor})` : ''}.`;
	const software = `software fallback (${gpu.architecture || 'CPU'})`;
	if (webllm) {
		if (!gpu.available) return { level: 'fail', text: 'No WebGPU adapter: web-llm needs WebGPU.' };
		if (gpu.fallback) return { level: 'fail', text: `The WebGPU adapter is a ${software}, not a real GPU.` };
		return { level: 'ok', text: real };
	}
	if (placement.device === 'webgpu')
		return gpu.fallback ? { level: 'warn', text: `WebGPU on a ${software} adapter: correct but slow.` } : { level: 'ok', text: real };
	if (!gpu.available) return { level: 'warn', text: 'No WebGPU adapter: runs on the CPU (WASM), slowly.' };
	if (gpu.fallback) return { level: 'warn', text: `WebGPU adapter is a ${software}: treated as no GPU.` };
	return { level: 'warn', text: 'Runs on the CPU (WASM), as requested.' };
}

/**
 * web-llm needs every feature it was compiled for. Transformers.js needs shader-f16 only for f16 weights:
 * without it the placement already picked other weights, if the model ships any.
 */
function featureReasons(model: CatalogModel, caps: Capabilities, placement: Placement, webllm: boolean): FitReason[] {
	const f16 = caps.webgpu.available && caps.webgpu.shaderF16 && placement.device === 'webgpu';
	const reasons: FitReason[] = [];
	if (webllm ? model.requiredFeatures.includes('shader-f16') : F16_DTYPES.includes(placement.dtype)) {
		if (f16) reasons.push({ level: 'ok', text: 'shader-f16 supported.' });
		else if (webllm) reasons.push({ level: 'fail', text: 'Needs shader-f16 (f16 weights), which this GPU lacks: pick a q4f32 variant.' });
		else reasons.push({ level: 'fail', text: `Needs shader-f16 for its ${placement.dtype} weights, which this device lacks, and ships no other weights.` });
	} else if (model.requiredFeatures.includes('shader-f16'))
		reasons.push({ level: 'warn', text: `No shader-f16: uses ${placement.dtype} weights instead of ${model.defaultDtype}.` });
	for (const feature of model.requiredFeatures)
		if (feature !== 'shader-f16' && placement.device === 'webgpu') reasons.push({ level: 'warn', text: `Needs WebGPU feature ${feature} (not checked).` });
	return reasons;
}

function bufferReason(caps: Capabilities, needBytes: number): FitReason {
	const limit = Math.min(caps.webgpu.maxBufferSize, caps.webgpu.maxStorageBufferBindingSize);
	return limit >= needBytes
		? { level: 'ok', text: `GPU buffer limit ${formatBytes(limit)} ≥ largest buffer needed (~${formatBytes(needBytes)}).` }
		: { level: 'fail', text: `GPU buffer limit ${formatBytes(limit)} < largest buffer needed (~${formatBytes(needBytes)}).` };
}

function memoryReason(caps: Capabilities, needBytes: number | null): FitReason {
	if (needBytes === null) return { level: 'ok', text: 'Memory need unknown.' };
	const need = `~${formatBytes(needBytes)}`;
	if (caps.deviceMemoryGiB === null) return { level: 'ok', text: `Needs ${need} of memory; this device does not report its memory.` };
	const allowed = caps.deviceMemoryGiB * GiB * MEMORY_SHARE;
	return needBytes <= allowed
		? { level: 'ok', text: `Needs ${need} of memory; the device reports ≥ ${caps.deviceMemoryGiB} GiB.` }
		: { level: 'fail', text: `Needs ${need} of memory, more than this device's memory allows (${formatBytes(allowed)} of the ${caps.deviceMemoryGiB} GiB it reports).` };
}

function storageReason(caps: Capabilities, missingBytes: number): FitReason {
	if (missingBytes === 0) return { level: 'ok', text: 'Already stored in this browser.' };
	if (caps.storageQuotaBytes === null) return { level: 'warn', text: 'Storage quota unknown.' };
	const free = Math.max(0, caps.storageQuotaBytes - (caps.storageUsageBytes ?? 0));
	const allowed = free * QUOTA_SHARE;
	return missingBytes <= allowed
		? { level: 'ok', text: `${formatBytes(free)} of storage free for ${formatBytes(missingBytes)}.` }
		: { level: 'fail', text: `Needs ${formatBytes(missingBytes)}, this browser allows ${formatBytes(allowed)}.` };
}
