// /serve for real: Debian Chromium opens the built app from `lumen serve`, a tab serves lumen-tiny-b on WASM
// from its Web Worker over the coordinator's WebSocket, and the official openai client is answered through it:
// greedy text equal to onnxruntime-node token for token, eight clients queued in the tab while the person's own
// chat still works, two tabs sharing the load, a client leaving stops the tab, a closed tab fails its stream and
// leaves /v1/models within 2 s, a wrong join token is refused in words, and a dropped coordinator is reconnected.
import type { Page } from '@playwright/test';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { test as base, expect } from './fixtures';
import { spawnCoordinator, spawnLumen, until, type CoordinatorProcess, type LumenProcess } from '../coordinator/testing/processes';
import { loadTinyModel } from '../workers/runtime/test-model';
import { streamChat } from '../workers/runtime/transformers-chat';
import type { ChatCompletionRequest } from '#protocol/openai';

const TOKEN = 'e2e-join-token-1234';
const MODEL = 'lumen-tiny-b';
const BROWSER_TIMINGS = { LUMEN_BROWSER_HEARTBEAT_INTERVAL_MS: '500', LUMEN_BROWSER_HEARTBEAT_EXPIRY_MS: '1500' };
const CONVERSATION: ChatCompletionCreateParamsStreaming['messages'] = [
	{ role: 'system', content: 'You are a terse assistant.' },
	{ role: 'user', content: 'Name three colours.' },
	{ role: 'assistant', content: 'Red, green, blue.' },
	{ role: 'user', content: 'And three animals?' }
];

// One `lumen serve` (coordinator + the built web app, no native worker) for the whole file.
const test = base.extend<{ openai: OpenAI }, { lumen: LumenProcess }>({
	lumen: [
		async ({}, use) => {
			const lumen = await spawnLumen(['serve', '--no-worker', '--port', '0', '--host', '127.0.0.1'], {
				LUMEN_JOIN_TOKENS: TOKEN,
				LUMEN_DB: ':memory:',
				...BROWSER_TIMINGS
			});
			await use(lumen);
			await lumen.stop();
		},
		{ scope: 'worker' }
	],
	openai: async ({ lumen }, use) => use(new OpenAI({ baseURL: `${lumen.url}/v1`, apiKey: 'unused', maxRetries: 0 }))
});

const modelIds = async (client: OpenAI) => (await client.models.list()).data.map((m) => m.id);
const servedCount = async (page: Page) => Number(await page.getByTestId('served').getAttribute('data-count'));

/** Opens /serve on WASM, picks lumen-tiny-b and starts serving to `coordinator` with `token`. */
async function startServing(page: Page, appUrl: string, { coordinator = appUrl, token = TOKEN } = {}) {
	await page.goto(`${appUrl}/serve?device=wasm&threads=1`);
	await page.getByLabel('Model', { exact: true }).selectOption(MODEL);
	await page.getByLabel('Coordinator URL').fill(coordinator);
	await page.getByLabel('Join token').fill(token);
	await page.getByRole('button', { name: 'Start serving' }).click();
}

async function expectServing(page: Page, coordinator: string) {
	await expect(page.getByTestId('serve-state')).toHaveText(`Serving ${MODEL} to ${coordinator}`, { timeout: 120_000 });
}

/** A greedy streamed chat through the coordinator; which worker answered comes from X-Lumen-Worker. */
async function ask(client: OpenAI, max_tokens = 24) {
	const { data, response } = await client.chat.completions
		.create({ model: MODEL, messages: [{ role: 'user', content: 'Count with me.' }], temperature: 0, max_tokens, stream: true })
		.withResponse();
	let text = '';
	let finish: string | null = null;
	for await (const chunk of data) {
		text += chunk.choices[0]?.delta.content ?? '';
		finish = chunk.choices[0]?.finish_reason ?? finish;
	}
	return { text, finish, worker: response.headers.get('x-lumen-worker') };
}

