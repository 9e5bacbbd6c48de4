// Which model is picked, where it runs and whether it is loaded: shared by the chat page's parts.
// Invariant: `status === 'ready'` only while `engine` holds `modelId` loaded.
import { catalog, findModel, type CatalogModel } from '$lib/catalog/catalog';
import { detectCapabilities, type Capabilities } from '$lib/engine/capabilities';
import { routeModel, type DeviceOverride, type Route } from '$lib/engine/router';
import { WorkerEngine } from '$lib/engine/worker-engine';
import { loadSpec, spawnTransformersWorker } from '$lib/engine/browser-worker';
import { toLumenError, type LumenErrorData } from '$lib/protocol/errors';
import type { LoadProgress, LoadResult } from '$lib/protocol/worker-api';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export class EngineState {
	models: CatalogModel[] = catalog.filter((m) => m.runtime === 'transformers');
	modelId = $state(catalog[0].id);
	status = $state<LoadStatus>('idle');
	progress = $state<LoadProgress | null>(null);
	error = $state<LumenErrorData | null>(null);
	lastLoad = $state<LoadResult | null>(null);
	caps = $state<Capabilities | null>(null);
	override = $state<DeviceOverride>('auto');
	readonly model = $derived(findModel(this.modelId) ?? catalog[0]);
	readonly route = $derived<Route | null>(this.caps ? routeModel(this.model, this.caps, this.override) : null);

	private engine: WorkerEngine;
	private loadController: AbortController | null = null;
	private loadedKey: string | null = null;

	/** `threads`: ONNX Runtime WASM threads (default: its own choice when cross-origin isolated, else 1). */
	constructor(override: DeviceOverride = 'auto', threads?: number) {
		this.override = override;
		this.engine = new WorkerEngine(spawnTransformersWorker, (model) => {
			if (!this.route) throw new Error('capabilities not detected yet');
			return loadSpec(model, routeModel(model, this.caps!, this.override), threads ?? (this.caps?.crossOriginIsolated ? undefined : 1));
		});
	}

	async init(): Promise<void> {
		this.caps = await detectCapabilities();
	}

	get ready(): boolean {
		return this.status === 'ready' && this.loadedKey === this.key();
	}

	private key(): string {
		return `${this.modelId}|${this.route?.device}|${this.route?.dtype}`;
	}

	select(id: string): void {
		if (id === this.modelId) return;
		this.cancelLoad();
		this.modelId = id;
		this.status = 'idle';
		this.error = null;
		this.progress = null;
	}

	/** Loads the picked model (no-op when it is already loaded). Resolves false on failure or cancel. */
	async load(): Promise<boolean> {
		if (this.ready) return true;
		if (!this.caps) await this.init();
		this.cancelLoad();
		const controller = new AbortController();
		this.loadController = controller;
		const key = this.key();
		this.status = 'loading';
		this.error = null;
		this.progress = { phase: 'download', loaded: 0, total: this.model.sizes[this.route!.dtype] ?? 0 };
		try {
			this.lastLoad = await this.engine.load(this.model, {
				signal: controller.signal,
				onProgress: (p) => {
					if (this.loadController === controller) this.progress = p;
				}
			});
			if (this.loadController !== controller) return false;
			this.loadedKey = key;
			this.status = 'ready';
			return true;
		} catch (err) {
			if (this.loadController === controller) {
				this.error = toLumenError(err, 'model_load_failed').toData();
				this.status = 'error';
			}
			return false;
		} finally {
			if (this.loadController === controller) this.loadController = null;
		}
	}

	cancelLoad(): void {
		if (!this.loadController) return;
		this.loadController.abort();
		this.loadController = null;
		this.status = 'idle';
		this.progress = null;
	}

	get chatEngine(): WorkerEngine {
		return this.engine;
	}
}
