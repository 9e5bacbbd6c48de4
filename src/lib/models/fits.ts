// "Does this model fit this device?" for the model manager: a verdict plus the reasons behind it,
// from measured capabilities only (no network). Pure, so a table of devices can test it.
import type { CatalogModel } from '$lib/catalog/catalog';
import type { Capabilities } from '$lib/engine/capabilities';
import { routeModel, type Route } from '$lib/engine/router';
import { formatBytes } from '$lib/catalog/catalog';
import { isWebllmModel } from '$lib/catalog/webllm';
import type { WebllmModel } from '$lib/engine/webllm-adapter';
import { webllmFits } from '$lib/engine/webllm-fits';

export type ReasonLevel = 'ok' | 'warn' | 'fail';
export type FitReason = { level: ReasonLevel; text: string };
/** `fits`: runs well; `slow`: runs, but on the CPU or a software adapter; `no`: will not run or not be stored. */
export type Verdict = 'fits' | 'slow' | 'no';
/** `route`: where and with which weights it would run (only what both runtimes share). */
export type Fit = { verdict: Verdict; route: Pick<Route, 'device' | 'dtype'>; sizeBytes: number; reasons: FitReason[] };

const GiB = 1024 ** 3;
/** Largest single weight tensor (usually the embedding) as a share of the download: a rough estimate. */
const LARGEST_TENSOR_SHARE = 0.25;
/** Runtime memory over the weights themselves (KV cache, activations, runtime). */
const MEMORY_OVERHEAD = 1.25;

export function fitsDevice(model: CatalogModel, caps: Capabilities, cachedBytes = 0): Fit {
	const route = routeModel(model, caps);
	const sizeBytes = model.sizes[route.dtype] ?? 0;
	const reasons: FitReason[] = [];
	const gpu = caps.webgpu;

	if (!gpu.available) reasons.push({ level: 'warn', text: 'No WebGPU adapter: runs on the CPU (WASM), slowly.' });
	else if (gpu.fallback)
		reasons.push({ level: 'warn', text: `WebGPU adapter is a software fallback (${gpu.architecture || 'CPU'}): treated as no GPU.` });
	else reasons.push({ level: 'ok', text: `Real WebGPU adapter${gpu.vendor ? ` (${gpu.vendor})` : ''}.` });

	for (const feature of model.requiredFeatures) {
		if (feature === 'shader-f16' && gpu.shaderF16) reasons.push({ level: 'ok', text: 'shader-f16 supported.' });
		else if (feature === 'shader-f16')
			reasons.push(
				route.dtype === model.defaultDtype
					? { level: 'fail', text: `Needs shader-f16, which this device lacks, and ships no other weights.` }
					: { level: 'warn', text: `No shader-f16: uses ${route.dtype} weights instead of ${model.defaultDtype}.` }
			);
		else reasons.push({ level: 'warn', text: `Needs WebGPU feature ${feature} (not checked).` });
	}

	if (route.device === 'webgpu') {
		const largest = Math.ceil(sizeBytes * LARGEST_TENSOR_SHARE);
		const limit = Math.min(gpu.maxBufferSize, gpu.maxStorageBufferBindingSize);
		reasons.push(
			largest <= limit
				? { level: 'ok', text: `GPU buffer limit ${formatBytes(limit)} ≥ largest tensor (~${formatBytes(largest)}).` }
				: { level: 'fail', text: `GPU buffer limit ${formatBytes(limit)} < largest tensor (~${formatBytes(largest)}).` }
		);
	}

	const needMemory = sizeBytes * MEMORY_OVERHEAD;
	if (caps.deviceMemoryGiB === null) reasons.push({ level: 'ok', text: 'Device memory unknown (no deviceMemory hint).' });
	else if (needMemory <= caps.deviceMemoryGiB * GiB * 0.5)
		reasons.push({ level: 'ok', text: `Needs ~${formatBytes(needMemory)} of memory; device reports ≥ ${caps.deviceMemoryGiB} GiB.` });
	else if (needMemory <= caps.deviceMemoryGiB * GiB)
		reasons.push({ level: 'warn', text: `Needs ~${formatBytes(needMemory)}: tight for a ${caps.deviceMemoryGiB} GiB device.` });
	else reasons.push({ level: 'fail', text: `Needs ~${formatBytes(needMemory)}; device reports ${caps.deviceMemoryGiB} GiB.` });

	reasons.push(storageReason(sizeBytes, cachedBytes, caps));

	const verdict: Verdict = reasons.some((r) => r.level === 'fail') ? 'no' : route.device === 'webgpu' ? 'fits' : 'slow';
	return { verdict, route, sizeBytes, reasons };
}

function storageReason(sizeBytes: number, cachedBytes: number, caps: Capabilities): FitReason {
	const missing = Math.max(0, sizeBytes - cachedBytes);
	if (caps.storageQuotaBytes === null) return { level: 'warn', text: 'Storage quota unknown.' };
	const free = Math.max(0, caps.storageQuotaBytes - (caps.storageUsageBytes ?? 0));
	if (missing === 0) return { level: 'ok', text: 'Already stored in this browser.' };
	if (missing <= free) return { level: 'ok', text: `${formatBytes(free)} of storage free for ${formatBytes(missing)}.` };
	return { level: 'fail', text: `Only ${formatBytes(free)} of storage free; needs ${formatBytes(missing)}.` };
}

/** web-llm runs only on a real GPU: its verdict is webllmFits' (the router uses the same), plus free storage. */
export function fitsWebllm(model: WebllmModel, caps: Capabilities): Fit {
	const fit = webllmFits(model, caps);
	const sizeBytes = model.sizes[model.defaultDtype] ?? 0;
	const reasons: FitReason[] = fit.reasons.map((r) => ({ level: r.ok ? 'ok' : 'fail', text: r.text }));
	reasons.push(storageReason(sizeBytes, 0, caps));
	const verdict: Verdict = reasons.some((r) => r.level === 'fail') ? 'no' : 'fits';
	return { verdict, route: { device: 'webgpu', dtype: model.defaultDtype }, sizeBytes, reasons };
}

/** The verdict for any catalog model, by its runtime. */
export function fitFor(model: CatalogModel, caps: Capabilities, cachedBytes = 0): Fit {
	return isWebllmModel(model) ? fitsWebllm(model, caps) : fitsDevice(model, caps, cachedBytes);
}
