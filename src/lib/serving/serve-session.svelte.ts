// This tab serving its model to a coordinator, for the whole app (not one page): the /serve page starts and
// stops it, and it keeps running while the person chats on other pages. The model and the socket live in a
// Transformers.js Web Worker leased from the EngineHub for slot "serve"; the chat page chats through that same
// worker when it picks the served model (`sharedEngine`), so the person's requests queue with the served ones.
import { createContext } from 'svelte';
import type { CatalogModel } from '$lib/catalog/catalog';
import { EngineState } from '$lib/chat/engine-state.svelte';
import type { EngineHub, EngineLease } from '$lib/engine/engine-hub';
import type { DeviceOverride } from '$lib/engine/placement';
import type { Engine } from '$lib/engine/types';
import { LumenError, toLumenError, type LumenErrorData } from '$lib/protocol/errors';
import type { ServeStatus } from '$lib/serve/browser-worker-client';
import { ServeRequestSchema } from '$lib/serve/serving-worker-api';

export type ServePhase =
	/** Not serving. */
	| 'off'
	/** Loading the model and measuring its speed before the first connection. */
	| 'starting'
	/** The worker is connected, connecting or reconnecting (see `status.state`). */
	| 'on';

export const [getServeSession, setServeSession] = createContext<ServeSession>();

export class ServeSession {
	/** The serve page's model picker and loader; made on the page's first visit. */
	engines = $state<EngineState | null>(null);
	phase = $state<ServePhase>('off');
	/** The worker's latest status while serving (and the last one after it stopped). */
	status = $state<ServeStatus | null>(null);
	/** Why serving could not start or stopped on its own (refused, the worker died): one ErrorNotice shows it. */
	error = $state<LumenErrorData | null>(null);
	/** What the person typed, kept for the page's next visit; the token is never stored anywhere else. */
	coordinatorUrl = $state('');
	token = $state('');
	/** The coordinator URL and model in use, for "Serving lumen-tiny-b to …". */
	servingTo = $state<{ url: string; model: string } | null>(null);

	private lease: EngineLease | null = null;
	/** Bumped by every start and stop: statuses of an earlier run are ignored. */
	private run = 0;

	constructor(private readonly hub: EngineHub) {}

	/** The serve page's engines, made on first use with that visit's device knobs (`?device=`, `?threads=`). */
	open(device: DeviceOverride, threads?: number): EngineState {
		if (!this.engines) {
			this.lease = this.hub.lease('serve');
			this.engines = new EngineState(this.lease, device, threads);
			void this.engines.init();
		} else if (this.phase === 'off' && device !== 'auto') {
			this.engines.override = device;
		}
		return this.engines;
	}

	/** True from Start until Stop (or a refusal, or the worker's death). */
	get active(): boolean {
		return this.phase !== 'off';
	}

	/** Loads the picked model if needed, then serves it from its worker. Problems end up in `error`. */
	async start(): Promise<void> {
		const engines = this.engines;
		if (!engines || this.active) return;
		const run = ++this.run;
		this.error = null;
		const input = ServeRequestSchema.safeParse({ coordinatorUrl: this.coordinatorUrl, token: this.token });
		if (!input.success) {
			this.error = new LumenError('bad_request', input.error.issues[0]?.message ?? 'Check the coordinator URL and the join token.').toData();
			return;
		}
		this.phase = 'starting';
		this.status = null;
		try {
			if (!(await engines.load())) throw engines.error ?? new LumenError('model_load_failed', 'The model did not load.');
			const worker = engines.localWorker;
			if (!worker) throw new LumenError('bad_request', `${engines.model.name} cannot be served from this browser: pick a model that runs here.`);
			if (run !== this.run) return;
			const first = await worker.serve(input.data, (s) => this.onStatus(run, s));
			if (run !== this.run) return void worker.stopServing();
			this.status ??= first;
			this.servingTo = { url: input.data.coordinatorUrl, model: engines.model.id };
			this.phase = 'on';
			void worker.gone?.then((e) => {
				if (run !== this.run) return;
				this.run++;
				this.phase = 'off';
				this.error = e.toData();
			});
		} catch (err) {
			if (run !== this.run) return;
			this.phase = 'off';
			this.error = toLumenError(err, 'internal').toData();
		}
	}

	/** Stops serving; the model stays loaded, so starting again is quick and the chat page keeps it. */
	async stop(): Promise<void> {
		this.run++;
		this.phase = 'off';
		this.status = this.status ? { ...this.status, state: 'stopped', workerId: null, retryAt: null } : null;
		await this.engines?.localWorker?.stopServing();
	}

	/**
	 * The serve worker's engine when it holds `model` loaded: the chat page chats through it instead of loading
	 * a second copy, and the person's requests queue there with the served ones.
	 */
	sharedEngine(model: CatalogModel): Engine | null {
		const engines = this.engines;
		return engines?.ready && engines.model.id === model.id ? engines.localWorker : null;
	}

	/** The app is going away: stop serving and give the worker back. */
	async dispose(): Promise<void> {
		await this.stop().catch(() => undefined);
		await this.engines?.release();
	}

	private onStatus(run: number, status: ServeStatus): void {
		if (run !== this.run) return;
		this.status = status;
		if (status.state === 'refused') {
			// Final: the coordinator said no (wrong join token, other version). The message says what to do.
			this.run++;
			this.phase = 'off';
			this.error = status.error ?? new LumenError('unauthorized', 'The coordinator refused this tab. Check the join token with its operator.').toData();
		}
	}
}
