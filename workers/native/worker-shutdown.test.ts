// Graceful shutdown of a real worker process: SIGTERM/SIGINT deregister first, refuse new work,
// let the in-flight answer finish, and exit 0.
import OpenAI from 'openai';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { spawnWorker, startFakeCoordinator, type FakeCoordinator, type SpawnedWorker } from './test-support';

const MODEL = 'lumen-tiny-a';
const messages = [{ role: 'user' as const, content: 'Tell me about the sea.' }];
const started: { worker?: SpawnedWorker; coordinator?: FakeCoordinator }[] = [];

beforeAll(() => {
	ensureModels();
});

afterEach(async () => {
	for (const s of started.splice(0)) {
		await s.worker?.kill();
		await s.coordinator?.close();
	}
});

async function setUp() {
	const coordinator = await startFakeCoordinator(100);
	const worker = await spawnWorker(['--model', MODEL, '--coordinator', coordinator.url, '--threads', '1']);
	started.push({ worker, coordinator });
	await coordinator.waitFor((c) => c.path === '/workers/register');
	return { coordinator, worker, client: new OpenAI({ baseURL: worker.url, apiKey: 'unused', maxRetries: 0 }) };
}

describe('worker shutdown', () => {
	it('on SIGTERM deregisters first, finishes the in-flight answer, refuses new work and exits 0', async () => {
		const { coordinator, worker, client } = await setUp();
		const stream = await client.chat.completions.create({ model: MODEL, messages, temperature: 0, max_tokens: 400, stream: true });
		let text = '';
		let finish: string | null = null;
		let signalled = 0;
		let refused: unknown = null;
		for await (const chunk of stream) {
			text += chunk.choices[0]?.delta.content ?? '';
			finish = chunk.choices[0]?.finish_reason ?? finish;
			if (text && !signalled) {
				worker.proc.kill('SIGTERM');
				signalled = Date.now();
				const dereg = await coordinator.waitFor((c) => c.path === '/workers/deregister', 3000);
				expect(dereg.body).toEqual({ worker_id: (coordinator.calls[0].body as { worker_id: string }).worker_id });
				refused = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 2 }).then(
					() => null,
					(err: unknown) => err
				);
			}
		}
		const streamEnded = Date.now();
		expect(finish).toBe('length');
		// A new request either finds the port closed or gets a retryable 503 on a kept-alive connection.
		expect(refused).toBeTruthy();
		const status = (refused as { status?: number }).status;
		if (status !== undefined) expect(status).toBe(503);
		const { code } = await worker.exited;
		expect(code).toBe(0);
		const dereg = coordinator.calls.find((c) => c.path === '/workers/deregister');
		expect(dereg!.at).toBeLessThan(streamEnded);
		expect(dereg!.at).toBeGreaterThanOrEqual(signalled);
		expect(coordinator.calls.filter((c) => c.path === '/workers/heartbeat' && c.at > dereg!.at)).toHaveLength(0);
	});

	it('treats SIGINT the same way when idle: deregisters and exits 0', async () => {
		const { coordinator, worker } = await setUp();
		worker.proc.kill('SIGINT');
		expect((await worker.exited).code).toBe(0);
		expect(coordinator.calls.some((c) => c.path === '/workers/deregister')).toBe(true);
		expect(worker.stderr()).toMatch(/SIGINT/);
	});

	it('cuts off an answer that outlasts --drain-timeout and still exits 0', async () => {
		const coordinator = await startFakeCoordinator(100);
		const worker = await spawnWorker(['--model', MODEL, '--coordinator', coordinator.url, '--threads', '1', '--drain-timeout', '0.3']);
		started.push({ worker, coordinator });
		const client = new OpenAI({ baseURL: worker.url, apiKey: 'unused', maxRetries: 0 });
		const stream = await client.chat.completions.create({ model: MODEL, messages, temperature: 0, max_tokens: 1800, stream: true });
		const t0 = Date.now();
		let finish: string | null = null;
		const reading = (async () => {
			for await (const chunk of stream) {
				finish = chunk.choices[0]?.finish_reason ?? finish;
				if (!worker.proc.killed) worker.proc.kill('SIGTERM');
			}
		})().catch(() => undefined);
		expect((await worker.exited).code).toBe(0);
		await reading;
		expect(finish).not.toBe('length');
		expect(Date.now() - t0).toBeLessThan(3000);
	});
});
