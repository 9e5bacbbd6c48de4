// Test-only: a stand-in for the browser's Worker constructor that speaks just enough comlink to answer
// `load` and `unload` like the model worker, and records which workers are still running.
import type { LoadResult } from '$lib/protocol/worker-api';

export class FakeWorker extends EventTarget {
	static live = new Set<FakeWorker>();
	static spawned = 0;
	static reset(): void {
		FakeWorker.live.clear();
		FakeWorker.spawned = 0;
	}

	constructor() {
		super();
		FakeWorker.spawned++;
		FakeWorker.live.add(this);
	}

	postMessage(message: { id?: string; type?: string; path?: string[] }): void {
		if (message.type !== 'APPLY' || !message.id) return;
		const [method] = message.path ?? [];
		const value: LoadResult | undefined =
			method === 'load' ? { modelId: 'fake', device: 'wasm', dtype: 'fp32', networkBytes: 0, cachedBytes: 0, loadMs: 1 } : undefined;
		setTimeout(() => this.dispatchEvent(new MessageEvent('message', { data: { id: message.id, type: 'RAW', value } })), 1);
	}

	terminate(): void {
		FakeWorker.live.delete(this);
	}
}

/**
 * Replaces `Worker` (and, on Node 20, the missing `navigator`) for one test file; returns the undo.
 * The real spawn functions then construct FakeWorkers, so everything above them runs unchanged.
 */
export function installFakeWorker(): () => void {
	const saved = { Worker: globalThis.Worker, navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator') };
	globalThis.Worker = FakeWorker as unknown as typeof Worker;
	if (!saved.navigator) Object.defineProperty(globalThis, 'navigator', { value: { hardwareConcurrency: 2 }, configurable: true });
	return () => {
		globalThis.Worker = saved.Worker;
		if (!saved.navigator) Reflect.deleteProperty(globalThis, 'navigator');
	};
}
