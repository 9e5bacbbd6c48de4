// Leaving the arena must end both sides' Web Workers, not only unload their models: a page visit
// may not leave workers behind. Real EngineState, EngineHub and WorkerEngine; only the Worker constructor is fake.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EngineState } from '$lib/chat/engine-state.svelte';
import { EngineHub } from '$lib/engine/engine-hub';
import { FakeWorker, installFakeWorker } from '$lib/engine/test-support';
import { ArenaState } from './arena-state.svelte';

let restore: () => void;
beforeAll(() => (restore = installFakeWorker()));
afterAll(() => restore());
beforeEach(() => FakeWorker.reset());

describe('ArenaState.dispose', () => {
	it('terminates the workers both sides started', async () => {
		const hub = new EngineHub();
		const arena = new ArenaState({ mode: 'named', engines: (slot) => new EngineState(hub.lease(slot), 'wasm') });
		await arena.init();
		arena.pick('lumen-tiny-a', 'lumen-tiny-b');
		await Promise.all(arena.sides.map((s) => s.engines.load()));
		expect(FakeWorker.spawned, 'each side loaded its model in a worker of its own').toBe(2);
		expect(FakeWorker.live.size).toBe(2);
		await arena.dispose();
		expect(FakeWorker.live.size, 'workers still running after leaving the arena').toBe(0);
		expect(hub.liveWorkers).toBe(0);
	});
});
