// Which model is picked, where it runs (this browser or the configured coordinator) and whether it is
// loaded: shared by the chat page's parts and each arena side. Its engines are leased from the app's
// EngineHub and given back by `release()`. Invariant: `status === 'ready'` only while the routed engine holds `modelId`.
import { catalog, findModel, type CatalogModel } from '$lib/catalog/catalog';
import { detectCapabilities, type Capabilities } from '$lib/engine/capabilities';
import type { EngineLease } from '$lib/engine/engine-hub';
import { activeCoordinator } from '$lib/engine/active-coordinator';
import { imageSupport, pickerEntries, routeFor, type ImageSupport, type PickerEntry } from '$lib/engine/picker';
import type { DeviceOverride } from '$lib/engine/placement';
import type { CoordinatorInfo, Route } from '$lib/engine/router';
import type { RemoteEngine } from '$lib/engine/remote-engine';
import type { WorkerEngine } from '$lib/engine/worker-engine';
import type { Engine } from '$lib/engine/types';
import { getSettings } from '$lib/storage/settings';
import { listCachedModels } from '$lib/storage';
import { loadSpec } from '$lib/engine/browser-worker';
import { webllmLoadSpec } from '$lib/engine/webllm-worker-handle';
import { toLumenError, type LumenErrorData } from '$lib/protocol/errors';
import { currentLocale, messageText } from '$lib/i18n';
import type { LoadProgress, LoadResult } from '$lib/protocol/worker-api';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/**
 * An engine elsewhere in the app that already holds `model` loaded in this tab (the /serve page's worker
 * while it serves that model), or null. A page chats through it instead of loading a second copy, and its
 * requests then wait in line with the served ones.
 */
export type SharedEngine = (model: CatalogModel) => Engine | null;

/**
 * Test/diagnostic knob: `?quota=50000000` on the page pretends the browser allows that many bytes of
 * storage (usage taken as 0), so routing by fit can be tried where the real quota is large (headless Chromium: ~10 GB).
 */