/** The greedy answer onnxruntime-node gives for `request`, delta by delta, with its usage. */
async function nodeAnswer(request: ChatCompletionRequest) {
	const loaded = await loadTinyModel(MODEL, 64);
	const deltas: string[] = [];
	let usage;
	for await (const chunk of streamChat(loaded, request)) {
		for (const c of chunk.choices) if (c.delta.content !== undefined) deltas.push(c.delta.content);
		if (chunk.usage) usage = chunk.usage;
	}
	await loaded.model.dispose();
	return { deltas, usage };
}

test('a tab serves lumen-tiny-b on WASM: listed, greedy answers equal Node token for token, eight clients queue in the tab, and the person keeps chatting', async ({
	page,
	lumen,
	openai
}) => {
	await page.goto(`${lumen.url}/`);
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Serve', exact: true }).click();
	await expect(page.getByRole('heading', { name: 'Serve a model' })).toBeVisible();
	await expect(page.getByTestId('serve-warning')).toContainText('prompts from other people will be processed in this tab');
	// The coordinator that served the page is the default.
	await expect(page.getByLabel('Coordinator URL')).toHaveValue(lumen.url);

	await startServing(page, lumen.url);
	await expectServing(page, lumen.url);
	await expect(page.getByRole('button', { name: 'Stop serving' })).toBeVisible();
	await expect(page.getByTestId('serving-badge')).toBeVisible();

	// Seen by any OpenAI client, and by operators as a browser worker.
	expect(await modelIds(openai)).toEqual([MODEL]);
	const { workers } = (await (await fetch(`${lumen.url}/workers`)).json()) as { workers: { worker_id: string; kind: string; backend: string; speed: number }[] };
	expect(workers).toHaveLength(1);
	expect(workers[0]).toMatchObject({ kind: 'browser', worker_id: await page.getByTestId('worker-id').innerText() });
	expect(workers[0].backend).toMatch(/^browser \(Chrome \d+, WASM, fp32\)$/);
	expect(workers[0].speed).toBeGreaterThan(0);

	// Greedy, streamed through the coordinator: token for token what onnxruntime-node gives.
	const expected = await nodeAnswer({ model: MODEL, messages: CONVERSATION, temperature: 0, max_tokens: 40 } as ChatCompletionRequest);
	const stream = await openai.chat.completions.create({ model: MODEL, messages: CONVERSATION, temperature: 0, max_tokens: 40, stream: true, stream_options: { include_usage: true } });
	const got: string[] = [];
	let usage;
	for await (const chunk of stream) {
		for (const c of chunk.choices) if (c.delta.content !== undefined && c.delta.content !== null) got.push(c.delta.content);
		if (chunk.usage) usage = chunk.usage;
	}
	expect(expected.deltas.join('').length).toBeGreaterThan(10);
	expect(got).toEqual(expected.deltas);
	expect(usage).toEqual(expected.usage);
	await expect(page.getByTestId('served')).toHaveAttribute('data-count', '1');
	expect(Number(await page.getByTestId('tokens-per-second').innerText())).toBeGreaterThan(0);

	// Eight concurrent clients: all answered by this tab, the rest waiting in its queue meanwhile.
	let deepest = 0;
	let watching = true;
	const watch = (async () => {
		while (watching) {
			deepest = Math.max(deepest, Number(await page.getByTestId('queue').getAttribute('data-waiting')));
			await page.waitForTimeout(20);
		}
	})();
	const answers = await Promise.all(Array.from({ length: 8 }, () => ask(openai)));
	watching = false;
	await watch;
	expect(answers.every((a) => a.finish === 'length' && a.text.length > 0 && a.worker === workers[0].worker_id)).toBe(true);
	expect(new Set(answers.map((a) => a.text)).size).toBe(1);
	expect(deepest, 'requests seen waiting in the tab at once').toBeGreaterThanOrEqual(2);
	await expect(page.getByTestId('served')).toHaveAttribute('data-count', '9');

	// The person's own chat, on the chat page of the same tab, while a served answer is streaming: it waits its turn, then answers.
	const long = ask(openai, 200);
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat', exact: true }).click();
	await page.getByLabel('Model', { exact: true }).selectOption(MODEL);
	await expect(page.getByTestId('shared-with-serving')).toBeVisible();
	await page.getByRole('textbox', { name: 'Message' }).fill('Hello there.');
	await page.getByRole('button', { name: 'Send' }).click();
	await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled({ timeout: 120_000 });
	const mine = await page.locator('[data-role="assistant"]').last().evaluate((el) => (el as HTMLElement).dataset.raw ?? '');
	expect(mine.length).toBeGreaterThan(0);
	await expect(page.locator('[data-role="assistant"]').last().getByTestId('stats')).toBeVisible();
	expect((await long).finish).toBe('length');
	// Serving went on while the chat page was shown.
	await expect(page.getByTestId('serving-badge')).toBeVisible();
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Serve', exact: true }).click();
	await expect(page.getByTestId('served')).toHaveAttribute('data-count', '10');

	// Stop serving: the model leaves the coordinator.
	await page.getByRole('button', { name: 'Stop serving' }).click();
	await expect(page.getByRole('button', { name: 'Start serving' })).toBeVisible();
	await until(async () => (await modelIds(openai)).length === 0, 5_000, 'the model to leave /v1/models');
});

