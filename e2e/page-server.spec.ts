// The server's own models without setup: a fresh browser opens the app from `lumen serve` (what `npm start`
// runs after building: the coordinator, the built app and a native onnx worker serving lumen-tiny-a) and the
// chat lists the server's lumen-tiny-a as "(server)" beside the browser's copy, and chats through it, without
// visiting Settings. Turning it off in Settings removes the server's models; a plain static host (no
// /api/info) behaves as before: no server entries, no errors, and the browser's own model chats.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import OpenAI from 'openai';
import { test as base, expect } from './fixtures';
import { spawnLumen, type LumenProcess } from '../coordinator/testing/processes';

const SERVER_COPY = 'server:lumen-tiny-a';
const MAX_TOKENS = 12;

const test = base.extend<object, { lumen: LumenProcess }>({
	lumen: [
		async ({}, use) => {
			const lumen = await spawnLumen(['serve', '--port', '0', '--host', '127.0.0.1', '--threads', '1'], { LUMEN_DB: ':memory:' });
			await use(lumen);
			await lumen.stop();
		},
		{ scope: 'worker' }
	]
});

const picker = (page: Page) => page.getByLabel('Model', { exact: true });
const answer = (page: Page) => page.locator('[data-role="assistant"]').last().locator('.content');

async function chat(page: Page, text: string): Promise<string> {
	const toggle = page.getByRole('button', { name: 'Settings' });
	if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
	await page.getByLabel('Temperature').fill('0');
	await page.getByLabel('Max new tokens').fill(String(MAX_TOKENS));
	await page.getByRole('textbox', { name: 'Message' }).fill(text);
	await page.getByRole('button', { name: 'Send' }).click();
	await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled({ timeout: 120_000 });
	await expect(page.getByRole('alert')).toHaveCount(0);
	return answer(page).innerText();
}

test('a page served by lumen serve lists the server’s lumen-tiny-a as (server) without Settings, and chats through it', async ({ page, lumen }) => {
	const api: string[] = [];
	const weights: string[] = [];
	let sent: Record<string, unknown> | null = null;
	page.on('request', (r) => {
		if (r.url().includes('/v1/')) api.push(`${r.method()} ${new URL(r.url()).pathname}`);
		if (r.url().endsWith('/v1/chat/completions')) sent = r.postDataJSON();
		if (r.url().includes('/models/')) weights.push(r.url());
	});
	await page.goto(`${lumen.url}/?device=wasm`);
	const serverCopy = picker(page).locator(`option[value="${SERVER_COPY}"]`);
	await expect(serverCopy).toHaveText('Lumen Tiny A (random-weight test model) (server)');
	// The browser's own copy stays listed, unmarked.
	await expect(picker(page).locator('option[value="lumen-tiny-a"]')).toHaveText('Lumen Tiny A (random-weight test model)');

	await picker(page).selectOption(SERVER_COPY);
	await expect(page.getByTestId('model-where')).toHaveText(`Runs on the coordinator at ${lumen.url}.`);
	const text = await chat(page, 'Hello from a fresh browser.');
	expect(text.length).toBeGreaterThan(0);
	expect(api).toContain('POST /v1/chat/completions');
	expect(weights, 'the server’s model downloads nothing into the browser').toEqual([]);

	// The page's request, replayed by the official client, gets the same greedy answer: it came from the native worker.
	expect(sent).toMatchObject({ model: 'lumen-tiny-a', temperature: 0, max_tokens: MAX_TOKENS });
	const { messages, top_p } = sent as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
	const client = new OpenAI({ baseURL: `${lumen.url}/v1`, apiKey: 'unused', maxRetries: 0 });
	const direct = await client.chat.completions.create({ model: 'lumen-tiny-a', messages, top_p, temperature: 0, max_tokens: MAX_TOKENS });
	expect(text.trim()).toBe(direct.choices[0].message.content?.trim());
});

test('Settings can turn the page’s server off (and on again)', async ({ page, lumen }) => {
	await page.goto(`${lumen.url}/settings`);
	await expect(page.getByTestId('page-server')).toContainText(`This page comes from a Lumen coordinator (${lumen.url}/v1)`);
	const use = page.getByTestId('use-page-server');
	await expect(use).toBeChecked();
	await use.uncheck();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status').first()).toHaveText('Saved. Everything runs in this browser.');

	await page.goto(`${lumen.url}/?device=wasm`);
	await expect(picker(page).locator('option[value="lumen-tiny-a"]')).toHaveCount(1);
	await expect(picker(page).locator('option', { hasText: '(server)' })).toHaveCount(0);

	await page.goto(`${lumen.url}/settings`);
	await page.getByTestId('use-page-server').check();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status').first()).toHaveText('Saved. The chat page will offer this server’s models.');
	await page.goto(`${lumen.url}/?device=wasm`);
	await expect(picker(page).locator(`option[value="${SERVER_COPY}"]`)).toHaveText(/\(server\)$/);
});

/** A plain static host for build/: files as they are, and the app's HTML for every other path (SPA fallback). */
async function staticHost(dir: string): Promise<{ url: string; server: Server }> {
	const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.webmanifest': 'application/manifest+json' };
	const server = createServer((req, res) => {
		const path = resolve(join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
		const file = path.startsWith(dir) && existsSync(path) && statSync(path).isFile() ? path : join(dir, 'index.html');
		res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
		createReadStream(file).pipe(res);
	});
	await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test('on a static host nothing changes: no server models, no errors, and the browser’s own model chats', async ({ page }) => {
	const host = await staticHost(resolve('build'));
	try {
		const problems: string[] = [];
		page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
		page.on('pageerror', (e) => problems.push(e.message));
		await page.goto(`${host.url}/?device=wasm&threads=1`);
		await expect(picker(page).locator('option[value="lumen-tiny-a"]')).toHaveCount(1);
		await expect(picker(page).locator('option', { hasText: '(server)' })).toHaveCount(0);
		await expect(page.getByTestId('coordinator-error')).toHaveCount(0);
		await picker(page).selectOption('lumen-tiny-a');
		expect((await chat(page, 'Hello, static host.')).length).toBeGreaterThan(0);
		await page.goto(`${host.url}/settings`);
		await expect(page.getByTestId('page-server')).toContainText('not a Lumen coordinator');
		expect(problems).toEqual([]);
	} finally {
		host.server.close();
	}
});
