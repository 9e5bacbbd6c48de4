// The serving part of the Transformers.js Web Worker, run on Node: the real runtime on lumen-tiny-b, the tab's
// own client library (with the `ws` WebSocket, as Node 20 has none) and a real coordinator on an ephemeral port.
// The person's own chat waits in the same queue as served requests, and the coordinator hears that queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { WebSocket } from 'ws';
import type { ServeStatus } from '#serve/browser-worker-client';
import type { ChatCompletionRequest } from '#protocol/openai';
import type { RunningCoordinator } from '../../coordinator/server';
import { startTestCoordinator, until } from '../../coordinator/testing/processes';
import { loadTinyModel } from '../runtime/test-model';
import { streamChat } from '../runtime/transformers-chat';
import { WorkerServing, type ServableModel } from './serving';

const TOKEN = 'serving-test-token';
const MODEL = 'lumen-tiny-b';

describe('WorkerServing', () => {
	let coordinator: RunningCoordinator;
	let client: OpenAI;
	let model: ServableModel;
	const servings: WorkerServing[] = [];
	const serving = () => {
		const s = new WorkerServing(WebSocket);
		servings.push(s);
		return s;
	};
	const browserWorkers = () => coordinator.registry.list().filter((w) => w.kind === 'browser');

	beforeAll(async () => {
		coordinator = await startTestCoordinator({ join_tokens: [TOKEN], browser_heartbeat_interval_ms: 200, browser_heartbeat_expiry_ms: 1_000 });
		client = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: 'unused', maxRetries: 0 });
		const loaded = await loadTinyModel(MODEL, 64);
		model = { ...loaded, spec: { modelId: MODEL, repo: MODEL, host: '', pathTemplate: '', revision: 'main', device: 'wasm', dtype: 'fp32', wasmBase: '' } };
	}, 120_000);
	afterAll(async () => {
		await Promise.all(servings.map((s) => s.stop()));
		await coordinator?.close({ graceMs: 0 });
		await model?.model.dispose();
	});

	it("serves the loaded model greedily as the runtime answers, while the person's own chat waits in the same queue", async () => {
		const s = serving();
		const statuses: ServeStatus[] = [];
		const first = await s.start(model, { coordinatorUrl: coordinator.url, token: TOKEN }, (st) => statuses.push(st));
		expect(first.models).toEqual([MODEL]);
		await until(() => statuses.at(-1)?.state === 'serving', 10_000, 'serving');
		expect(await client.models.list().then((r) => r.data.map((m) => m.id))).toEqual([MODEL]);
		const [worker] = browserWorkers();
		expect(worker.backend).toMatch(/^browser \(.+, WASM, fp32\)$/);
		expect(worker.speed).toBeGreaterThan(0);

		const mine: ChatCompletionRequest = { model: MODEL, messages: [{ role: 'user', content: 'My own question.' }], temperature: 0, max_tokens: 12 };
		const alone: string[] = [];
		for await (const c of streamChat(model, mine)) alone.push(c.choices[0]?.delta.content ?? '');

		// A served answer is streaming; the person's chat arrives and waits behind it.
		const served = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Count.' }], temperature: 0, max_tokens: 60, stream: true });
		const iterator = served[Symbol.asyncIterator]();
		await iterator.next();
		const ownText: string[] = [];
		const own = (async () => {
			for await (const c of s.queue.stream(new AbortController().signal, (signal) => streamChat(model, mine, signal))) ownText.push(c.choices[0]?.delta.content ?? '');
		})();
		await until(() => s.queue.waiting === 1, 2_000, "the person's chat to wait in the queue");
		expect(s.queue.running).toBe(1);
		// The coordinator weighs this tab by both.
		await until(() => coordinator.registry.get(worker.worker_id)?.reported_queue_length === 2, 2_000, 'the coordinator to hear a queue of two');
		let servedChunks = 1;
		while (!(await iterator.next()).done) servedChunks++;
		await own;
		expect(servedChunks).toBeGreaterThan(10);
		expect(ownText).toEqual(alone);
		await until(() => statuses.at(-1)?.served === 1, 2_000, 'the served count');

		await s.stop();
		await until(() => browserWorkers().length === 0, 2_000, 'the tab to leave the coordinator');
	});

	it('serving again replaces the earlier connection instead of adding one', async () => {
		const s = serving();
		let last: ServeStatus | null = null;
		await s.start(model, { coordinatorUrl: coordinator.url, token: TOKEN }, (st) => (last = st));
		await s.start(model, { coordinatorUrl: `${coordinator.url}/v1`, token: TOKEN }, (st) => (last = st));
		await until(() => last?.state === 'serving', 10_000, 'serving');
		await new Promise((r) => setTimeout(r, 300));
		expect(browserWorkers()).toHaveLength(1);
		expect(browserWorkers()[0].worker_id).toBe(last!.workerId);
		await s.stop();
		expect(s.active).toBe(false);
		await until(() => browserWorkers().length === 0, 2_000, 'the tab to leave the coordinator');
	});

	it('a wrong join token is refused with what to do, and not retried', async () => {
		const s = serving();
		const statuses: ServeStatus[] = [];
		await s.start(model, { coordinatorUrl: coordinator.url, token: 'wrong-token-1234' }, (st) => statuses.push(st));
		await until(() => statuses.at(-1)?.state === 'refused', 10_000, 'the refusal');
		expect(statuses.at(-1)!.error).toMatchObject({ code: 'unauthorized', message: "The join token is not valid. Ask the coordinator's operator for one." });
		await new Promise((r) => setTimeout(r, 1_000));
		expect(statuses.at(-1)!.state).toBe('refused');
		expect(statuses.filter((st) => st.state === 'connecting')).toHaveLength(1);
	});

	it('says what is missing instead of serving: no model loaded, no token, a URL that is not one', async () => {
		const s = serving();
		const none = () => undefined;
		await expect(s.start(null, { coordinatorUrl: coordinator.url, token: TOKEN }, none)).rejects.toMatchObject({ code: 'model_not_found', message: 'Load a model before serving it.' });
		await expect(s.start(model, { coordinatorUrl: coordinator.url, token: '  ' }, none)).rejects.toMatchObject({
			code: 'bad_request',
			message: "Enter a join token: ask the coordinator's operator for one."
		});
		await expect(s.start(model, { coordinatorUrl: 'coordinator.example', token: TOKEN }, none)).rejects.toMatchObject({
			code: 'bad_request',
			message: expect.stringContaining('is not a URL')
		});
		expect(s.active).toBe(false);
		expect(browserWorkers()).toEqual([]);
	});
});
