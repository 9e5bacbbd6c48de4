// Whose fault is a worker's error? A client's bad request (a worker's 4xx) is relayed as-is and never
// puts the worker in failure cooldown; only the worker's own failures (5xx, refused, timeouts) do.
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from './server';
import { spawnStub, startTestCoordinator, type StubProcess } from './testing/processes';

const SECRET = 's3cret';
const running: { coordinators: RunningCoordinator[]; stubs: StubProcess[] } = { coordinators: [], stubs: [] };

afterEach(async () => {
	await Promise.all(running.stubs.splice(0).map((s) => s.kill()));
	await Promise.all(running.coordinators.splice(0).map((c) => c.close({ graceMs: 0 })));
});

/** One coordinator with one stub worker that refuses prompts over 40 characters the way `fail` says. */
async function setup(fail: string) {
	const coordinator = await startTestCoordinator({ worker_secret: SECRET });
	running.coordinators.push(coordinator);
	const stub = await spawnStub({ coordinator: coordinator.url, secret: SECRET, model: 'lumen-stub', tokens: 2, intervalMs: 1, fail });
	running.stubs.push(stub);
	const client = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: 'unused', maxRetries: 0 });
	return { coordinator, stub, client };
}

const short = { model: 'lumen-stub', messages: [{ role: 'user' as const, content: 'Hi' }] };
const long = { model: 'lumen-stub', messages: [{ role: 'user' as const, content: 'x'.repeat(200) }] };

const post = (c: RunningCoordinator, body: object) =>
	fetch(`${c.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('a worker refusing a client’s request', () => {
	it('relays each 400 as-is and keeps serving ordinary requests: no cooldown, no 503', async () => {
		const { coordinator, client } = await setup('reject-long:40:400');
		for (let i = 0; i < 30; i++) {
			const stream = i % 2 === 1;
			const res = await post(coordinator, { ...long, stream });
			expect(res.status).toBe(400);
			expect(await res.json()).toEqual({
				error: { message: 'The prompt is longer than 40 characters.', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' }
			});
			const ok = await client.chat.completions.create(short);
			expect(ok.choices[0].message.content).toBe('tok0 tok1 ');
		}
		expect(coordinator.registry.list()[0]).toMatchObject({ healthy: true, failed_until: null, in_flight: 0 });
	});

	for (const status of [404, 413, 422, 429]) {
		it(`relays a ${status} through the openai client and stays healthy`, async () => {
			const { coordinator, client } = await setup(`reject-long:40:${status}`);
			await expect(client.chat.completions.create(long)).rejects.toMatchObject({ status, code: 'context_length_exceeded' });
			await expect(client.chat.completions.create({ ...long, stream: true })).rejects.toMatchObject({ status });
			expect((await client.chat.completions.create(short)).choices[0].message.content).toBe('tok0 tok1 ');
			expect(coordinator.registry.list()[0].failed_until).toBeNull();
		});
	}

	it('wraps a 4xx whose body is not OpenAI JSON in the OpenAI error shape, keeping the status', async () => {
		const { coordinator } = await setup('reject-long-plain:40:413');
		const res = await post(coordinator, long);
		expect(res.status).toBe(413);
		expect(res.headers.get('content-type')).toContain('application/json');
		const body = await res.json();
		expect(body).toEqual({ error: { message: expect.stringContaining('prompt too long'), type: 'invalid_request_error', param: null, code: 'worker_rejected' } });
		expect(coordinator.registry.list()[0].failed_until).toBeNull();
	});

	it('does not cool a worker down for a 5xx that says the request was invalid, and relays it', async () => {
		const { coordinator, client } = await setup('reject-long:40:500');
		for (let i = 0; i < 5; i++) {
			const res = await post(coordinator, long);
			expect(res.status).toBe(500);
			expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded' });
		}
		expect((await client.chat.completions.create(short)).choices[0].message.content).toBe('tok0 tok1 ');
		expect(coordinator.registry.list()[0].failed_until).toBeNull();
	});

	it('tries the only worker of a model again during its cooldown: one failure is not ten seconds of 503s', async () => {
		const { coordinator, client } = await setup('status-first:1');
		await expect(client.chat.completions.create(short)).rejects.toMatchObject({ status: 503 });
		expect(coordinator.registry.list()[0].failed_until).toBeGreaterThan(Date.now());
		// Still within the cooldown: the worker has recovered, and it is all this model has.
		expect((await client.chat.completions.create(short)).choices[0].message.content).toBe('tok0 tok1 ');
	});

	it('still cools down a worker whose 5xx is its own failure', async () => {
		const { coordinator, client } = await setup('status:500');
		await expect(client.chat.completions.create(short)).rejects.toMatchObject({ status: 503 });
		expect(coordinator.registry.list()[0].failed_until).toBeGreaterThan(Date.now());
	});
});
