// The in-memory worker registry (FastChat's controller state): who serves which model, when each
// worker last beat, and how many requests we have in flight to it. No I/O, clock injected, so
// dispatch answers in microseconds and expiry is testable with a fake clock.
import { sortCapabilities, type WorkerCapability, type WorkerModel, type WorkerRegistration, type WorkerStatus } from '#protocol/coordinator';
import type { DispatchPolicy } from '../config';
import { pick, type Candidate, type Rng } from './pick';

export type Clock = () => number;

/**
 * `registered` workers beat over HTTP and expire; `upstream`s come from config and live while discovery
 * succeeds; `browser` workers are tabs on a WebSocket, listed while their socket is open (the socket's
 * owner, coordinator/browser-workers, removes them the moment it closes or misses its heartbeats).
 */
export type WorkerKind = 'registered' | 'upstream' | 'browser';

/**
 * `queue_length` (what pick() sees) is the worker's backlog NOT sent by us: the heartbeat's figure
 * minus our in-flight count at that moment. Summing the raw figure with `in_flight` would count our
 * own requests twice, and a stale beat from a worker that has since gone idle would outweigh a
 * worker that is busy with our stream right now.
 */
export type WorkerEntry = Candidate & {
	/** The queue length as the worker last reported it (for operators). */
	reported_queue_length: number;
	url: string;
	models: WorkerModel[];
	kind: WorkerKind;
	backend: string;
	max_concurrency: number;
	/** Sent upstream as `Authorization: Bearer …` (static upstreams' own key). */
	api_key?: string;
	registered_at: number;
	last_heartbeat_at: number;
	/** Dispatch skips the worker until then, after it failed a request. */
	failed_until: number;
	/** Upstreams only: false while model discovery fails. */
	healthy: boolean;
};

export type WorkerListing = WorkerStatus & { kind: WorkerKind; healthy: boolean; failed_until: number | null };

export type Lookup =
	| { kind: 'ok'; candidates: WorkerEntry[] }
	| { kind: 'unknown' } // never served here: 404
	| { kind: 'unsupported' } // served, but not for this endpoint (e.g. embeddings on a chat model): 400
	| { kind: 'unavailable' }; // served before or by a sick worker, none usable now: 503

export type RegistryOptions = { clock?: Clock; expiryMs: number; failureCooldownMs: number };

export type Registry = ReturnType<typeof createRegistry>;