test('two tabs serving the same model share the load', async ({ context, lumen, openai }) => {
	const tabs = [context.pages()[0] ?? (await context.newPage()), await context.newPage()];
	for (const tab of tabs) await startServing(tab, lumen.url);
	for (const tab of tabs) await expectServing(tab, lumen.url);
	const ids = await Promise.all(tabs.map((t) => t.getByTestId('worker-id').innerText()));
	expect(new Set(ids).size).toBe(2);

	const answers = await Promise.all(Array.from({ length: 8 }, () => ask(openai)));
	expect(answers.every((a) => a.finish === 'length')).toBe(true);
	const byWorker = new Map<string, number>();
	for (const a of answers) byWorker.set(a.worker!, (byWorker.get(a.worker!) ?? 0) + 1);
	expect([...byWorker.keys()].sort()).toEqual([...ids].sort());
	expect(Math.min(...byWorker.values())).toBeGreaterThanOrEqual(2);
	// Each tab counts what it served.
	const counts = await Promise.all(tabs.map(servedCount));
	expect(counts.sort()).toEqual(ids.map((id) => byWorker.get(id)!).sort());
});

test("serving goes on while the page's own thread is blocked; a client that leaves stops the tab's generation; a tab closed mid-stream fails the stream and leaves /v1/models within 2 s", async ({
	page,
	lumen,
	openai
}) => {
	await startServing(page, lumen.url);
	await expectServing(page, lumen.url);

	// The socket and the generation live in the model's Web Worker: with the page's main thread stuck (as a
	// throttled background tab's is), a served answer keeps streaming.
	const blockedFrom = Date.now();
	const blocked = page.evaluate(() => {
		const end = Date.now() + 3_000;
		while (Date.now() < end);
	});
	const arrivals: number[] = [];
	const during = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Keep going.' }], temperature: 0, max_tokens: 60, stream: true });
	for await (const _ of during) arrivals.push(Date.now());
	await blocked;
	const blockedUntil = Date.now();
	const whileBlocked = arrivals.filter((t) => t > blockedFrom + 300 && t < blockedUntil - 300).length;
	expect(whileBlocked, 'chunks that arrived while the page was blocked').toBeGreaterThanOrEqual(10);

	// The client goes away after three chunks: the tab stops that generation and is free at once.
	const controller = new AbortController();
	const leaving = await openai.chat.completions.create(
		{ model: MODEL, messages: [{ role: 'user', content: 'Go on and on.' }], temperature: 0, max_tokens: 1500, stream: true },
		{ signal: controller.signal }
	);
	let chunks = 0;
	try {
		for await (const _ of leaving) if (++chunks === 3) controller.abort();
	} catch {
		// the SDK ends an aborted stream quietly or with an abort error: either way the client left
	}
	const leftAt = Date.now();
	await expect(page.getByTestId('cancelled')).toHaveAttribute('data-count', '1', { timeout: 2_000 });
	const stoppedMs = Date.now() - leftAt;
	expect(stoppedMs).toBeLessThan(2_000);
	await expect(page.getByTestId('queue')).toHaveAttribute('data-running', '0');
	expect((await ask(openai, 8)).finish).toBe('length');

	// The tab is closed in the middle of an answer.
	const stream = await openai.chat.completions.create({ model: MODEL, messages: CONVERSATION, temperature: 0, max_tokens: 1500, stream: true });
	let closedAt = 0;
	let seen = 0;
	const outcome = await (async () => {
		try {
			for await (const _ of stream) {
				if (++seen === 5) {
					closedAt = Date.now();
					void page.close();
				}
			}
			return { error: null as Error | null, at: Date.now() };
		} catch (err) {
			return { error: err as Error, at: Date.now() };
		}
	})();
	expect(outcome.error).toBeInstanceOf(OpenAI.APIError);
	expect(outcome.error!.message).toMatch(/stopped in the middle of the answer/);
	expect(outcome.at - closedAt).toBeLessThan(2_000);
	await until(async () => !(await modelIds(openai)).includes(MODEL), Math.max(0, 2_000 - (Date.now() - closedAt)), 'the model to leave /v1/models');
	const goneMs = Date.now() - closedAt;
	expect(goneMs).toBeLessThan(2_000);
	console.log(
		`measured: ${whileBlocked} chunks while the page was blocked; client left → tab stopped within ${stoppedMs} ms; tab closed → stream error ${outcome.at - closedAt} ms, model gone from /v1/models ${goneMs} ms`
	);
});

