// What this browser can do for inference, measured once: WebGPU adapter (and whether it is a CPU
// fallback such as SwiftShader), shader-f16, buffer limits, memory hint, storage quota, isolation.

export type Capabilities = {
	webgpu: {
		available: boolean;
		/** A software (CPU) adapter: correct but as slow as JavaScript, so not a "real GPU". */
		fallback: boolean;
		architecture: string;
		vendor: string;
		shaderF16: boolean;
		maxBufferSize: number;
		maxStorageBufferBindingSize: number;
	};
	deviceMemoryGiB: number | null;
	storageQuotaBytes: number | null;
	storageUsageBytes: number | null;
	crossOriginIsolated: boolean;
	hardwareConcurrency: number;
};

type GpuAdapterLike = {
	features: { has(name: string): boolean };
	limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
	info?: { architecture?: string; vendor?: string; isFallbackAdapter?: boolean };
	isFallbackAdapter?: boolean;
};

export async function detectCapabilities(nav: Navigator = navigator): Promise<Capabilities> {
	const gpu = (nav as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
	let adapter: GpuAdapterLike | null;
	try {
		adapter = (await gpu?.requestAdapter()) ?? null;
	} catch {
		adapter = null; // some browsers throw instead of returning null when WebGPU is blocked
	}
	const architecture = adapter?.info?.architecture ?? '';
	const fallback = Boolean(adapter && (adapter.info?.isFallbackAdapter || adapter.isFallbackAdapter || architecture === 'swiftshader'));
	let quota: number | null = null;
	let usage: number | null = null;
	try {
		const est = await nav.storage?.estimate();
		quota = est?.quota ?? null;
		usage = est?.usage ?? null;
	} catch {
		// estimate() is missing or refused (insecure context): quota stays unknown
	}
	return {
		webgpu: {
			available: Boolean(adapter),
			fallback,
			architecture,
			vendor: adapter?.info?.vendor ?? '',
			shaderF16: Boolean(adapter?.features.has('shader-f16')),
			maxBufferSize: adapter?.limits.maxBufferSize ?? 0,
			maxStorageBufferBindingSize: adapter?.limits.maxStorageBufferBindingSize ?? 0
		},
		deviceMemoryGiB: (nav as Navigator & { deviceMemory?: number }).deviceMemory ?? null,
		storageQuotaBytes: quota,
		storageUsageBytes: usage,
		crossOriginIsolated: typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated,
		hardwareConcurrency: nav.hardwareConcurrency ?? 1
	};
}
