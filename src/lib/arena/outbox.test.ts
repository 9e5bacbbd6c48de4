// The vote outbox against a fake fetch: retries when offline, exactly one accepted send, rejection is final;
// and against a real HTTP server configured by its OpenAI URL (`…/v1`).
import 'fake-indexeddb/auto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ArenaVote } from '$lib/protocol/arena';
import { freshStore } from '$lib/storage/test-utils';
import type { KeyValueStore } from '$lib/storage/kv';
import { backoffMs, createOutbox } from './outbox';
import { importVotes, listStoredVotes, recordVote } from './votes';

const vote = (id: string): ArenaVote => ({ battle_id: id, model_a: 'alpha', model_b: 'beta', winner: 'model_a', anony: true, tstamp: 1, turn: 1 });

type Call = { url: string; auth: string | null; body: ArenaVote };

function setup(respond: (call: Call, n: number) => Response | Promise<Response>, coordinatorUrl: string | null = 'http://coord.test/') {
	const store: KeyValueStore = freshStore('votes');
	const calls: Call[] = [];
	const clock = { t: 1_000 };
	const fakeFetch: typeof fetch = async (input, init) => {
		const call: Call = {
			url: String(input),
			auth: new Headers(init?.headers).get('authorization'),
			body: JSON.parse(String(init?.body)) as ArenaVote
		};
		calls.push(call);
		return respond(call, calls.length);
	};
	const outbox = createOutbox({
		store,
		fetch: fakeFetch,
		settings: async () => ({ coordinatorUrl: coordinatorUrl ?? undefined, apiKey: 'secret' }),
		now: () => clock.t,
		random: () => 1,
		baseDelayMs: 1_000,
		maxDelayMs: 8_000,
		voterId: () => 'voter-1'
	});
	return { store, calls, clock, outbox };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('outbox', () => {
	it('offline: a failed send is retried after the backoff and then sent once', async () => {
		let online = false;
		const { store, calls, clock, outbox } = setup((call) => {
			if (!online) throw new TypeError('Failed to fetch');
			return json(200, { battle_id: call.body.battle_id, duplicate: false });
		});
		await recordVote(vote('b1'), store);
		expect(await outbox.flush()).toEqual({ sent: 0, rejected: 0, retryLater: 1 });
		const [pending] = await listStoredVotes(store);
		expect(pending.sync).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: 2_000 });

		online = true;
		expect(await outbox.flush()).toEqual({ sent: 0, rejected: 0, retryLater: 0 });
		clock.t = 2_000;
		expect(await outbox.flush()).toMatchObject({ sent: 1 });
		expect(await outbox.flush()).toMatchObject({ sent: 0 });
		expect(calls).toHaveLength(2);
		expect(calls[1]).toMatchObject({ url: 'http://coord.test/api/arena/votes', auth: 'Bearer secret', body: { ...vote('b1'), voter_id: 'voter-1' } });
		expect((await listStoredVotes(store))[0].sync.state).toBe('synced');
	});

	it('a conversation the person agreed to share goes with the vote, kept until sent and dropped after', async () => {
		let online = false;
		const { store, calls, clock, outbox } = setup((call) => {
			if (!online) throw new TypeError('Failed to fetch');
			return json(200, { battle_id: call.body.battle_id, duplicate: false, conversation_kept: true });
		});
		const shared = {
			conversation_a: [{ role: 'user' as const, content: 'Hi' }, { role: 'assistant' as const, content: 'Hello' }],
			conversation_b: [{ role: 'user' as const, content: 'Hi' }, { role: 'assistant' as const, content: 'Hey' }]
		};
		await recordVote(vote('b1'), store, shared);
		await outbox.flush();
		expect((await listStoredVotes(store))[0].conversation).toEqual(shared);
		online = true;
		clock.t = 10_000;
		expect(await outbox.flush()).toMatchObject({ sent: 1 });
		expect(calls.at(-1)?.body).toEqual({ ...vote('b1'), ...shared, voter_id: 'voter-1' });
		const [synced] = await listStoredVotes(store);
		expect(synced.sync.state).toBe('synced');
		expect(synced.conversation).toBeUndefined();
	});

	it('a duplicate 200 marks the vote synced', async () => {
		const { store, calls, outbox } = setup((call) => json(200, { battle_id: call.body.battle_id, duplicate: true }));
		await recordVote(vote('b1'), store);
		expect(await outbox.flush()).toMatchObject({ sent: 1 });
		expect((await listStoredVotes(store))[0].sync.state).toBe('synced');
		await outbox.flush();
		expect(calls).toHaveLength(1);
	});

	it('a 400 marks the vote rejected with the reason and never retries it', async () => {
		const { store, calls, clock, outbox } = setup(() => json(400, { error: { message: 'Unknown winner', type: 'invalid_request_error' } }));
		await recordVote(vote('b1'), store);
		expect(await outbox.flush()).toMatchObject({ rejected: 1 });
		clock.t += 1e9;
		await outbox.flush();
		expect(calls).toHaveLength(1);
		expect((await listStoredVotes(store))[0].sync).toMatchObject({ state: 'rejected', reason: 'Unknown winner' });
	});

	it('a 503 is retried later, not rejected', async () => {
		const { store, outbox } = setup(() => json(503, { error: { message: 'busy' } }));
		await recordVote(vote('b1'), store);
		expect(await outbox.flush()).toMatchObject({ retryLater: 1 });
		expect((await listStoredVotes(store))[0].sync).toMatchObject({ state: 'pending', lastError: 'busy' });
	});

	it('sends nothing without a coordinator, and never sends imported votes', async () => {
		const none = setup(() => json(200, {}), null);
		await recordVote(vote('b1'), none.store);
		await none.outbox.flush();
		expect(none.calls).toHaveLength(0);

		const some = setup((call) => json(200, { battle_id: call.body.battle_id, duplicate: false }));
		await importVotes('{"model_a":"x","model_b":"y","winner":"model_a"}', some.store);
		await some.outbox.flush();
		expect(some.calls).toHaveLength(0);
	});

	it('concurrent flushes send each vote once', async () => {
		const { store, calls, outbox } = setup((call) => json(200, { battle_id: call.body.battle_id, duplicate: false }));
		await recordVote(vote('b1'), store);
		await Promise.all([outbox.flush(), outbox.flush(), outbox.flush()]);
		await new Promise((r) => setTimeout(r, 50));
		expect(calls).toHaveLength(1);
	});

	it('backoff doubles, is capped, and jitters between half and all of the delay', () => {
		expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, () => 1, 1_000, 8_000))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
		expect(backoffMs(3, () => 0, 1_000, 8_000)).toBe(2_000);
	});

	it('a coordinator URL ending in /v1 still sends votes to /api/arena/votes on the server root', async () => {
		const seen: string[] = [];
		const server = createServer((req, res) => {
			seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
			req.resume().on('end', () => {
				const ok = req.method === 'POST' && req.url === '/api/arena/votes';
				res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
				res.end(JSON.stringify(ok ? { battle_id: 'b1', duplicate: false } : { error: { message: 'No such endpoint.' } }));
			});
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		try {
			const store = freshStore('votes');
			const outbox = createOutbox({
				store,
				fetch: (input, init) => fetch(input, init),
				settings: async () => ({ coordinatorUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`, apiKey: 'secret' }),
				now: () => 1_000,
				random: () => 1,
				baseDelayMs: 1_000,
				maxDelayMs: 8_000,
				voterId: () => 'voter-1'
			});
			await recordVote(vote('b1'), store);
			expect(await outbox.flush()).toEqual({ sent: 1, rejected: 0, retryLater: 0 });
			expect(seen).toEqual(['POST /api/arena/votes Bearer secret']);
			expect((await listStoredVotes(store))[0].sync.state).toBe('synced');
		} finally {
			await new Promise<void>((r) => server.close(() => r()));
		}
	});
});
