// Sends this browser's pending votes to the configured coordinator, retrying with capped, jittered
// exponential backoff. A vote is marked synced only after a 2xx; the server dedupes by battle_id.
import { VoteResponseSchema } from '$lib/protocol/arena';
import { toLumenError } from '$lib/protocol/errors';
import { OpenAIClient } from '$lib/protocol/openai-client';
import { HttpStatusError } from '$lib/protocol/openai-client-errors';
import { activeCoordinator } from '$lib/engine/active-coordinator';
import { getSettings, type Settings } from '$lib/storage/settings';
import type { KeyValueStore } from '$lib/storage/kv';
import { voterId } from './arena-server';
import { defaultVotesStore, listStoredVotes, setSyncState, type StoredVote } from './votes';

export type OutboxDeps = {
	store: KeyValueStore;
	fetch: typeof fetch;
	settings: () => Promise<Pick<Settings, 'coordinatorUrl' | 'apiKey'>>;
	now: () => number;
	random: () => number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** This browser's anonymous arena id, sent with each vote (the coordinator hashes it with the address). */
	voterId: () => string;
};

export type FlushResult = { sent: number; rejected: number; retryLater: number };

/** 400/409/422 mean the server will never take this vote: retrying cannot help. */
const REJECTING = new Set([400, 409, 422]);

/** Delay before attempt `attempts + 1`: base·2^(attempts−1), capped, with jitter in [50%, 100%]. */
export function backoffMs(attempts: number, random: () => number, baseDelayMs: number, maxDelayMs: number): number {
	const raw = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
	return Math.round(raw * (0.5 + 0.5 * random()));
}

export type Outbox = {
	/** Send every due pending vote once. Concurrent calls share one run, then run once more. */
	flush(): Promise<FlushResult>;
};

export function createOutbox(deps: OutboxDeps): Outbox {
	let running: Promise<FlushResult> | undefined;
	let again = false;

	async function sendOne(record: StoredVote, client: OpenAIClient): Promise<'sent' | 'rejected' | 'retry'> {
		const { vote, conversation } = record;
		const attempts = record.sync.state === 'pending' ? record.sync.attempts + 1 : 1;
		try {
			// The body is informative only (duplicate or not); a 2xx already means the server holds the vote.
			await client.postJSON('/api/arena/votes', { ...vote, ...conversation, voter_id: deps.voterId() }, VoteResponseSchema.optional().catch(undefined));
			await setSyncState(vote.battle_id, { state: 'synced', at: deps.now() }, deps.store);
			return 'sent';
		} catch (e) {
			const err = toLumenError(e, 'network');
			if (err instanceof HttpStatusError && REJECTING.has(err.status)) {
				await setSyncState(vote.battle_id, { state: 'rejected', at: deps.now(), reason: err.message }, deps.store);
				return 'rejected';
			}
			const nextAttemptAt = deps.now() + backoffMs(attempts, deps.random, deps.baseDelayMs, deps.maxDelayMs);
			await setSyncState(vote.battle_id, { state: 'pending', attempts, nextAttemptAt, lastError: err.message }, deps.store);
			return 'retry';
		}
	}

	async function run(): Promise<FlushResult> {
		const result: FlushResult = { sent: 0, rejected: 0, retryLater: 0 };
		const { coordinatorUrl, apiKey } = await deps.settings();
		if (!coordinatorUrl) return result;
		// A URL ending in /v1 (an OpenAI base URL) still reaches /api/arena on the server root.
		const client = new OpenAIClient({ url: coordinatorUrl, apiKey, label: 'coordinator', keyHint: 'Check the API key in Settings.', fetch: deps.fetch });
		const now = deps.now();
		const due = (await listStoredVotes(deps.store)).filter(
			(r) => r.origin === 'local' && r.sync.state === 'pending' && r.sync.nextAttemptAt <= now
		);
		for (const record of due) {
			const outcome = await sendOne(record, client);
			if (outcome === 'sent') result.sent++;
			else if (outcome === 'rejected') result.rejected++;
			else result.retryLater++;
		}
		return result;
	}

	return {
		flush() {
			if (running) {
				again = true;
				return running;
			}
			running = run().finally(() => {
				running = undefined;
				if (again) {
					again = false;
					void this.flush();
				}
			});
			return running;
		}
	};
}

const INTERVAL_MS = 30_000;
let shared: Outbox | undefined;

/** The browser's outbox: started on first use, then flushed on `online` events and every 30 s. */
export function requestSync(): void {
	if (typeof window === 'undefined') return;
	if (!shared) {
		const outbox = createOutbox({
			store: defaultVotesStore,
			fetch: (input, init) => fetch(input, init),
			// The active coordinator: Settings', else the page's own server (so `lumen serve` gets its arena's votes without setup).
			settings: async () => {
				const coordinator = await activeCoordinator(await getSettings());
				return { coordinatorUrl: coordinator?.url, apiKey: coordinator?.apiKey };
			},
			now: () => Date.now(),
			random: Math.random,
			baseDelayMs: 2_000,
			maxDelayMs: 5 * 60_000,
			voterId
		});
		shared = outbox;
		window.addEventListener('online', () => void outbox.flush());
		setInterval(() => void outbox.flush(), INTERVAL_MS);
	}
	void shared.flush().catch(() => undefined);
}
