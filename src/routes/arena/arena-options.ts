// Reads the arena pages' URL knobs: `?device=wasm|webgpu`, `?threads=N` (like the chat page) and
// `?models=a,b,c` to restrict the anonymous draw to those models.
import type { ArenaMode, ArenaOptions } from '$lib/arena/arena-state.svelte';

export function arenaOptions(mode: ArenaMode, params: URLSearchParams): ArenaOptions {
	const device = params.get('device');
	const threads = Number(params.get('threads'));
	const models = params.get('models');
	return {
		mode,
		device: device === 'webgpu' || device === 'wasm' ? device : 'auto',
		threads: Number.isInteger(threads) && threads > 0 ? threads : undefined,
		pool: models ? models.split(',').map((s) => s.trim()).filter(Boolean) : undefined
	};
}
