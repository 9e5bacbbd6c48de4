// The tab's serving session: what the /serve page and the chat page see. Real EngineHub, EngineState and
// WorkerEngine; only the worker is an in-process stand-in whose serving statuses the test scripts (the real
// worker side is covered by workers/browser/serving.integration.test.ts and e2e/serve.spec.ts).
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '$lib/catalog/catalog';
import { EngineState } from '$lib/chat/engine-state.svelte';
import { EngineHub } from '$lib/engine/engine-hub';
import { installFakeWorker } from '$lib/engine/test-support';
import type { WorkerHandle } from '$lib/engine/worker-engine';
import { LumenError } from '$lib/protocol/errors';
import type { ServeStatus } from '$lib/serve/browser-worker-client';
import type { ServeRequest } from '$lib/serve/serving-worker-api';
import { ServeSession } from './serve-session.svelte';

let restore: () => void;
beforeAll(() => (restore = installFakeWorker()));
afterAll(() => restore());

const status = (patch: Partial<ServeStatus> = {}): ServeStatus => ({
	state: 'connecting',
	url: 'ws://coordinator:8000/workers/browser',
	workerId: null,
	models: ['lumen-tiny-b'],
	served: 0,
	failed: 0,
	cancelled: 0,
	tokensPerSecond: 50,
	queue: { running: 0, waiting: 0 },
	attempt: 0,
	retryAt: null,
	error: null,
	...patch
});

/** A model worker in this process: loads instantly, and serves by handing its status callback to the test. */
function fakeWorker() {
	const calls = { loads: 0, serves: [] as ServeRequest[], stops: 0, spawned: 0 };
	let push: (s: ServeStatus) => void = () => undefined;
	let crash: (e: LumenError) => void = () => undefined;
	const spawn = (): WorkerHandle => {
		calls.spawned++;
		return {
			api: {
				async load(spec) {
					calls.loads++;
					return { modelId: spec.modelId, device: spec.device, dtype: spec.dtype, networkBytes: 0, cachedBytes: 0, loadMs: 1 };
				},
				chat: async () => new ReadableStream(),
				embed: async () => Promise.reject(new LumenError('bad_request', 'no embeddings')),
				interrupt: () => undefined,
				unload: async () => undefined,
				async serve(request, onStatus) {
					calls.serves.push(request);
					push = onStatus;
					const first = status();
					onStatus(first);
					return first;
				},
				async stopServing() {
					calls.stops++;
				}
			},
			crashed: new Promise<LumenError>((resolve) => (crash = resolve)),
			terminate: () => undefined
		};
	};
	return { calls, spawn, push: (s: ServeStatus) => push(s), crash: (e: LumenError) => crash(e) };
}

function session() {
	const worker = fakeWorker();
	const hub = new EngineHub({ transformers: worker.spawn, 'web-llm': worker.spawn });
	const s = new ServeSession(hub);
	const engines = s.open('wasm');
	engines.select('lumen-tiny-b');
	s.coordinatorUrl = 'http://coordinator:8000';
	s.token = 'a-join-token';
	return { s, engines, worker, hub };
}

describe('ServeSession', () => {
	it('says what is missing before loading anything', async () => {
		const { s, worker } = session();
		s.token = ' ';
		await s.start();
		expect(s.phase).toBe('off');
		expect(s.error).toMatchObject({ code: 'bad_request', message: "Enter a join token: ask the coordinator's operator for one." });
		s.token = 'a-join-token';
		s.coordinatorUrl = '';
		await s.start();
		expect(s.error?.message).toBe('Enter the coordinator URL, like http://host:8000.');
		expect(worker.calls.loads).toBe(0);
	});

	it('loads the picked model, serves it from its worker and follows the worker’s status', async () => {
		const { s, worker } = session();
		await s.start();
		expect(worker.calls.loads).toBe(1);
		expect(worker.calls.serves).toEqual([{ coordinatorUrl: 'http://coordinator:8000', token: 'a-join-token' }]);
		expect(s.phase).toBe('on');
		expect(s.servingTo).toEqual({ url: 'http://coordinator:8000', model: 'lumen-tiny-b' });
		worker.push(status({ state: 'serving', workerId: 'browser-1', served: 3, queue: { running: 1, waiting: 2 } }));
		expect(s.status).toMatchObject({ state: 'serving', served: 3, queue: { running: 1, waiting: 2 } });
		// Reconnecting is still serving: the worker retries on its own.
		worker.push(status({ state: 'reconnecting', retryAt: Date.now() + 2_000, error: { code: 'network', message: 'dropped', retryable: true } }));
		expect(s.phase).toBe('on');
		expect(s.error).toBeNull();

		await s.stop();
		expect(worker.calls.stops).toBe(1);
		expect(s.phase).toBe('off');
		expect(s.status?.state).toBe('stopped');
		// A late status of the stopped run changes nothing.
		worker.push(status({ state: 'serving' }));
		expect(s.status?.state).toBe('stopped');
	});

	it('a refusal ends serving with the coordinator’s message', async () => {
		const { s, worker } = session();
		await s.start();
		const error = { code: 'unauthorized' as const, message: "The join token is not valid. Ask the coordinator's operator for one.", retryable: false };
		worker.push(status({ state: 'refused', error }));
		expect(s.phase).toBe('off');
		expect(s.error).toEqual(error);
	});

	it('a worker that dies ends serving and says so', async () => {
		const { s, worker } = session();
		await s.start();
		worker.crash(new LumenError('worker_crashed', 'The model worker stopped (out of memory). Load the model again to continue.', true));
		await new Promise((r) => setTimeout(r, 0));
		expect(s.phase).toBe('off');
		expect(s.error?.code).toBe('worker_crashed');
	});

	it('lends its worker to the chat page for the served model only, which then loads no copy of its own', async () => {
		const { s, worker, hub } = session();
		const tinyA = findModel('lumen-tiny-a')!;
		const tinyB = findModel('lumen-tiny-b')!;
		expect(s.sharedEngine(tinyB), 'nothing is lent before the model is loaded').toBeNull();
		await s.start();
		expect(s.sharedEngine(tinyA)).toBeNull();
		const lent = s.sharedEngine(tinyB);
		expect(lent).not.toBeNull();

		const chat = new EngineState(hub.lease('chat'), 'wasm', undefined, (m) => s.sharedEngine(m));
		chat.select('lumen-tiny-b');
		expect(await chat.load()).toBe(true);
		expect(chat.chatEngine).toBe(lent);
		expect(worker.calls.spawned, 'the chat page started no worker of its own').toBe(1);
		expect(worker.calls.loads).toBe(1);
		// Stopping serving keeps the model loaded, so the chat page keeps its engine.
		await s.stop();
		expect(chat.chatEngine).toBe(lent);
		// Another model loads in the chat page's own worker.
		chat.select('lumen-tiny-a');
		expect(await chat.load()).toBe(true);
		expect(chat.chatEngine).not.toBe(lent);
		expect(worker.calls.spawned).toBe(2);
		await s.dispose();
		await chat.release();
	});
});
