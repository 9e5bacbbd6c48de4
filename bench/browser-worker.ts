// Decode speed of one greedy generation in a serving tab, two ways, in one run: directly in the tab (the chat
// page, which chats through the serving Web Worker) and through the coordinator from an OpenAI client (coordinator
// → WebSocket → the same worker → SSE). Both are timed the same way: tokens after the first, from the first content
// to the end. The ratio says what serving over the coordinator costs (goal ≥ 0.9).
// Usage: npm run bench:browser-worker   (or: tsx bench/browser-worker.ts --runs 5 --tokens 128 --model lumen-bench)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { chromium, type Page } from 'playwright-core';
import { spawnLumen } from '../coordinator/testing/processes';
import { CHROMIUM_ARGS, executablePath } from '../e2e/server';
import { fmt, printTable } from './support';

const { values } = parseArgs({
	options: {
		runs: { type: 'string', default: '5' },
		tokens: { type: 'string', default: '128' },
		threads: { type: 'string', default: '1' },
		model: { type: 'string', default: 'lumen-tiny-b' }
	}
});
const RUNS = Number(values.runs);
const TOKENS = Number(values.tokens);
const THREADS = Number(values.threads);
const MODEL = values.model!;
const TOKEN = 'bench-join-token';
const SYSTEM = 'You are a helpful assistant.';
const PROMPT = 'Hello! Can you tell me a short story about the sea?';

type Sample = { tokensPerSecond: number; tokens: number; text: string };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One answer on the chat page (Send the first time, Regenerate after): its own stats, as the person sees them. */
async function inTab(page: Page, first: boolean): Promise<Sample> {
	if (first) {
		await page.getByRole('textbox', { name: 'Message' }).fill(PROMPT);
		await page.getByRole('button', { name: 'Send' }).click();
	} else await page.getByRole('button', { name: 'Regenerate' }).click();
	const stop = page.getByRole('button', { name: 'Stop' });
	await stop.waitFor();
	await page.waitForFunction(() => [...document.querySelectorAll('button')].find((b) => b.textContent === 'Stop')?.disabled, null, { timeout: 300_000 });
	const last = page.locator('[data-role="assistant"]').last();
	const stats = last.getByTestId('stats');
	await stats.waitFor({ timeout: 300_000 });
	return {
		tokensPerSecond: Number(await stats.getAttribute('data-tokens-per-second')),
		tokens: Number(await stats.getAttribute('data-tokens')),
		text: await last.evaluate((el) => (el as HTMLElement).dataset.raw ?? '')
	};
}

/** The same conversation from the official openai client through the coordinator, timed like the chat page times it. */
async function throughCoordinator(client: OpenAI): Promise<Sample> {
	const stream = await client.chat.completions.create({
		model: MODEL,
		messages: [
			{ role: 'system', content: SYSTEM },
			{ role: 'user', content: PROMPT }
		],
		temperature: 0,
		top_p: 1,
		max_tokens: TOKENS,
		stream: true,
		stream_options: { include_usage: true }
	});
	let first = 0;
	let tokens = 0;
	let text = '';
	for await (const chunk of stream) {
		const delta = chunk.choices[0]?.delta.content ?? '';
		if (delta && !first) first = performance.now();
		text += delta;
		if (chunk.usage) tokens = chunk.usage.completion_tokens;
	}
	const end = performance.now();
	return { tokensPerSecond: ((tokens - 1) * 1000) / (end - first), tokens, text };
}

const lumen = await spawnLumen(['serve', '--no-worker', '--port', '0', '--host', '127.0.0.1'], { LUMEN_JOIN_TOKENS: TOKEN, LUMEN_DB: ':memory:' });
const profile = mkdtempSync(join(tmpdir(), 'lumen-bench-serve-'));
const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, locale: 'en-US' });
try {
	console.log(`browser worker bench: ${MODEL} on WASM (${THREADS} thread(s)), greedy, ${TOKENS} new tokens, median of ${RUNS} runs after one warm-up each\n`);
	const page = context.pages()[0] ?? (await context.newPage());
	await page.goto(`${lumen.url}/serve?device=wasm&threads=${THREADS}`);
	await page.getByLabel('Model', { exact: true }).selectOption(MODEL);
	await page.getByLabel('Coordinator URL').fill(lumen.url);
	await page.getByLabel('Join token').fill(TOKEN);
	await page.getByRole('button', { name: 'Start serving' }).click();
	await page.getByTestId('serve-state').filter({ hasText: `Serving ${MODEL}` }).waitFor({ timeout: 300_000 });

	// The chat page of the same tab chats through the serving worker: the same model, the same queue.
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat', exact: true }).click();
	await page.getByLabel('Model', { exact: true }).selectOption(MODEL);
	await page.getByTestId('shared-with-serving').waitFor();
	await page.getByRole('button', { name: 'Settings' }).click();
	await page.getByLabel('Temperature').fill('0');
	await page.getByLabel('Top-p').fill('1');
	await page.getByLabel('Max new tokens').fill(String(TOKENS));
	await page.getByLabel('System prompt').fill(SYSTEM);

	const client = new OpenAI({ baseURL: `${lumen.url}/v1`, apiKey: 'unused', maxRetries: 0 });
	const tab: Sample[] = [];
	const coordinator: Sample[] = [];
	// Interleaved, so drift in the machine's load falls on both alike; run 0 of each warms up.
	for (let i = 0; i <= RUNS; i++) {
		const a = await inTab(page, i === 0);
		const b = await throughCoordinator(client);
		if (i > 0) {
			tab.push(a);
			coordinator.push(b);
		}
	}
	const tabTps = median(tab.map((s) => s.tokensPerSecond));
	const coordTps = median(coordinator.map((s) => s.tokensPerSecond));
	printTable(
		['path', 'tokens', 'decode tokens/s (median)', 'min', 'max'],
		[
			['in the tab (chat page → worker)', String(tab[0].tokens), fmt(tabTps), fmt(Math.min(...tab.map((s) => s.tokensPerSecond))), fmt(Math.max(...tab.map((s) => s.tokensPerSecond)))],
			[
				'OpenAI client → coordinator → tab',
				String(coordinator[0].tokens),
				fmt(coordTps),
				fmt(Math.min(...coordinator.map((s) => s.tokensPerSecond))),
				fmt(Math.max(...coordinator.map((s) => s.tokensPerSecond)))
			]
		]
	);
	const same = tab.every((s) => s.text === coordinator[0].text) && coordinator.every((s) => s.text === coordinator[0].text);
	console.log(`\nsame greedy text on both paths: ${same ? 'yes' : 'NO'}`);
	console.log(`ratio coordinator/tab: ${fmt(coordTps / tabTps, 2)} (goal ≥ 0.90)`);
} finally {
	await context.close();
	rmSync(profile, { recursive: true, force: true });
	await lumen.stop();
}
