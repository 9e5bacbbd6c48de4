import { describe, expect, it } from 'vitest';
import { LumenError } from '$lib/protocol/errors';
import { embeddingResponse } from '$lib/protocol/embeddings';
import { makeChunk, type ChatCompletionRequest } from '$lib/protocol/openai';
import type { LoadResult, WorkerLoadSpec, WorkerStreamItem } from '$lib/protocol/worker-api';
import { catalog } from '$lib/catalog/catalog';
import { WorkerEngine, type WorkerHandle } from './worker-engine';

const model = catalog[0];
const request: ChatCompletionRequest = { model: model.id, messages: [{ role: 'user', content: 'hi' }] };
const spec = (): WorkerLoadSpec => ({
	modelId: model.id,
	repo: model.source.repo,
	host: 'http://x/models/',
	pathTemplate: '{model}/',
	revision: 'main',
	device: 'wasm',
	dtype: 'fp32',
	wasmBase: 'http://x/ort/'
});
const loadResult: LoadResult = { modelId: model.id, device: 'wasm', dtype: 'fp32', networkBytes: 10, cachedBytes: 0, loadMs: 1 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An in-process stand-in for the worker: streams `n` chunks, one every `everyMs`. */
function fakeWorker(opts: { n?: number; everyMs?: number; failAt?: number; loadMs?: number; embedMs?: number } = {}) {
	const { n = 5, everyMs = 5, failAt, loadMs = 0, embedMs = 0 } = opts;
	const state = { cancelled: false, terminated: false, produced: 0, interrupts: 0 };
	let crash!: (e: LumenError) => void;
	const handle: WorkerHandle = {
		crashed: new Promise((r) => (crash = r)),
		terminate: () => void (state.terminated = true),
		api: {
			load: async () => {
				await sleep(loadMs);
				return loadResult;
			},
			chat: async () =>
				new ReadableStream<WorkerStreamItem>({
					async pull(c) {
						await sleep(everyMs);
						if (state.produced === failAt) {
							c.enqueue({ type: 'error', error: { code: 'generation_failed', message: 'boom', retryable: false } });
							c.close();
							return;
						}
						if (state.produced >= n) return c.close();
						state.produced++;
						c.enqueue({ type: 'chunk', chunk: makeChunk('id', model.id, { content: `t${state.produced} ` }) });
					},
					cancel() {
						state.cancelled = true;
					}
				}),
			embed: async (r) => {
				await sleep(embedMs);
				if (r.input === '') throw { code: 'bad_request', message: 'The input is empty.', retryable: false };
				return embeddingResponse(r.model, [Float32Array.of(0.6, 0.8)], 3, r.encoding_format);
			},
			interrupt: () => void state.interrupts++,
			unload: async () => undefined
		}
	};
	return { handle, state, crash: (e: LumenError) => crash(e) };
}

describe('WorkerEngine', () => {
	it('streams every chunk the worker produces, in order', async () => {
		const fake = fakeWorker({ n: 4 });
		const engine = new WorkerEngine(() => fake.handle, spec);
		await engine.load(model);
		let text = '';
		for await (const c of engine.chat(request)) text += c.choices[0].delta.content ?? '';
		expect(text).toBe('t1 t2 t3 t4 ');
		expect(fake.state.cancelled).toBe(false);
	});

	it('stops promptly on abort and cancels the worker stream', async () => {
		const fake = fakeWorker({ n: 1000, everyMs: 20 });
		const engine = new WorkerEngine(() => fake.handle, spec);
		await engine.load(model);
		const controller = new AbortController();
		let count = 0;
		const started = Date.now();
		let stoppedAt = 0;
		for await (const _ of engine.chat(request, { signal: controller.signal })) {
			count++;
			if (count === 3) {
				stoppedAt = Date.now();
				controller.abort();
			}
		}
		expect(count).toBe(3);
		expect(Date.now() - stoppedAt).toBeLessThan(200);
		expect(Date.now() - started).toBeLessThan(2000);
		await sleep(10);
		expect(fake.state.cancelled).toBe(true);
	});

	it('rebuilds a worker-side error as a LumenError with its code', async () => {
		const fake = fakeWorker({ n: 10, failAt: 2 });
		const engine = new WorkerEngine(() => fake.handle, spec);
		await engine.load(model);
		const seen: string[] = [];
		await expect(async () => {
			for await (const c of engine.chat(request)) seen.push(c.choices[0].delta.content ?? '');
		}).rejects.toMatchObject({ name: 'LumenError', code: 'generation_failed', message: 'boom' });
		expect(seen).toEqual(['t1 ', 't2 ']);
	});

	it('fails a pending stream when the worker crashes instead of hanging', async () => {
		const fake = fakeWorker({ n: 1000, everyMs: 30 });
		const engine = new WorkerEngine(() => fake.handle, spec);
		await engine.load(model);
		const run = (async () => {
			for await (const _ of engine.chat(request)) {
				/* drain */
			}
		})();
		await sleep(50);
		fake.crash(new LumenError('worker_crashed', 'gone', true));
		await expect(run).rejects.toMatchObject({ code: 'worker_crashed' });
		expect(engine.modelId).toBeNull();
	});

	it('cancels a load: rejects with download_cancelled and ends the worker', async () => {
		const fake = fakeWorker({ loadMs: 500 });
		const engine = new WorkerEngine(() => fake.handle, spec);
		const controller = new AbortController();
		const loading = engine.load(model, { signal: controller.signal });
		await sleep(20);
		controller.abort();
		await expect(loading).rejects.toMatchObject({ code: 'download_cancelled' });
		expect(fake.state.terminated).toBe(true);
		expect(engine.modelId).toBeNull();
	});

	it('refuses to chat before a model is loaded', async () => {
		const engine = new WorkerEngine(() => fakeWorker().handle, spec);
		await expect(async () => {
			for await (const _ of engine.chat(request)) {
				/* nothing */
			}
		}).rejects.toMatchObject({ code: 'model_not_found' });
	});

	it('terminate ends the worker and fails a stream still waiting on it instead of hanging', async () => {
		const fake = fakeWorker({ n: 1000, everyMs: 30 });
		const engine = new WorkerEngine(() => fake.handle, spec);
		await engine.load(model);
		expect(engine.alive).toBe(true);
		const run = (async () => {
			for await (const _ of engine.chat(request)) {
				/* drain */
			}
		})();
		await sleep(50);
		engine.terminate();
		await expect(run).rejects.toMatchObject({ code: 'aborted' });
		expect(fake.state.terminated).toBe(true);
		expect(engine.alive).toBe(false);
	});

	it('embeds in the worker once a model is loaded, and rebuilds its refusal as a LumenError', async () => {
		const engine = new WorkerEngine(() => fakeWorker().handle, spec);
		await expect(engine.embed({ model: model.id, input: 'hi' })).rejects.toMatchObject({ code: 'model_not_found' });
		await engine.load(model);
		const res = await engine.embed({ model: model.id, input: 'hi', encoding_format: 'base64' });
		expect(res).toMatchObject({ object: 'list', model: model.id, usage: { prompt_tokens: 3 } });
		expect(typeof res.data[0].embedding).toBe('string');
		await expect(engine.embed({ model: model.id, input: '' })).rejects.toMatchObject({ name: 'LumenError', code: 'bad_request', message: 'The input is empty.' });
	});

	it('an aborted embedding rejects at once and interrupts the worker; a crash fails it instead of hanging', async () => {
		const fake = fakeWorker({ embedMs: 1000 });
		const engine = new WorkerEngine(() => fake.handle, spec);
		await engine.load(model);
		const controller = new AbortController();
		const started = Date.now();
		const aborted = engine.embed({ model: model.id, input: 'hi' }, { signal: controller.signal });
		await sleep(20);
		controller.abort();
		await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
		expect(Date.now() - started).toBeLessThan(500);
		expect(fake.state.interrupts).toBe(1);
		const pending = engine.embed({ model: model.id, input: 'hi' });
		await sleep(20);
		fake.crash(new LumenError('worker_crashed', 'gone', true));
		await expect(pending).rejects.toMatchObject({ code: 'worker_crashed' });
	});

	it('unload asks the worker only when a model is loaded', async () => {
		let unloads = 0;
		const fake = fakeWorker();
		fake.handle.api.unload = async () => void unloads++;
		const engine = new WorkerEngine(() => fake.handle, spec);
		await engine.unload();
		expect(unloads).toBe(0);
		await engine.load(model);
		await engine.unload();
		await engine.unload();
		expect(unloads).toBe(1);
	});
});
