// Keeps a worker registered with its coordinator: register, heartbeat with the queue length at the
// interval the coordinator asks for, register again on `known: false` or once it is reachable again.
import {
	HeartbeatResponseSchema,
	RegisterResponseSchema,
	type WorkerRegistrationInput
} from '#protocol/coordinator';
import { OpenAIErrorBodySchema, openAIErrorToLumen } from '#protocol/openai-errors';
import { LumenError, toLumenError } from '#protocol/errors';
import type { z } from 'zod';

export type CoordinatorClientOptions = {
	/** The coordinator's base URL (its /workers/* routes hang off it). */
	coordinatorUrl: string;
	secret?: string;
	registration: () => WorkerRegistrationInput;
	queueLength: () => number;
	log?: (line: string) => void;
	/** Wait between attempts while the coordinator is unreachable or refuses us. */
	retryMs?: number;
	requestTimeoutMs?: number;
};

export type CoordinatorState = 'starting' | 'registered' | 'unreachable' | 'refused' | 'stopped';

export class CoordinatorClient {
	private state: CoordinatorState = 'starting';
	private timer: NodeJS.Timeout | null = null;
	private intervalMs = 5000;
	private readonly base: string;
	private lastProblem = '';
	private everRegistered = false;
	/** Resolves after the first successful registration. */
	readonly registered: Promise<void>;
	private markRegistered!: () => void;

	constructor(private readonly options: CoordinatorClientOptions) {
		this.base = options.coordinatorUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
		this.registered = new Promise((resolve) => (this.markRegistered = resolve));
	}

	get status(): CoordinatorState {
		return this.state;
	}

	start(): void {
		void this.tick();
	}

	/** Stops heartbeating and tells the coordinator to send no more work (best effort, bounded in time). */
	async stop(): Promise<void> {
		this.state = 'stopped';
		if (this.timer) clearTimeout(this.timer);
		if (!this.everRegistered) return;
		try {
			await this.post('/workers/deregister', { worker_id: this.options.registration().worker_id }, null, 2000);
			this.log('deregistered from the coordinator');
		} catch (err) {
			this.log(`could not deregister: ${toLumenError(err).message}`);
		}
	}

	private async tick(): Promise<void> {
		if (this.state === 'stopped') return;
		let delay = this.options.retryMs ?? 1000;
		try {
			if (this.state === 'registered') {
				const reg = this.options.registration();
				const res = await this.post('/workers/heartbeat', { worker_id: reg.worker_id, queue_length: this.options.queueLength() }, HeartbeatResponseSchema);
				if (res.known) delay = this.intervalMs;
				else {
					this.log('the coordinator forgot this worker; registering again');
					delay = await this.register();
				}
			} else delay = await this.register();
			this.lastProblem = '';
		} catch (err) {
			if (this.stopped()) return;
			const error = toLumenError(err);
			const message = error.message;
			// Reached, but not let in: a wrong or missing secret is the operator's to fix, and no network problem.
			const refused = error.code === 'unauthorized';
			if (this.state === 'registered' || message !== this.lastProblem)
				this.log(
					refused
						? `the coordinator refused this worker's secret (${message}): pass the coordinator's worker secret with --secret or LUMEN_WORKER_SECRET (lumen serve keeps it in data/worker-secret beside its database); retrying`
						: `coordinator unreachable (${message}); retrying`
				);
			this.lastProblem = message;
			this.state = refused ? 'refused' : 'unreachable';
		}
		if (!this.stopped()) this.timer = setTimeout(() => void this.tick(), delay);
	}

	private async register(): Promise<number> {
		const reg = this.options.registration();
		const res = await this.post('/workers/register', { ...reg, queue_length: this.options.queueLength() }, RegisterResponseSchema);
		if (this.stopped()) {
			// stop() ran while this registration was in flight: undo it rather than leave a ghost.
			await this.post('/workers/deregister', { worker_id: reg.worker_id }, null, 2000).catch(() => undefined);
			return 0;
		}
		this.intervalMs = res.heartbeat_interval_ms;
		this.state = 'registered';
		this.everRegistered = true;
		this.log(`registered with ${this.base} as ${res.worker_id}; heartbeat every ${res.heartbeat_interval_ms} ms`);
		this.markRegistered();
		return this.intervalMs;
	}

	private async post<S extends z.ZodType>(path: string, body: unknown, schema: S | null, timeoutMs?: number): Promise<z.infer<S>> {
		let res: Response;
		try {
			res = await fetch(this.base + path, {
				method: 'POST',
				headers: {
					'Content-Type': 'application/json',
					...(this.options.secret ? { Authorization: `Bearer ${this.options.secret}` } : {})
				},
				body: JSON.stringify(body),
				signal: AbortSignal.timeout(timeoutMs ?? this.options.requestTimeoutMs ?? 5000)
			});
		} catch (err) {
			throw new LumenError('network', `cannot reach ${this.base}: ${(err as Error).message}`, true, { cause: err });
		}
		const text = await res.text();
		let json: unknown = undefined;
		try {
			json = text ? JSON.parse(text) : undefined;
		} catch {
			// handled below
		}
		if (!res.ok) {
			const error = OpenAIErrorBodySchema.safeParse(json);
			if (error.success) throw openAIErrorToLumen(error.data, res.status);
			throw new LumenError('network', `${path} answered ${res.status}`, true);
		}
		if (!schema) return undefined as z.infer<S>;
		const parsed = schema.safeParse(json);
		if (!parsed.success) throw new LumenError('internal', `${path} answered with an unexpected body`, true);
		return parsed.data;
	}

	/** A method, not an inline comparison: `stop()` may flip the state during any await. */
	private stopped(): boolean {
		return this.state === 'stopped';
	}

	private log(line: string): void {
		this.options.log?.(line);
	}
}
