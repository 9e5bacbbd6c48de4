// The pages' URL knobs for where models run: `?device=wasm|webgpu` forces a device, `?threads=N` sets
// ONNX Runtime's WASM threads. One reader for the chat and arena pages.
import type { DeviceOverride } from './placement';

export function deviceOptions(params: URLSearchParams): { device: DeviceOverride; threads: number | undefined } {
	const device = params.get('device');
	const threads = Number(params.get('threads'));
	return {
		device: device === 'webgpu' || device === 'wasm' ? device : 'auto',
		threads: Number.isInteger(threads) && threads > 0 ? threads : undefined
	};
}
