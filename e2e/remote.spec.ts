// Routing to a remote coordinator, for real: the coordinator serves the app and relays two native ONNX
// workers; the browser is configured on /settings, streams from the coordinator, survives a killed worker.
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startServer, type AppServer } from './server';
import { spawnWorker, type SpawnedWorker } from '../workers/native/test-support';
import { spawnStub, type StubProcess } from '../coordinator/testing/processes';

/** Below 80% of this, neither tiny model's 27 MB (fp32) fits, so both go to the coordinator. */
const SMALL_QUOTA = 20_000_000;

let coordinator: AppServer;
let workerA: SpawnedWorker;
let workerB: SpawnedWorker;
/** Serves a model id the catalog does not know: it can only run on the coordinator. */
let stub: StubProcess;

test.beforeAll(async () => {
	test.setTimeout(180_000);
	const secret = 'e2e-worker-secret';
	coordinator = await startServer({ LUMEN_WEB_DIR: 'build', LUMEN_HEARTBEAT_INTERVAL_MS: '500', LUMEN_HEARTBEAT_EXPIRY_MS: '3000', LUMEN_WORKER_SECRET: secret });
	const args = (model: string) => ['--coordinator', coordinator.url, '--secret', secret, '--model', model, '--port', '0', '--threads', '1'];
	[workerA, workerB, stub] = await Promise.all([
		spawnWorker(args('lumen-tiny-a')),
		spawnWorker(args('lumen-tiny-b')),
		spawnStub({ coordinator: coordinator.url, secret, model: 'gpu-only-model', tokens: 24, intervalMs: 20 })
	]);
	await expect
		.poll(async () => {
			const res = await fetch(`${coordinator.url}/v1/models`);
			return ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id).sort();
		}, { timeout: 60_000 })
		.toEqual(['gpu-only-model', 'lumen-tiny-a', 'lumen-tiny-b']);
});

test.afterAll(async () => {
	await Promise.all([workerA?.kill(), workerB?.kill(), stub?.kill()]);
	await coordinator?.stop();
});

const assistant = (page: Page) => page.locator('[data-role="assistant"]').last().locator('.content');
const textLength = (page: Page) => assistant(page).evaluate((el) => el.textContent?.length ?? 0).catch(() => 0);

/** `expected`: models the connection test must list (a worker killed by an earlier test is gone by then). */
async function configure(page: Page, expected: string[]) {
	await page.goto(`${coordinator.url}/settings`);
	await page.getByLabel('Coordinator URL').fill('http://127.0.0.1:1');
	await page.getByRole('button', { name: 'Test connection' }).click();
	await expect(page.getByRole('alert')).toContainText('Could not reach the server at http://127.0.0.1:1');
	await page.getByLabel('Coordinator URL').fill(coordinator.url);
	await page.getByLabel('API key').fill('not-needed');
	await page.getByRole('button', { name: 'Test connection' }).click();
	for (const id of expected) await expect(page.getByTestId('connection-result')).toContainText(id);
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
}

async function setParams(page: Page, maxTokens: number) {
	const toggle = page.getByRole('button', { name: 'Settings' });
	if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
	await page.getByLabel('Temperature').fill('0');
	await page.getByLabel('Max new tokens').fill(String(maxTokens));
}

async function send(page: Page, text: string) {
	await page.getByRole('textbox', { name: 'Message' }).fill(text);
	await page.getByRole('button', { name: 'Send' }).click();
}

test('a model too large for this browser is routed to the coordinator, streams, and keeps its partial answer when the worker dies', async ({ page }) => {
	await configure(page, ['lumen-tiny-a', 'lumen-tiny-b']);

	// With the browser's real (~10 GB) quota the tiny model runs here.
	await page.goto(`${coordinator.url}/?device=wasm`);
	await page.getByLabel('Model', { exact: true }).selectOption('lumen-tiny-b');
	await expect(page.getByText('Runs on CPU (WASM) in this browser')).toBeVisible();

	// With a small quota it no longer fits and goes to the coordinator, saying why.
	await page.goto(`${coordinator.url}/?device=wasm&quota=${SMALL_QUOTA}`);
	const picker = page.getByLabel('Model', { exact: true });
	await expect(picker.locator('option[value="lumen-tiny-b"]')).toHaveText(/\(server\)$/);
	await picker.selectOption('lumen-tiny-b');
	const where = page.getByTestId('model-where');
	await expect(where).toHaveAttribute('data-where', 'remote');
	await expect(where).toHaveText(`Runs on the coordinator at ${coordinator.url}: needs 26 MiB, this browser allows 15 MiB.`);

	// Chatting streams from the coordinator: the answer grows across observations, no local download.
	const modelFiles: string[] = [];
	page.on('request', (r) => void (r.url().includes('/models/') && modelFiles.push(r.url())));
	await setParams(page, 300);
	await send(page, 'Hello over the network!');
	await expect(page.getByTestId('model-ready')).toBeVisible();
	const lengths = new Set<number>();
	while (await page.getByRole('button', { name: 'Stop' }).isEnabled()) {
		const n = await textLength(page);
		if (n > 0) lengths.add(n);
		await page.waitForTimeout(10);
	}
	lengths.add(await textLength(page));
	expect(lengths.size, `observed lengths ${[...lengths].join(',')}`).toBeGreaterThan(2);
	await expect(page.getByRole('alert')).toHaveCount(0);
	expect(modelFiles, 'a remote model downloads nothing into the browser').toEqual([]);

	// Kill the worker serving lumen-tiny-a mid-answer: an error is shown and the partial answer stays.
	await picker.selectOption('lumen-tiny-a');
	await expect(where).toContainText(`Runs on the coordinator at ${coordinator.url}`);
	await setParams(page, 1500);
	await send(page, 'Tell me a very long story.');
	await expect.poll(() => textLength(page), { timeout: 60_000 }).toBeGreaterThan(40);
	await workerA.proc.kill('SIGKILL');
	await workerA.exited;
	await expect(page.getByRole('alert').first()).toHaveText(/The worker (stopped in the middle of the answer|ended the stream before it was complete)\. Try again\./, { timeout: 30_000 });
	await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled();
	const partial = await textLength(page);
	expect(partial).toBeGreaterThan(40);
	await page.waitForTimeout(300);
	expect(await textLength(page), 'the partial answer stays').toBe(partial);
});

test('a model only the coordinator serves joins the picker, marked (server), and chats', async ({ page }) => {
	await configure(page, ['gpu-only-model', 'lumen-tiny-b']);
	await page.goto(`${coordinator.url}/?device=wasm`);
	const picker = page.getByLabel('Model', { exact: true });
	await expect(picker.locator('option[value="gpu-only-model"]')).toHaveText('gpu-only-model (server)');
	await expect(picker.locator('option[value="lumen-tiny-a"]')).not.toHaveText(/server/);
	await picker.selectOption('gpu-only-model');
	await expect(page.getByTestId('model-where')).toHaveText(`Runs on the coordinator at ${coordinator.url}: it is served only by the coordinator.`);
	await send(page, 'Hello, big model.');
	await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled({ timeout: 30_000 });
	await expect.poll(() => textLength(page)).toBeGreaterThan(0);
	await expect(page.getByRole('alert')).toHaveCount(0);
});
