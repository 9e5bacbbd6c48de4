// Reads the arena pages' URL knobs: `?device=wasm|webgpu`, `?threads=N` (like the chat page) and
// `?models=a,b,c` to restrict the anonymous draw to those models; each side leases its engines from the app's hub,
// and the votes go to the coordinator in Settings (if any), which issues each battle's id and moderates its prompts.
import type { ArenaMode, ArenaOptions } from '$lib/arena/arena-state.svelte';
import { configuredArenaServer } from '$lib/arena/arena-server';
import { EngineState } from '$lib/chat/engine-state.svelte';
import type { EngineHub } from '$lib/engine/engine-hub';
import { deviceOptions } from '$lib/engine/device-options';

export function arenaOptions(mode: ArenaMode, params: URLSearchParams, hub: EngineHub): ArenaOptions {
	const { device, threads } = deviceOptions(params);
	const models = params.get('models');
	return {
		mode,
		pool: models ? models.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
		engines: (slot) => new EngineState(hub.lease(`arena ${slot}`), device, threads),
		server: configuredArenaServer
	};
}
