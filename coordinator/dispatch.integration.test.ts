// Dispatch and failure handling with real worker processes: load balancing, expiry, a worker
// killed mid-stream, retries before the first byte, static upstreams and clients that leave early.
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from './server';
import { spawnStub, startTestCoordinator, until, type StubArgs, type StubProcess } from './testing/processes';

const SECRET = 's3cret';
const running: { coordinators: RunningCoordinator[]; stubs: StubProcess[] } = { coordinators: [], stubs: [] };

afterEach(async () => {
	await Promise.all(running.stubs.splice(0).map((s) => s.kill()));
	await Promise.all(running.coordinators.splice(0).map((c) => c.close({ graceMs: 0 })));
});

async function coordinatorWith(overrides: Parameters<typeof startTestCoordinator>[0] = {}) {
	const c = await startTestCoordinator({ worker_secret: SECRET, ...overrides });
	running.coordinators.push(c);
	return { coordinator: c, client: new OpenAI({ baseURL: `${c.url}/v1`, apiKey: 'unused', maxRetries: 0 }) };
}

async function stubFor(c: RunningCoordinator | null, args: StubArgs = {}) {
	const s = await spawnStub({ coordinator: c?.url, secret: c ? SECRET : undefined, model: 'lumen-stub', ...args });
	running.stubs.push(s);
	return s;
}

const ask = { model: 'lumen-stub', messages: [{ role: 'user' as const, content: 'Hi' }] };

/** Starts a stream and returns it with the id of the worker serving it. */
async function openStream(client: OpenAI) {
	const { data, response } = await client.chat.completions.create({ ...ask, stream: true }).withResponse();
	return { stream: data, worker: response.headers.get('x-lumen-worker') };
}