function quotaOverride(): number | undefined {
	const raw = typeof location === 'undefined' ? null : new URLSearchParams(location.search).get('quota');
	const n = raw === null ? NaN : Number(raw);
	return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export class EngineState {
	coordinator = $state<CoordinatorInfo>(null);
	/** Why the configured coordinator could not be asked for its models (null: fine or not configured). */
	coordinatorError = $state<string | null>(null);
	/** Bytes of each model this browser already stores: that much needs no new quota. */
	cached = $state<Record<string, number>>({});
	modelId = $state(catalog[0].id);
	/** The person picked the server's copy of a model that could also run in this browser. */
	onServer = $state(false);
	status = $state<LoadStatus>('idle');
	progress = $state<LoadProgress | null>(null);
	error = $state<LumenErrorData | null>(null);
	lastLoad = $state<LoadResult | null>(null);
	caps = $state<Capabilities | null>(null);
	override = $state<DeviceOverride>('auto');
	/** The picker: every model it lists, where each would run and whether it may be picked. */
	readonly entries: PickerEntry[] = $derived(this.caps ? pickerEntries(this.caps, this.context()) : []);
	/** Each model once (a model listed both here and on the server is one model to the arena and to conversations). */
	readonly models: CatalogModel[] = $derived(this.entries.filter((e, i) => this.entries.findIndex((f) => f.model.id === e.model.id) === i).map((e) => e.model));
	/** The picked entry: the server's copy when that was picked, else the model's first entry. */
	readonly entry: PickerEntry | null = $derived(
		this.entries.find((e) => e.model.id === this.modelId && (e.route.where === 'remote') === this.onServer) ??
			this.entries.find((e) => e.model.id === this.modelId) ??
			null
	);
	readonly model = $derived(this.entry?.model ?? findModel(this.modelId, this.models) ?? catalog[0]);
	readonly route = $derived<Route | null>(this.caps ? (this.entry?.route ?? this.routeFor(this.model)) : null);
	/** Whether images may be attached for the picked model where it runs, and if not, why. */
	readonly images: ImageSupport = $derived(imageSupport(this.model, this.route, this.coordinator));

	private readonly engine: WorkerEngine;
	/** web-llm lives in its own worker: it is only spawned when a web-llm model is loaded. */
	private readonly webllm: WorkerEngine;
	private remote: RemoteEngine | null = null;
	private loadController: AbortController | null = null;
	private loadedKey: string | null = null;

	/** `threads`: ONNX Runtime WASM threads (default: its own choice when cross-origin isolated, else 1). */
	constructor(
		private readonly lease: EngineLease,
		override: DeviceOverride = 'auto',
		threads?: number,
		private readonly shared?: SharedEngine
	) {
		this.override = override;
		this.engine = lease.worker('transformers', (model) => {
			const route = this.routeFor(model);
			if (!route) throw new Error('capabilities not detected yet');
			return loadSpec(model, route, threads ?? (this.caps?.crossOriginIsolated ? undefined : 1));
		});
		this.webllm = lease.worker('web-llm', webllmLoadSpec);
	}

	async init(): Promise<void> {
		const [caps] = await Promise.all([detectCapabilities(), this.connect(), this.refreshCached()]);
		const quota = quotaOverride();
		this.caps = quota === undefined ? caps : { ...caps, storageQuotaBytes: quota, storageUsageBytes: 0 };
	}

	/**
	 * Finds the coordinator (Settings, or the page's own server: active-coordinator.ts) and asks it for its
	 * models; a failure leaves the app browser-only.
	 */
	private async connect(): Promise<void> {
		const settings = await getSettings();
		const server = await activeCoordinator(settings);
		this.remote = server ? this.lease.remote({ url: server.url, apiKey: server.apiKey }) : null;
		if (!this.remote) return;
		try {
			const models = await this.remote.listModels(AbortSignal.timeout(10_000));
			const marked = settings.visionModels ?? [];
			this.coordinator = {
				url: this.remote.baseUrl,
				models: models.map((m) => m.id),
				vision: models.filter((m) => m.vision || marked.includes(m.id)).map((m) => m.id)
			};
			this.coordinatorError = null;
		} catch (err) {
			this.coordinator = null;
			this.coordinatorError = `The coordinator at ${this.remote.baseUrl} is not available: ${toLumenError(err).message}`;
		}
	}

	/** The manifests say what is stored; an unreadable store means "nothing cached", which only makes routing stricter. */
	private async refreshCached(): Promise<void> {
		const manifests = await listCachedModels().catch(() => []);
		this.cached = Object.fromEntries(manifests.map((m) => [m.modelId, m.totalBytes]));
	}

	private context() {
		return { override: this.override, coordinator: this.coordinator, cached: this.cached };
	}

	/** Where `model` would run; null until capabilities are known. */
	routeFor(model: CatalogModel): Route | null {
		return this.caps ? routeFor(model, this.caps, this.context()) : null;
	}

	/**
	 * True when the chosen model runs in this tab's Transformers.js worker, which formats prompts itself: only
	 * then do the chat template and system override settings apply (web-llm and coordinators format their own).
	 */
	get formatsPrompts(): boolean {
		return this.route?.where === 'local' && this.model.runtime === 'transformers';
	}

	/** The Transformers.js worker's engine when the picked model runs in it: the engine that can serve to a coordinator. */
	get localWorker(): WorkerEngine | null {
		return this.formatsPrompts ? this.engine : null;
	}

	/** The engine shared with another part of the app (see SharedEngine) that this model runs on, if any. */
	get sharedEngine(): Engine | null {
		return this.route?.where === 'local' ? (this.shared?.(this.model) ?? null) : null;
	}

	get ready(): boolean {
		return this.status === 'ready' && this.loadedKey === this.key();
	}

	private key(): string {
		return `${this.modelId}|${this.route?.where}|${this.route?.device}|${this.route?.dtype}`;
	}

	/** Picks a model by id (its first entry: in this browser when it runs here), or by picker key (`server:<id>`). */
	select(idOrKey: string): void {
		const entry = this.entries.find((e) => e.key === idOrKey);
		const id = entry?.model.id ?? idOrKey;
		const onServer = entry ? entry.route.where === 'remote' : false;
		if (id === this.modelId && onServer === this.onServer) return;
		this.cancelLoad();
		this.modelId = id;
		this.onServer = onServer;
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
		const route = this.route!;
		if (route.where === 'none') {
			this.error = { code: 'model_load_failed', message: messageText(route.whereReason, currentLocale()), retryable: false };
			this.status = 'error';
			return false;
		}
		if (this.sharedEngine) {
			// Already loaded in this tab by its owner: nothing to load, and never a load to cancel on its worker.
			this.loadController = null;
			this.loadedKey = key;
			this.status = 'ready';
			this.error = null;
			return true;
		}
		this.status = 'loading';
		this.error = null;
		this.progress = route.where === 'remote' ? null : { phase: 'download', loaded: 0, total: this.model.sizes[route.dtype] ?? 0 };
		try {
			this.lastLoad = await this.engineFor(route).load(this.model, {
				signal: controller.signal,
				onProgress: (p) => {
					if (this.loadController === controller) this.progress = p;
				}
			});
			if (this.loadController !== controller) return false;
			this.loadedKey = key;
			this.status = 'ready';
			if (route.where === 'local') void this.refreshCached();
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

	/** Gives the engines back to the hub: models unloaded, workers ended. Call when the page goes away. */
	async release(): Promise<void> {
		this.cancelLoad();
		this.status = 'idle';
		this.loadedKey = null;
		await this.lease.release();
	}

	private engineFor(route: Route): Engine {
		const shared = this.sharedEngine;
		if (shared) return shared;
		if (route.where !== 'remote') return this.model.runtime === 'web-llm' ? this.webllm : this.engine;
		if (!this.remote) throw new Error('routed to a coordinator that is not configured');
		return this.remote;
	}

	/** The engine the current model is routed to: this tab's worker or the coordinator. */
	get chatEngine(): Engine {
		return this.route ? this.engineFor(this.route) : this.engine;
	}
}
