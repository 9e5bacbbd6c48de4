// Offline PWA for real: the service worker keeps the app, its worker and ONNX Runtime after the server
// process is killed (not just setOffline), through a reload and a browser restart; it isolates plain hosts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { test, expect, launchProfile } from './fixtures';
import { startServer } from './server';

const catalog = JSON.parse(readFileSync('src/lib/catalog/models.json', 'utf8')) as { id: string; name: string }[];
const tinyB = catalog.find((m) => m.id === 'lumen-tiny-b')!.name;
const OFFLINE_MESSAGE = `${tinyB} is not saved on this device, and it cannot be downloaded while offline. Connect to the internet, or pick a model you have used before.`;

const assistant = (page: Page) => page.locator('[data-role="assistant"]');
const firstPage = async (context: BrowserContext) => context.pages()[0] ?? (await context.newPage());

async function setParams(page: Page) {
	const settings = page.getByRole('button', { name: 'Settings' });
	if ((await settings.getAttribute('aria-expanded')) !== 'true') await settings.click();
	await page.getByLabel('Temperature').fill('0');
	await page.getByLabel('Max new tokens').fill('12');
}

async function send(page: Page, text: string) {
	await page.getByRole('textbox', { name: 'Message' }).fill(text);
	await page.getByRole('button', { name: 'Send' }).click();
}

async function chatOnce(page: Page, text: string) {
	const before = await assistant(page).count();
	await send(page, text);
	await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 120_000 });
	await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled({ timeout: 120_000 });
	await expect(assistant(page)).toHaveCount(before + 1);
	const answer = await assistant(page).last().evaluate((el) => (el as HTMLElement).dataset.raw ?? '');
	expect(answer.length, 'the answer streamed some text').toBeGreaterThan(0);
}

/** Paths in every cache the service worker made. */
function cachedPaths(page: Page): Promise<string[]> {
	return page.evaluate(async () => {
		const paths: string[] = [];
		for (const name of await caches.keys()) {
			for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
		}
		return paths;
	});
}

test('after the server is killed the app, a used model and cross-origin isolation still work', async ({ profileDir }) => {
	const server = await startServer();
	let context = await launchProfile(profileDir);
	try {
		let page = await firstPage(context);
		const modelResponses: { url: string; fromSw: boolean }[] = [];
		context.on('response', (r) => {
			if (r.url().includes('/models/')) modelResponses.push({ url: r.url(), fromSw: r.fromServiceWorker() });
		});

		// Online: the service worker installs, precaches and takes the page; the model is used once.
		await page.goto(`${server.url}/?device=wasm`);
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
		const manifest = await page.evaluate(async () => {
			const href = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')?.href;
			return href ? ((await (await fetch(href)).json()) as { name: string; display: string }) : null;
		});
		expect(manifest).toMatchObject({ name: 'Lumen Chat', display: 'standalone' });
		await page.getByLabel('Model', { exact: true }).selectOption('lumen-tiny-a');
		await setParams(page);
		await chatOnce(page, 'Hello while online.');
		expect(modelResponses.length, 'model files were downloaded').toBeGreaterThan(0);
		expect(modelResponses.filter((r) => r.fromSw), 'model files never pass through the service worker').toEqual([]);

		const cached = await cachedPaths(page);
		expect(cached).toContain('/ort/ort-wasm-simd-threaded.wasm');
		expect(cached).toContain('/ort/ort-wasm-simd-threaded.asyncify.mjs');
		expect(cached.some((p) => /^\/_app\/immutable\/workers\/transformers-worker-.*\.js$/.test(p)), 'worker bundle precached').toBe(true);
		expect(cached.filter((p) => p.startsWith('/models/') || /\/workers\/assets\/.*\.wasm$/.test(p))).toEqual([]);

		// Offline for real: the server process is gone.
		await server.stop();
		expect(await page.evaluate((url) => fetch(`${url}/v1/models`).then(() => 'reached', () => 'unreachable'), server.url)).toBe('unreachable');
		const reloaded = await page.reload();
		expect(reloaded?.fromServiceWorker(), 'the page came from the service worker').toBe(true);
		await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
		expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

		// The model used before loads from IndexedDB and answers.
		await page.getByLabel('Model', { exact: true }).selectOption('lumen-tiny-a');
		await setParams(page);
		await chatOnce(page, 'Hello while offline.');

		// A model never used here cannot come: the message says so plainly.
		await page.getByLabel('Model', { exact: true }).selectOption('lumen-tiny-b');
		await send(page, 'Are you there?');
		await expect(page.getByRole('alert').filter({ hasText: OFFLINE_MESSAGE }).first()).toBeVisible({ timeout: 60_000 });

		// A browser restart on the same profile still opens the app offline, conversation included.
		await context.close();
		context = await launchProfile(profileDir);
		page = await firstPage(context);
		const restarted = await page.goto(`${server.url}/?device=wasm`);
		expect(restarted?.fromServiceWorker()).toBe(true);
		await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
		expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
		await expect(assistant(page).first()).toBeVisible();
	} finally {
		await context.close().catch(() => undefined);
		// stop() waits for an exit that a killed process has already had.
		if (server.process.exitCode === null && server.process.signalCode === null) await server.stop();
	}
});

const TYPES: Record<string, string> = {
	'.html': 'text/html',
	'.js': 'text/javascript',
	'.mjs': 'text/javascript',
	'.css': 'text/css',
	'.json': 'application/json',
	'.wasm': 'application/wasm',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.webmanifest': 'application/manifest+json'
};

/** A plain static host for build/: no COOP/COEP headers at all, SPA fallback to index.html. */
async function plainStaticHost(): Promise<{ url: string; server: Server }> {
	const server = createServer((req, res) => {
		const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
		let file = join('build', path);
		if (!existsSync(file) || statSync(file).isDirectory()) file = join('build', 'index.html');
		res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
		res.end(readFileSync(file));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (!address || typeof address === 'string') throw new Error('no port');
	return { url: `http://127.0.0.1:${address.port}`, server };
}

test('on a static host without isolation headers, the service worker makes the page cross-origin isolated', async ({ profileDir }) => {
	const host = await plainStaticHost();
	const context = await launchProfile(profileDir);
	try {
		const page = await firstPage(context);
		await page.goto(`${host.url}/`);
		expect(await page.evaluate(() => crossOriginIsolated), 'the host itself sends no COOP/COEP').toBe(false);
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
		const reloaded = await page.reload();
		expect(reloaded?.fromServiceWorker()).toBe(true);
		expect(reloaded?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
		await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
		expect(await page.evaluate(() => crossOriginIsolated && typeof SharedArrayBuffer === 'function')).toBe(true);
	} finally {
		await context.close();
		host.server.closeAllConnections();
		await new Promise((resolve) => host.server.close(resolve));
	}
});
