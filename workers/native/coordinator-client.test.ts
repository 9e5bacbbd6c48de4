// CoordinatorClient against a fake coordinator over real HTTP: heartbeats carry the queue length,
// an unreachable coordinator is registered with again once it is back, stop() deregisters.
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorClient } from './coordinator-client';
import { startFakeCoordinator, until, type FakeCoordinator } from './test-support';
import { startTestCoordinator } from '../../coordinator/testing/processes';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
	for (const f of cleanup.splice(0)) await f();
});

function client(coordinator: FakeCoordinator, queueLength: () => number, logs: string[] = []) {
	const c = new CoordinatorClient({
		coordinatorUrl: coordinator.url + '/v1',
		secret: 'k',
		queueLength,
		registration: () => ({ worker_id: 'w1', url: 'http://127.0.0.1:9/v1', models: [{ id: 'm' }], backend: 'onnx' }),
		retryMs: 50,
		log: (l) => logs.push(l)
	});
	cleanup.push(() => c.stop());
	return c;
}

describe('CoordinatorClient', () => {
	it('registers, then heartbeats the current queue length at the interval it was given', async () => {
		const coordinator = await startFakeCoordinator(60);
		cleanup.push(() => coordinator.close());
		let length = 0;
		const c = client(coordinator, () => length);
		c.start();
		await c.registered;
		const reg = coordinator.calls[0];
		expect(reg).toMatchObject({ path: '/workers/register', auth: 'Bearer k', body: { worker_id: 'w1', queue_length: 0 } });
		length = 3;
		const beat = await coordinator.waitFor((call) => call.path === '/workers/heartbeat' && call.body.queue_length === 3);
		expect(beat.at - reg.at).toBeGreaterThanOrEqual(50);
	});

	it('registers again (rather than only heartbeating) once an unreachable coordinator is back', async () => {
		const first = await startFakeCoordinator(40);
		const port = Number(new URL(first.url).port);
		const logs: string[] = [];
		const c = client(first, () => 0, logs);
		c.start();
		await first.waitFor((call) => call.path === '/workers/heartbeat');
		await first.close();
		await new Promise((r) => setTimeout(r, 200));
		expect(c.status).toBe('unreachable');
		expect(logs.filter((l) => l.includes('unreachable'))).toHaveLength(1); // logged once, not per retry
		const second = await startFakeCoordinator(40, port);
		cleanup.push(() => second.close());
		const again = await second.waitFor(() => true);
		expect(again.path).toBe('/workers/register');
		await until(() => c.status === 'registered', 2000);
	});

	it('says the coordinator refused its secret (not that it is unreachable), and what to pass', async () => {
		const coordinator = await startTestCoordinator({ worker_secret: 'the-right-one' });
		cleanup.push(() => coordinator.close({ graceMs: 0 }));
		const logs: string[] = [];
		const c = new CoordinatorClient({
			coordinatorUrl: coordinator.url,
			secret: 'a-wrong-one',
			queueLength: () => 0,
			registration: () => ({ worker_id: 'w1', url: 'http://127.0.0.1:9/v1', models: [{ id: 'm' }], backend: 'onnx' }),
			retryMs: 50,
			log: (l) => logs.push(l)
		});
		cleanup.push(() => c.stop());
		c.start();
		await until(() => c.status === 'refused', 2000);
		await new Promise((r) => setTimeout(r, 200)); // several retries
		expect(logs.filter((l) => /refused/.test(l))).toEqual([
			expect.stringMatching(/coordinator refused this worker's secret .*pass the coordinator's worker secret with --secret or LUMEN_WORKER_SECRET.*worker-secret/)
		]);
		expect(logs.join('\n')).not.toMatch(/unreachable/);
	});

	it('stop() deregisters and heartbeats no more', async () => {
		const coordinator = await startFakeCoordinator(30);
		cleanup.push(() => coordinator.close());
		const c = client(coordinator, () => 0);
		c.start();
		await coordinator.waitFor((call) => call.path === '/workers/heartbeat');
		await c.stop();
		const dereg = coordinator.calls.at(-1)!;
		expect(dereg).toMatchObject({ path: '/workers/deregister', body: { worker_id: 'w1' }, auth: 'Bearer k' });
		await new Promise((r) => setTimeout(r, 120));
		expect(coordinator.calls.at(-1)).toBe(dereg);
	});
});