describe('dispatch', () => {
	it('spreads concurrent streams evenly over two workers with shortest_queue', async () => {
		const { coordinator, client } = await coordinatorWith({ dispatch_policy: 'shortest_queue' });
		const [a, b] = [await stubFor(coordinator, { tokens: 10, intervalMs: 30 }), await stubFor(coordinator, { tokens: 10, intervalMs: 30 })];
		const opened = await Promise.all(Array.from({ length: 8 }, () => openStream(client)));
		const counts = new Map<string | null, number>();
		for (const o of opened) counts.set(o.worker, (counts.get(o.worker) ?? 0) + 1);
		expect(counts.get(a.workerId)).toBe(4);
		expect(counts.get(b.workerId)).toBe(4);
		await Promise.all(opened.map(async (o) => {
			for await (const _ of o.stream);
		}));
	});

	it('sends the next request to the idle worker while the other one is busy', async () => {
		const { coordinator, client } = await coordinatorWith({ dispatch_policy: 'shortest_queue' });
		await stubFor(coordinator, { tokens: 20, intervalMs: 25 });
		await stubFor(coordinator, { tokens: 20, intervalMs: 25 });
		const busy = await openStream(client);
		for (let i = 0; i < 3; i++) {
			const { response } = await client.chat.completions.create({ ...ask, max_tokens: 1 }).withResponse();
			expect(response.headers.get('x-lumen-worker')).not.toBe(busy.worker);
		}
		for await (const _ of busy.stream);
	});

	it('removes a worker whose heartbeats stop and takes it back when it registers again', async () => {
		const { coordinator, client } = await coordinatorWith({ heartbeat_interval_ms: 100, heartbeat_expiry_ms: 400 });
		const stub = await stubFor(coordinator, { heartbeatMs: 100 });
		expect((await client.models.list()).data.map((m) => m.id)).toEqual(['lumen-stub']);
		stub.process.kill('SIGSTOP');
		try {
			await until(async () => (await client.models.list()).data.length === 0, 3_000, 'expiry');
			expect(coordinator.registry.list()).toEqual([]);
			// The model was served here before, so this is "no worker right now", not "no such model".
			await expect(client.chat.completions.create(ask)).rejects.toMatchObject({ status: 503 });
		} finally {
			stub.process.kill('SIGCONT');
		}
		await until(async () => (await client.models.list()).data.length === 1, 3_000, 're-registration');
	});

	it('ends a stream with an in-band error within 2 s when its worker is SIGKILLed, then uses a healthy worker', async () => {
		const { coordinator, client } = await coordinatorWith();
		const stubs = [await stubFor(coordinator, { tokens: 200, intervalMs: 20 }), await stubFor(coordinator, { tokens: 200, intervalMs: 20 })];
		const { stream, worker } = await openStream(client);
		const victim = stubs.find((s) => s.workerId === worker)!;
		let received = 0;
		let killedAt = 0;
		const error = await (async () => {
			try {
				for await (const chunk of stream) {
					if (chunk.choices[0]?.delta.content) received++;
					if (received === 3 && !killedAt) {
						killedAt = performance.now();
						void victim.kill('SIGKILL');
					}
				}
			} catch (err) {
				return err;
			}
			return null;
		})();
		const elapsed = performance.now() - killedAt;
		expect(error).toBeInstanceOf(OpenAI.APIError);
		expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('worker_crashed');
		expect(elapsed).toBeLessThan(2_000);
		const { response } = await client.chat.completions.create({ ...ask, max_tokens: 2 }).withResponse();
		expect(response.headers.get('x-lumen-worker')).not.toBe(worker);
		await until(() => coordinator.registry.list().every((w) => w.in_flight === 0), 2_000, 'in-flight back to 0');
	});

	// The failing worker is made 1000× "faster" so the lottery all but surely tries it first.
	for (const [failure, args] of [
		['refuses the connection', { workerId: 'dead', speed: 1000 }],
		['answers 5xx', { workerId: 'broken', speed: 1000, fail: 'status:500' }]
	] as const) {
		it(`retries once on another worker when the chosen one ${failure} before the first byte`, async () => {
			const { coordinator, client } = await coordinatorWith({ dispatch_policy: 'lottery' });
			const healthy = await stubFor(coordinator, { tokens: 2, intervalMs: 1 });
			const bad = await stubFor(coordinator, args);
			if (args.workerId === 'dead') await bad.kill();
			for (const stream of [false, true]) {
				const { data, response } = await client.chat.completions.create({ ...ask, stream }).withResponse();
				expect(response.headers.get('x-lumen-worker')).toBe(healthy.workerId);
				let text = '';
				if (data instanceof Object && 'choices' in data) text = data.choices[0].message.content ?? '';
				else for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
				expect(text).toBe('tok0 tok1 ');
			}
			// It was tried, failed, and is now skipped for the cooldown.
			expect(coordinator.registry.list().find((w) => w.worker_id === args.workerId)?.failed_until).toBeGreaterThan(Date.now());
		});
	}

	it('ends the stream with an in-band error when the worker closes it without [DONE]', async () => {
		const { coordinator, client } = await coordinatorWith();
		await stubFor(coordinator, { fail: 'no-done', tokens: 3, intervalMs: 1 });
		const stream = await client.chat.completions.create({ ...ask, stream: true });
		let text = '';
		await expect(
			(async () => {
				for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
			})()
		).rejects.toMatchObject({ code: 'worker_crashed' });
		expect(text).toBe('tok0 tok1 tok2 ');
	});

	it('ends the stream with an in-band error when a stalled worker passes the upstream timeout', async () => {
		const { coordinator, client } = await coordinatorWith({ upstream_timeout_ms: 300 });
		await stubFor(coordinator, { fail: 'stall-after:2', tokens: 10, intervalMs: 1 });
		const stream = await client.chat.completions.create({ ...ask, stream: true });
		const t0 = performance.now();
		await expect(
			(async () => {
				for await (const _ of stream);
			})()
		).rejects.toMatchObject({ code: 'worker_crashed' });
		expect(performance.now() - t0).toBeLessThan(2_000);
	});

	it('answers 503 when the only worker fails before its first byte', async () => {
		const { coordinator, client } = await coordinatorWith();
		await stubFor(coordinator, { fail: 'status:500' });
		await expect(client.chat.completions.create(ask)).rejects.toMatchObject({ status: 503, code: 'unavailable' });
	});

	it('aborts the worker’s request when the client disconnects mid-stream', async () => {
		const { coordinator, client } = await coordinatorWith();
		const stub = await stubFor(coordinator, { tokens: 500, intervalMs: 10 });
		const { stream } = await openStream(client);
		let n = 0;
		for await (const _ of stream) if (++n === 3) break; // break aborts the HTTP request
		await stub.waitForLine(/^aborted 1$/, 2_000);
		expect((await stub.stats()).active).toBe(0);
		await until(() => coordinator.registry.list()[0]?.in_flight === 0, 2_000, 'in-flight back to 0');
	});

	it('serves a static upstream that never registered, sending it its own API key', async () => {
		const upstream = await stubFor(null, { model: 'static-model', apiKey: 'up-key', tokens: 3, intervalMs: 1 });
		const { client } = await coordinatorWith({ upstreams: [{ url: upstream.url, api_key: 'up-key', name: 'static' }] });
		expect((await client.models.list()).data.map((m) => m.id)).toEqual(['static-model']);
		const { data, response } = await client.chat.completions.create({ ...ask, model: 'static-model' }).withResponse();
		expect(data.choices[0].message.content).toBe('tok0 tok1 tok2 ');
		expect(response.headers.get('x-lumen-worker')).toBe('upstream:static');
		const stream = await client.chat.completions.create({ ...ask, model: 'static-model', stream: true });
		let text = '';
		for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
		expect(text).toBe('tok0 tok1 tok2 ');
	});

	it('marks a static upstream unhealthy when discovery fails and drops its models', async () => {
		const upstream = await stubFor(null, { model: 'static-model' });
		const { client } = await coordinatorWith({ upstreams: [{ url: upstream.url }], upstream_discovery_interval_ms: 100 });
		expect((await client.models.list()).data).toHaveLength(1);
		await upstream.kill();
		await until(async () => (await client.models.list()).data.length === 0, 3_000, 'upstream marked unhealthy');
		await expect(client.chat.completions.create({ ...ask, model: 'static-model' })).rejects.toMatchObject({ status: 503 });
	});
});