export function createRegistry({ clock = Date.now, expiryMs, failureCooldownMs }: RegistryOptions) {
	const workers = new Map<string, WorkerEntry>();
	/** Models ever served since start: a model whose workers all went away is "unavailable", not "unknown". */
	const knownModels = new Set<string>();

	const isLive = (w: WorkerEntry, now: number) =>
		w.kind === 'upstream' ? w.healthy : w.kind === 'browser' || now - w.last_heartbeat_at <= expiryMs;

	function register(reg: WorkerRegistration, extra: { kind?: WorkerKind; api_key?: string } = {}): WorkerEntry {
		const now = clock();
		const previous = workers.get(reg.worker_id);
		const entry: WorkerEntry = {
			id: reg.worker_id,
			url: reg.url.replace(/\/+$/, ''),
			models: reg.models,
			speed: reg.speed,
			reported_queue_length: reg.queue_length,
			queue_length: Math.max(0, reg.queue_length - (previous?.in_flight ?? 0)),
			max_concurrency: reg.max_concurrency,
			backend: reg.backend,
			kind: extra.kind ?? 'registered',
			api_key: extra.api_key,
			// Requests sent to the previous incarnation still finish and release against this id.
			in_flight: previous?.in_flight ?? 0,
			registered_at: now,
			last_heartbeat_at: now,
			failed_until: 0,
			healthy: true
		};
		workers.set(entry.id, entry);
		for (const m of reg.models) knownModels.add(m.id);
		return entry;
	}

	/** False when the worker is unknown or already expired: it must register again. `speed` replaces the registered one. */
	function heartbeat(id: string, queueLength: number, speed?: number): boolean {
		const w = workers.get(id);
		const now = clock();
		if (!w) return false;
		if (!isLive(w, now)) {
			workers.delete(id);
			return false;
		}
		w.last_heartbeat_at = now;
		if (speed !== undefined && speed > 0) w.speed = speed;
		w.reported_queue_length = queueLength;
		w.queue_length = Math.max(0, queueLength - w.in_flight);
		return true;
	}

	const deregister = (id: string) => workers.delete(id);

	/** Drops registered workers that missed their heartbeats; returns their ids. */
	function sweep(): string[] {
		const now = clock();
		const removed: string[] = [];
		for (const w of workers.values()) {
			if (w.kind === 'registered' && !isLive(w, now)) {
				workers.delete(w.id);
				removed.push(w.id);
			}
		}
		return removed;
	}

	const serves = (w: WorkerEntry, model: string, capability: WorkerCapability) =>
		w.models.some((m) => m.id === model && m.capabilities.includes(capability));

	function lookup(model: string, capability: WorkerCapability, exclude: ReadonlySet<string> = new Set()): Lookup {
		const now = clock();
		const candidates: WorkerEntry[] = [];
		// A cooldown steers work to other workers; it never leaves a model with none. A worker that failed
		// recently is still tried when it is all that is left (it may have recovered; if not, it fails again).
		const cooling: WorkerEntry[] = [];
		let listed = false;
		let supported = false;
		for (const w of workers.values()) {
			if (!w.models.some((m) => m.id === model)) continue;
			listed = true;
			if (!serves(w, model, capability)) continue;
			supported = true;
			if (!isLive(w, now) || exclude.has(w.id)) continue;
			(now >= w.failed_until ? candidates : cooling).push(w);
		}
		if (candidates.length > 0) return { kind: 'ok', candidates };
		if (cooling.length > 0) return { kind: 'ok', candidates: cooling };
		if (listed && !supported) return { kind: 'unsupported' };
		return listed || knownModels.has(model) ? { kind: 'unavailable' } : { kind: 'unknown' };
	}

	/** Chooses a worker for one request, or says why none can take it. */
	function choose(
		model: string,
		capability: WorkerCapability,
		policy: DispatchPolicy,
		rng: Rng,
		exclude?: ReadonlySet<string>
	): WorkerEntry | Exclude<Lookup, { kind: 'ok' }> {
		const found = lookup(model, capability, exclude);
		if (found.kind !== 'ok') return found;
		return pick(found.candidates, policy, rng) ?? { kind: 'unavailable' };
	}

	function acquire(id: string) {
		const w = workers.get(id);
		if (w) w.in_flight++;
	}

	function release(id: string) {
		const w = workers.get(id);
		if (w && w.in_flight > 0) w.in_flight--;
	}

	function markFailed(id: string) {
		const w = workers.get(id);
		if (w) w.failed_until = clock() + failureCooldownMs;
	}

	function setUpstreamHealth(id: string, healthy: boolean) {
		const w = workers.get(id);
		if (w) w.healthy = healthy;
	}

	/** Models a client can ask for now: live workers' and healthy upstreams'. */
	function modelIds(): string[] {
		return catalog().map((m) => m.id);
	}

	/**
	 * The same models, each with what any of its live workers offers and the smallest context window among
	 * those that name one (every request then fits whichever worker takes it). Sorted by id.
	 */
	function catalog(): { id: string; context_length?: number; capabilities: WorkerCapability[] }[] {
		const now = clock();
		const byId = new Map<string, { context: number; capabilities: Set<WorkerCapability> }>();
		for (const w of workers.values()) {
			if (!isLive(w, now)) continue;
			for (const m of w.models) {
				const entry = byId.get(m.id) ?? { context: Infinity, capabilities: new Set<WorkerCapability>() };
				if (m.context_length) entry.context = Math.min(entry.context, m.context_length);
				for (const c of m.capabilities) entry.capabilities.add(c);
				byId.set(m.id, entry);
			}
		}
		return [...byId.keys()].sort().map((id) => {
			const { context, capabilities } = byId.get(id)!;
			return { id, ...(context < Infinity ? { context_length: context } : {}), capabilities: sortCapabilities(capabilities) };
		});
	}

	function list(): WorkerListing[] {
		const now = clock();
		return [...workers.values()]
			.filter((w) => w.kind === 'upstream' || isLive(w, now))
			.map((w) => ({
				worker_id: w.id,
				url: w.url,
				models: w.models,
				speed: w.speed,
				max_concurrency: w.max_concurrency,
				queue_length: w.reported_queue_length,
				backend: w.backend,
				registered_at: w.registered_at,
				last_heartbeat_at: w.last_heartbeat_at,
				in_flight: w.in_flight,
				kind: w.kind,
				healthy: isLive(w, now) && now >= w.failed_until,
				failed_until: w.failed_until > now ? w.failed_until : null
			}));
	}

	const get = (id: string) => workers.get(id);

	return { register, heartbeat, deregister, sweep, lookup, choose, acquire, release, markFailed, setUpstreamHealth, modelIds, catalog, list, get };
}
