// Test support: a device description for the fit verdict's tests (a capable WebGPU desktop unless told otherwise).
import type { Capabilities } from './capabilities';

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

/** `webgpu: null` is a browser without WebGPU; any other field overrides the default. */
export function caps(over: { webgpu?: Partial<Capabilities['webgpu']> | null } & Partial<Omit<Capabilities, 'webgpu'>> = {}): Capabilities {
	const { webgpu, ...rest } = over;
	return {
		webgpu: { available: webgpu !== null, fallback: false, architecture: '', vendor: 'nvidia', shaderF16: true, maxBufferSize: 2 * GiB, maxStorageBufferBindingSize: 2 * GiB, ...(webgpu ?? {}) },
		deviceMemoryGiB: 8,
		storageQuotaBytes: 10e9,
		storageUsageBytes: 0,
		crossOriginIsolated: true,
		hardwareConcurrency: 4,
		...rest
	};
}
