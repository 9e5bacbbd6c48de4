// token_check when no worker can count: a registered worker without a tokenizer (the stub, like an
// openai-backend worker) and a static upstream each get a clear OpenAI-shaped 400, never a bare 404.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from './server';
import { spawnStub, startTestCoordinator, until, type StubProcess } from './testing/processes';

const SECRET = 's3cret';
const running: { coordinators: RunningCoordinator[]; stubs: StubProcess[] } = { coordinators: [], stubs: [] };

afterEach(async () => {
	await Promise.all(running.stubs.splice(0).map((s) => s.kill()));
	await Promise.all(running.coordinators.splice(0).map((c) => c.close({ graceMs: 0 })));
});

const check = (coordinator: RunningCoordinator, model: string) =>
	fetch(`${coordinator.url}/api/v1/token_check`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ prompts: [{ model, prompt: 'Hello', max_tokens: 10 }] })
	});

describe('token_check without a worker that counts', () => {
	it('says the worker serving the model cannot count tokens', async () => {
		const coordinator = await startTestCoordinator({ worker_secret: SECRET });
		running.coordinators.push(coordinator);
		running.stubs.push(await spawnStub({ coordinator: coordinator.url, secret: SECRET, model: 'lumen-stub' }));
		await until(() => coordinator.registry.modelIds().includes('lumen-stub'), 10_000, 'the stub to register');
		const res = await check(coordinator, 'lumen-stub');
		expect(res.status).toBe(400);
		const { error } = await res.json();
		expect(error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_endpoint' });
		expect(error.message).toMatch(/cannot count tokens/);
		expect(error.message).toContain('lumen-stub');
	});

	it('says a model served only by a static upstream cannot be counted here', async () => {
		const upstream = await spawnStub({ model: 'static-model', apiKey: 'up-key' });
		running.stubs.push(upstream);
		const coordinator = await startTestCoordinator({ upstreams: [{ url: upstream.url, api_key: 'up-key', name: 'static' }] });
		running.coordinators.push(coordinator);
		await until(() => coordinator.registry.modelIds().includes('static-model'), 10_000, 'upstream discovery');
		const res = await check(coordinator, 'static-model');
		expect(res.status).toBe(400);
		const { error } = await res.json();
		expect(error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_endpoint' });
		expect(error.message).toMatch(/upstreams/);
	});
});
