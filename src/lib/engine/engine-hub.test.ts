// The app's engine owner: leases start workers only when a model loads, and giving a lease back (or
// disposing the hub) unloads and terminates them, so page visits never accumulate workers.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findModel } from '$lib/catalog/catalog';
import type { WorkerLoadSpec } from '$lib/protocol/worker-api';
import { EngineHub } from './engine-hub';
import { FakeWorker, installFakeWorker } from './test-support';

let restore: () => void;
beforeAll(() => (restore = installFakeWorker()));
afterAll(() => restore());
beforeEach(() => FakeWorker.reset());

const tiny = findModel('lumen-tiny-a')!;
const spec = (): WorkerLoadSpec => ({ modelId: tiny.id, repo: tiny.id, host: 'http://x/', pathTemplate: '{model}/', revision: 'main', device: 'wasm', dtype: 'fp32', wasmBase: 'http://x/' });

describe('EngineHub', () => {
	it('dispose unloads and terminates every worker of every lease', async () => {
		const hub = new EngineHub();
		const chat = hub.lease('chat').worker('transformers', spec);
		const arena = hub.lease('arena A').worker('web-llm', spec);
		await Promise.all([chat.load(tiny), arena.load(tiny)]);
		expect(FakeWorker.live.size).toBe(2);
		expect(hub.liveWorkers).toBe(2);
		await hub.dispose();
		expect(FakeWorker.live.size).toBe(0);
		expect(hub.liveWorkers).toBe(0);
		expect(chat.modelId).toBeNull();
	});

	it('visiting chat, arena and chat again leaves only the workers of the page on screen', async () => {
		const hub = new EngineHub();
		const visit = async (slots: string[]) => {
			const leases = slots.map((s) => hub.lease(s));
			await Promise.all(leases.map((l) => l.worker('transformers', spec).load(tiny)));
			return leases;
		};
		for (const page of [['chat'], ['arena A', 'arena B'], ['chat']]) {
			const leases = await visit(page);
			expect(FakeWorker.live.size, `while on ${page.join(' + ')}`).toBe(page.length);
			await Promise.all(leases.map((l) => l.release()));
			expect(FakeWorker.live.size, `after leaving ${page.join(' + ')}`).toBe(0);
		}
		expect(FakeWorker.spawned).toBe(4);
	});

	it('a released lease refuses to hand out engines again, and releasing twice is harmless', async () => {
		const lease = new EngineHub().lease('chat');
		await lease.release();
		await lease.release();
		expect(() => lease.worker('transformers', spec)).toThrow(/already given back/);
	});
});
