// Browser workers for real: Node processes running the tab's own library (BrowserWorkerClient) with the
// real Transformers.js runtime on lumen-tiny-b join a real coordinator over a WebSocket, and the official
// openai client is served through them: greedy answers equal onnxruntime-node's token for token, concurrent
// clients queue in the tab, two tabs share the load, a client that leaves stops the tab's generation, and a
// tab that dies mid-stream ends the client's stream with an error and leaves /v1/models within 2 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { streamChat } from '../workers/runtime/transformers-chat';
import { loadTinyModel } from '../workers/runtime/test-model';
import type { RunningCoordinator } from './server';
import { spawnBrowserWorker, type BrowserWorkerProcess } from './testing/browser-workers';
import { spawnLumen, spawnStub, startTestCoordinator, until, type LumenProcess, type StubProcess } from './testing/processes';

const TOKEN = 'join-token-for-tests';
const MODEL = 'lumen-tiny-b';
const CONVERSATION: ChatCompletionCreateParamsStreaming['messages'] = [
	{ role: 'system', content: 'You are a terse assistant.' },
	{ role: 'user', content: 'Name three colours.' },
	{ role: 'assistant', content: 'Red, green, blue.' },
	{ role: 'user', content: 'And three animals?' }
];

const modelIds = async (client: OpenAI) => (await client.models.list()).data.map((m) => m.id);

describe('a tab serving lumen-tiny-b to lumen serve', () => {
	let serve: LumenProcess;
	let tab: BrowserWorkerProcess;
	let client: OpenAI;

	beforeAll(async () => {
		serve = await spawnLumen(['serve', '--no-worker', '--port', '0'], {
			LUMEN_JOIN_TOKENS: `another-token,${TOKEN}`,
			LUMEN_DB: ':memory:',
			LUMEN_BROWSER_HEARTBEAT_INTERVAL_MS: '500',
			LUMEN_BROWSER_HEARTBEAT_EXPIRY_MS: '1500'
		});
		client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'unused', maxRetries: 0 });
		tab = await spawnBrowserWorker({ coordinator: serve.url, token: TOKEN });
		await tab.waitFor((s) => s.state === 'serving', 90_000, 'the tab to be accepted');
	}, 180_000);
	afterAll(async () => {
		await tab?.kill();
		await serve?.stop();
	});

	it('says at start-up that tabs may serve with the configured join tokens, without printing them', () => {
		expect(serve.stderr()).toMatch(/Browser tabs may serve models here with one of the 2 join tokens from LUMEN_JOIN_TOKENS/);
		expect(serve.stdout() + serve.stderr()).not.toContain(TOKEN);
	});

	it('lists the tab in /v1/models and in GET /workers as a browser worker', async () => {
		expect(await modelIds(client)).toEqual([MODEL]);
		const { workers } = (await (await fetch(`${serve.url}/workers`)).json()) as { workers: { worker_id: string; kind: string; models: { id: string }[]; speed: number }[] };
		expect(workers).toHaveLength(1);
		expect(workers[0]).toMatchObject({ worker_id: tab.status()!.workerId, kind: 'browser', models: [{ id: MODEL, context_length: 2048 }] });
		expect(workers[0].speed).toBeGreaterThan(0);
	});

	it('streams a greedy answer equal, token for token, to onnxruntime-node on the same conversation', async () => {
		const loaded = await loadTinyModel(MODEL, 64);
		const expected: string[] = [];
		let expectedUsage;
		for await (const chunk of streamChat(loaded, { model: MODEL, messages: CONVERSATION, temperature: 0, max_tokens: 40 } as Parameters<typeof streamChat>[1])) {
			for (const c of chunk.choices) if (c.delta.content !== undefined) expected.push(c.delta.content);
			if (chunk.usage) expectedUsage = chunk.usage;
		}
		await loaded.model.dispose();

		const stream = await client.chat.completions.create({
			model: MODEL,
			messages: CONVERSATION,
			temperature: 0,
			max_tokens: 40,
			stream: true,
			stream_options: { include_usage: true }
		});
		const got: string[] = [];
		let usage;
		let finish;
		for await (const chunk of stream) {
			for (const c of chunk.choices) {
				if (c.delta.content !== undefined && c.delta.content !== null) got.push(c.delta.content);
				finish = c.finish_reason ?? finish;
			}
			if (chunk.usage) usage = chunk.usage;
		}
		expect(expected.join('').length).toBeGreaterThan(10);
		expect(got).toEqual(expected);
		expect(usage).toEqual(expectedUsage);
		expect(finish).toBe('length');

		const whole = await client.chat.completions.create({ model: MODEL, messages: CONVERSATION, temperature: 0, max_tokens: 40 });
		expect(whole.choices[0].message.content).toBe(expected.join(''));
		expect(whole.usage).toEqual(expectedUsage);
	});

	it('refuses by name a parameter the tab cannot honour, as a native worker does, and keeps serving', async () => {
		const err = await client.chat.completions
			.create({ model: MODEL, messages: CONVERSATION, max_tokens: 4, response_format: { type: 'json_object' } })
			.catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
		expect(err).toBeInstanceOf(OpenAI.APIError);
		expect(err).toMatchObject({ status: 400, param: 'response_format', code: 'unsupported_parameter', message: expect.stringMatching(/cannot honour 'response_format' \(json_object\)/) });
		expect((await client.chat.completions.create({ model: MODEL, messages: CONVERSATION, max_tokens: 4 })).choices[0].finish_reason).toBe('length');
	});

	it('ends the stream with an error and drops the model within 2 s when the tab dies mid-answer', async () => {
		const stream = await client.chat.completions.create({ model: MODEL, messages: CONVERSATION, temperature: 0, max_tokens: 1500, stream: true });
		let chunks = 0;
		let killedAt = 0;
		const outcome = (async () => {
			try {
				for await (const _ of stream) {
					chunks++;
					if (chunks === 5) {
						killedAt = Date.now();
						void tab.kill('SIGKILL');
					}
				}
				return { error: null, at: Date.now() };
			} catch (err) {
				return { error: err as Error, at: Date.now() };
			}
		})();
		const { error, at } = await outcome;
		expect(error).toBeInstanceOf(OpenAI.APIError);
		expect(error!.message).toMatch(/stopped in the middle of the answer/);
		expect(at - killedAt).toBeLessThan(2_000);
		await until(async () => !(await modelIds(client)).includes(MODEL), 2_000 - (Date.now() - killedAt), 'the model to leave /v1/models');
		expect(Date.now() - killedAt).toBeLessThan(2_000);
	});
});

