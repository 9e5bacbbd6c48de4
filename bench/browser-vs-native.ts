// Decode speed of lumen-bench in Chromium (ONNX Runtime Web, WASM) against Node (onnxruntime-node),
// same model, same prompt, same thread count, same streaming code (workers/runtime/transformers-chat),
// measured in one run. Also time to first token, and cold (network) vs warm (IndexedDB) load.
// Usage: npm run bench   (or: tsx bench/browser-vs-native.ts --runs 3 --tokens 128 --threads 1)
import { resolve } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { streamChat, type LoadedTextModel } from '../workers/runtime/transformers-chat';
import type { ChatCompletionRequest } from '#protocol/openai';
import { startServer, CHROMIUM_ARGS, executablePath } from '../e2e/server';

const { values } = parseArgs({
	options: {
		runs: { type: 'string', default: '3' },
		tokens: { type: 'string', default: '128' },
		threads: { type: 'string', default: '1' },
		model: { type: 'string', default: 'lumen-bench' }
	}
});
const RUNS = Number(values.runs);
const TOKENS = Number(values.tokens);
const THREADS = Number(values.threads);
const MODEL = values.model!;
const PROMPT = 'Hello! Can you tell me a short story about the sea?';
const SYSTEM = 'You are a helpful assistant.';

type Sample = { ttftMs: number; tokensPerSecond: number; tokens: number };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function nodeRuns(): Promise<{ samples: Sample[]; loadMs: number }> {
	const tf = await import('@huggingface/transformers');
	tf.env.allowRemoteModels = false;
	tf.env.allowLocalModels = true;
	tf.env.localModelPath = resolve('static/models') + '/';
	const t0 = performance.now();
	const tokenizer = await tf.AutoTokenizer.from_pretrained(MODEL);
	const model = await tf.AutoModelForCausalLM.from_pretrained(MODEL, {
		dtype: 'fp32',
		device: 'cpu',
		session_options: { intraOpNumThreads: THREADS, interOpNumThreads: 1 }
	});
	const loadMs = performance.now() - t0;
	const loaded: LoadedTextModel = { tf, tokenizer, model, modelId: MODEL, defaultMaxTokens: TOKENS };
	const request: ChatCompletionRequest = {
		model: MODEL,
		messages: [
			{ role: 'system', content: SYSTEM },
			{ role: 'user', content: PROMPT }
		],
		temperature: 0,
		max_tokens: TOKENS
	};
	const samples: Sample[] = [];
	for (let i = 0; i <= RUNS; i++) {
		const start = performance.now();
		let first = 0;
		let tokens = 0;
		for await (const chunk of streamChat(loaded, request)) {
			if (!first && chunk.choices[0]?.delta.content) first = performance.now();
			if (chunk.usage) tokens = chunk.usage.completion_tokens;
		}
		const end = performance.now();
		// Run 0 warms up; the browser page measures the same way (first content chunk to last).
		if (i > 0) samples.push({ ttftMs: first - start, tokensPerSecond: ((tokens - 1) * 1000) / (end - first), tokens });
	}
	await model.dispose();
	return { samples, loadMs };
}

async function readStats(page: Page): Promise<Sample> {
	const stats = page.locator('[data-role="assistant"]').last().getByTestId('stats');
	await stats.waitFor({ timeout: 300_000 });
	const num = async (attr: string) => Number(await stats.getAttribute(attr));
	return { ttftMs: await num('data-ttft-ms'), tokensPerSecond: await num('data-tokens-per-second'), tokens: await num('data-tokens') };
}

async function loadInPage(page: Page): Promise<{ loadMs: number; networkBytes: number }> {
	await page.getByLabel('Model', { exact: true }).selectOption(MODEL);
	await page.getByRole('button', { name: 'Load' }).click();
	const summary = page.getByTestId('load-summary');
	await summary.waitFor({ timeout: 300_000 });
	return { loadMs: Number(await summary.getAttribute('data-load-ms')), networkBytes: Number(await summary.getAttribute('data-network-bytes')) };
}

async function browserRuns(): Promise<{ samples: Sample[]; cold: { loadMs: number; networkBytes: number }; warm: { loadMs: number; networkBytes: number } }> {
	const server = await startServer();
	const profile = mkdtempSync(join(tmpdir(), 'lumen-bench-'));
	const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, locale: 'en-US' });
	try {
		const page = context.pages()[0] ?? (await context.newPage());
		const url = `${server.url}/?device=wasm&threads=${THREADS}`;
		await page.goto(url);
		const cold = await loadInPage(page);
		await page.getByRole('button', { name: 'Settings' }).click();
		await page.getByLabel('Temperature').fill('0');
		await page.getByLabel('Max new tokens').fill(String(TOKENS));
		await page.getByLabel('System prompt').fill(SYSTEM);
		const samples: Sample[] = [];
		for (let i = 0; i <= RUNS; i++) {
			if (i === 0) {
				await page.getByRole('textbox', { name: 'Message' }).fill(PROMPT);
				await page.getByRole('button', { name: 'Send' }).click();
			} else await page.getByRole('button', { name: 'Regenerate' }).click();
			const stop = page.getByRole('button', { name: 'Stop' });
			await stop.waitFor();
			await page.waitForFunction(() => ![...document.querySelectorAll('button')].find((b) => b.textContent === 'Stop')?.disabled);
			await page.waitForFunction(() => [...document.querySelectorAll('button')].find((b) => b.textContent === 'Stop')?.disabled, null, { timeout: 300_000 });
			const s = await readStats(page);
			if (i > 0) samples.push(s);
		}
		await page.reload();
		const warm = await loadInPage(page);
		return { samples, cold, warm };
	} finally {
		await context.close();
		rmSync(profile, { recursive: true, force: true });
		await server.stop();
	}
}

const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(`lumen bench: ${MODEL} fp32, greedy, ${TOKENS} new tokens, ${THREADS} thread(s), median of ${RUNS} runs after one warm-up\n`);
const node = await nodeRuns();
const browser = await browserRuns();
const nodeTps = median(node.samples.map((s) => s.tokensPerSecond));
const webTps = median(browser.samples.map((s) => s.tokensPerSecond));
const nodeTtft = median(node.samples.map((s) => s.ttftMs));
const webTtft = median(browser.samples.map((s) => s.ttftMs));
console.table({
	'decode tokens/s': { node: fmt(nodeTps), chromium: fmt(webTps), 'chromium / node': fmt(webTps / nodeTps, 2) },
	'time to first token (ms)': { node: fmt(nodeTtft, 0), chromium: fmt(webTtft, 0), 'chromium / node': fmt(webTtft / nodeTtft, 2) }
});
console.table({
	'cold load (network → IndexedDB)': { ms: fmt(browser.cold.loadMs, 0), 'bytes from network': browser.cold.networkBytes },
	'warm load (IndexedDB)': { ms: fmt(browser.warm.loadMs, 0), 'bytes from network': browser.warm.networkBytes },
	'node load (local files)': { ms: fmt(node.loadMs, 0), 'bytes from network': 0 }
});
console.log(`decode ratio chromium/node: ${fmt(webTps / nodeTps, 2)} (goal ≥ 0.90)`);
console.log(`warm/cold load ratio: ${fmt(browser.warm.loadMs / browser.cold.loadMs, 2)}`);
