// The app's one owner of engines: pages lease the engines they need for a slot ("chat", "arena A") and
// give them back when they go away, which unloads the models and ends the Web Workers, so visits never pile up workers.
import { createContext } from 'svelte';
import { LumenError } from '$lib/protocol/errors';
import { spawnTransformersWorker } from './browser-worker';
import { RemoteEngine, type RemoteConfig } from './remote-engine';
import { spawnWebllmWorker } from './webllm-worker-handle';
import { WorkerEngine, type SpecFor, type WorkerHandle } from './worker-engine';

export type WorkerKind = 'transformers' | 'web-llm';
export type Spawners = Record<WorkerKind, () => WorkerHandle>;

/** How long a release waits for a worker to free its model before ending it anyway (a busy worker may never answer). */
const UNLOAD_GRACE_MS = 1000;

/** The root layout creates the one hub and hands it to every page through context. */
export const [getEngineHub, setEngineHub] = createContext<EngineHub>();

export class EngineHub {
	private readonly leases = new Set<EngineLease>();

	constructor(private readonly spawners: Spawners = { transformers: spawnTransformersWorker, 'web-llm': spawnWebllmWorker }) {}

	/** Engines for one slot of a page; nothing starts until the slot loads a model. Give them back with `release()`. */
	lease(slot: string): EngineLease {
		const lease = new EngineLease(slot, this.spawners, () => this.leases.delete(lease));
		this.leases.add(lease);
		return lease;
	}

	/** Web Workers running for all leases: what a test or the e2e checks stays flat across visits. */
	get liveWorkers(): number {
		let n = 0;
		for (const lease of this.leases) n += lease.liveWorkers;
		return n;
	}

	/** Releases every lease (the app is going away). */
	async dispose(): Promise<void> {
		await Promise.all([...this.leases].map((l) => l.release()));
	}
}

export class EngineLease {
	private readonly workers = new Map<WorkerKind, WorkerEngine>();
	private remoteEngine: RemoteEngine | null = null;
	private released = false;

	constructor(
		readonly slot: string,
		private readonly spawners: Spawners,
		private readonly onRelease: () => void
	) {}

	/** This slot's engine over a worker of `kind`, created on first use; its worker starts with the first load. */
	worker(kind: WorkerKind, specFor: SpecFor): WorkerEngine {
		this.assertLive();
		let engine = this.workers.get(kind);
		if (!engine) {
			engine = new WorkerEngine(this.spawners[kind], specFor);
			this.workers.set(kind, engine);
		}
		return engine;
	}

	/** This slot's engine for a coordinator; a new config replaces the old engine. */
	remote(config: RemoteConfig): RemoteEngine {
		this.assertLive();
		this.remoteEngine = new RemoteEngine(config);
		return this.remoteEngine;
	}

	get liveWorkers(): number {
		return [...this.workers.values()].filter((w) => w.alive).length;
	}

	/** Unloads every model (briefly waiting for the worker) and ends every worker. Safe to call twice. */
	async release(): Promise<void> {
		if (this.released) return;
		this.released = true;
		this.onRelease();
		const engines = [...this.workers.values()];
		await Promise.all(
			engines.map(async (engine) => {
				await Promise.race([engine.unload().catch(() => undefined), new Promise((r) => setTimeout(r, UNLOAD_GRACE_MS))]);
				engine.terminate();
			})
		);
		await this.remoteEngine?.unload();
	}

	private assertLive(): void {
		if (this.released) throw new LumenError('internal', `The "${this.slot}" engines were already given back; lease new ones.`);
	}
}