describe('tabs in the same registry as native workers', () => {
	const SECRET = 'native-secret';
	let coordinator: RunningCoordinator;
	let client: OpenAI;
	let stub: StubProcess;
	let tabA: BrowserWorkerProcess;
	let tabB: BrowserWorkerProcess | null = null;

	beforeAll(async () => {
		coordinator = await startTestCoordinator({
			worker_secret: SECRET,
			join_tokens: [TOKEN],
			browser_heartbeat_interval_ms: 500,
			browser_heartbeat_expiry_ms: 1_500,
			heartbeat_interval_ms: 1_000,
			heartbeat_expiry_ms: 5_000
		});
		client = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: 'unused', maxRetries: 0 });
		stub = await spawnStub({ coordinator: coordinator.url, secret: SECRET, model: 'alpha', heartbeatMs: 500 });
		tabA = await spawnBrowserWorker({ coordinator: coordinator.url, token: TOKEN, label: 'tab A' });
		await tabA.waitFor((s) => s.state === 'serving', 90_000, 'tab A to be accepted');
	}, 180_000);
	afterAll(async () => {
		await Promise.all([tabA?.kill(), tabB?.kill(), stub?.kill()]);
		await coordinator?.close({ graceMs: 0 });
	});

	const ask = (max_tokens = 24) =>
		client.chat.completions
			.create({ model: MODEL, messages: [{ role: 'user', content: 'Count with me.' }], temperature: 0, max_tokens, stream: true })
			.withResponse()
			.then(async ({ data, response }) => {
				let text = '';
				let finish: string | null = null;
				for await (const chunk of data) {
					text += chunk.choices[0]?.delta.content ?? '';
					finish = chunk.choices[0]?.finish_reason ?? finish;
				}
				return { text, finish, worker: response.headers.get('x-lumen-worker') };
			});

	it('serves eight concurrent clients from one tab, queued there', async () => {
		const id = tabA.status()!.workerId!;
		let deepest = 0;
		const watch = setInterval(() => (deepest = Math.max(deepest, coordinator.registry.get(id)?.reported_queue_length ?? 0)), 5);
		const answers = await Promise.all(Array.from({ length: 8 }, () => ask()));
		clearInterval(watch);
		expect(answers.every((a) => a.finish === 'length' && a.text.length > 0 && a.worker === id)).toBe(true);
		// Greedy: every client got the same answer.
		expect(new Set(answers.map((a) => a.text)).size).toBe(1);
		expect(deepest).toBeGreaterThanOrEqual(2);
		await tabA.waitFor((s) => s.served >= 8, 5_000, 'the tab to count its served requests');
	});

	it('shares the load between two tabs serving the same model', async () => {
		tabB = await spawnBrowserWorker({ coordinator: coordinator.url, token: TOKEN, label: 'tab B' });
		await tabB.waitFor((s) => s.state === 'serving', 90_000, 'tab B to be accepted');
		const answers = await Promise.all(Array.from({ length: 8 }, () => ask()));
		const byWorker = new Map<string, number>();
		for (const a of answers) byWorker.set(a.worker!, (byWorker.get(a.worker!) ?? 0) + 1);
		expect([...byWorker.keys()].sort()).toEqual([tabA.status()!.workerId, tabB.status()!.workerId].sort());
		expect(Math.min(...byWorker.values())).toBeGreaterThanOrEqual(2);
		expect(answers.every((a) => a.finish === 'length')).toBe(true);
	});

	it('lets the arena pair a tab\'s model with a native worker\'s', async () => {
		const res = await fetch(`${coordinator.url}/api/arena/battles`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ models: ['alpha', MODEL] })
		});
		expect(res.status).toBe(200);
		const battle = (await res.json()) as { model_a: string; model_b: string };
		expect([battle.model_a, battle.model_b].sort()).toEqual(['alpha', MODEL]);
		const { workers } = (await (await fetch(`${coordinator.url}/workers`)).json()) as { workers: { kind: string }[] };
		expect(workers.map((w) => w.kind).sort()).toEqual(['browser', 'browser', 'registered']);
	});

	it("stops the tab's generation when the client disconnects", async () => {
		// One tab left, so the stream is known to land on it.
		await tabB!.kill('SIGTERM');
		await until(() => coordinator.registry.list().filter((w) => w.kind === 'browser').length === 1, 5_000, 'tab B to leave');
		const before = tabA.status()!.cancelled;
		const controller = new AbortController();
		const stream = await client.chat.completions.create(
			{ model: MODEL, messages: [{ role: 'user', content: 'Go on and on.' }], temperature: 0, max_tokens: 1500, stream: true },
			{ signal: controller.signal }
		);
		let chunks = 0;
		try {
			for await (const _ of stream) if (++chunks === 3) controller.abort();
		} catch {
			// the SDK may end an aborted stream quietly or with an abort error: either way the client left
		}
		expect(chunks).toBeLessThan(10);
		const leftAt = Date.now();
		await tabA.waitFor((s) => s.cancelled === before + 1, 2_000, 'the tab to stop the cancelled generation');
		expect(Date.now() - leftAt).toBeLessThan(2_000);
		await until(() => coordinator.registry.get(tabA.status()!.workerId!)?.in_flight === 0, 2_000, 'nothing in flight');
		// The tab is free again at once: a new request is answered, not queued behind 1500 tokens.
		const t0 = Date.now();
		expect((await ask(8)).finish).toBe('length');
		expect(Date.now() - t0).toBeLessThan(5_000);
	});
});