test('a wrong join token is refused with a message that says what to do, and nothing is retried', async ({ page, lumen, openai }) => {
	await startServing(page, lumen.url, { token: 'not-the-right-token' });
	const alert = page.getByRole('alert');
	await expect(alert).toHaveText("The join token is not valid. Ask the coordinator's operator for one.", { timeout: 120_000 });
	await expect(page.getByRole('button', { name: 'Start serving' })).toBeEnabled();
	await expect(page.getByTestId('serving-badge')).toHaveCount(0);
	await page.waitForTimeout(1_500);
	await expect(page.getByText(/Reconnecting/)).toHaveCount(0);
	expect(await modelIds(openai)).toEqual([]);

	// With the right token it serves.
	await page.getByLabel('Join token').fill(TOKEN);
	await page.getByRole('button', { name: 'Start serving' }).click();
	await expectServing(page, lumen.url);
	await expect(alert).toHaveCount(0);
});

test('a coordinator that goes away: the tab says when it reconnects, and serves again once it is back', async ({ page, lumen }) => {
	const env = { LUMEN_JOIN_TOKENS: TOKEN, LUMEN_DB: ':memory:', LUMEN_WEB_DIR: '', ...BROWSER_TIMINGS };
	// Another coordinator than the one that served the page: the page's origin is not the coordinator's.
	let coordinator: CoordinatorProcess = await spawnCoordinator(env);
	const url = coordinator.url;
	try {
		await startServing(page, lumen.url, { coordinator: url });
		await expectServing(page, url);

		await coordinator.kill('SIGKILL');
		await expect(page.getByTestId('serve-state')).toHaveText(/^Reconnecting in \d+ s$/, { timeout: 10_000 });
		await expect(page.getByRole('alert')).toContainText('Reconnecting');

		coordinator = await spawnCoordinator({ ...env, PORT: new URL(url).port });
		await expectServing(page, url);
		const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
		expect(await modelIds(client)).toEqual([MODEL]);
		expect((await ask(client, 8)).finish).toBe('length');
	} finally {
		await coordinator.kill();
	}
});
