// The model manager in real Chromium: sizes and fits verdicts, a real download into IndexedDB with
// progress, verify, delete, and a cancelled download that leaves no cached model and no orphan chunks.
import { readdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

const row = (page: Page, id: string) => page.getByTestId(`model-${id}`);

/** Every key in the chunk store (`lumen-weights`/`chunks`) that belongs to `modelId`. */
async function chunkKeys(page: Page, modelId: string): Promise<string[]> {
	return page.evaluate(
		(id) =>
			new Promise<string[]>((resolve, reject) => {
				const open = indexedDB.open('lumen-weights');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					if (!db.objectStoreNames.contains('chunks')) return resolve([]);
					const req = db.transaction('chunks').objectStore('chunks').getAllKeys();
					req.onsuccess = () => resolve(req.result.map(String).filter((k) => k.startsWith(`${id}\u0000`)));
					req.onerror = () => reject(req.error);
				};
			}),
		modelId
	);
}

test('model manager: sizes and verdicts, download with progress, verify, delete, cancel without leftovers', async ({ page, server }) => {
	await page.goto(server.url);
	await page.getByRole('link', { name: 'Models' }).click();
	await expect(page.getByRole('heading', { name: 'Models' })).toBeVisible();

	// Headless Chromium: SwiftShader is a fallback adapter, so the test models run "slowly" on the CPU.
	await expect(page.getByTestId('gpu')).toContainText('software fallback');
	for (const id of ['lumen-tiny-a', 'lumen-tiny-b', 'lumen-bench']) {
		await expect(row(page, id).getByTestId('size')).toContainText(/MiB \(fp32\)/);
		await expect(row(page, id).getByTestId('verdict')).toHaveAttribute('data-verdict', 'slow');
		await expect(row(page, id).getByTestId('reasons')).toContainText('software fallback (swiftshader)');
		await expect(row(page, id).getByTestId('reasons')).toContainText('of storage free for');
	}
	// An f16-only model cannot run without shader-f16, which SwiftShader lacks.
	await expect(row(page, 'phi-3.5-mini-instruct').getByTestId('verdict')).toHaveAttribute('data-verdict', 'no');
	// web-llm's prebuilt models are merged in; none can run without a real GPU.
	await page.getByTestId('webllm-models').locator('summary').click();
	const webllm = row(page, 'Llama-3.2-1B-Instruct-q4f16_1-MLC');
	await expect(webllm.getByTestId('verdict')).toHaveAttribute('data-verdict', 'no');
	await expect(webllm.getByTestId('reasons')).toContainText('software fallback (swiftshader), not a real GPU');
	await expect(webllm.getByTestId('reasons')).toContainText('Needs shader-f16');
	await expect(webllm.getByRole('button', { name: 'Download' })).toBeDisabled();
	await expect(page.getByTestId('storage')).toContainText('used of');
	await page.getByRole('button', { name: 'Keep data persistent' }).click();
	await expect(page.getByTestId('persist-answer')).toContainText('answer: false');

	// Download: progress in bytes and percent, then cached with its bytes on disk.
	const tiny = row(page, 'lumen-tiny-b');
	await expect(tiny.getByTestId('not-cached')).toBeVisible();
	await tiny.getByRole('button', { name: 'Download' }).click();
	await expect(tiny.getByTestId('progress')).toContainText(/of .* \(\d+%\)/);
	await expect(tiny.getByTestId('cached')).toBeVisible({ timeout: 120_000 });
	expect(Number(await tiny.getByTestId('cached').getAttribute('data-bytes'))).toBeGreaterThan(27_000_000);
	await expect(tiny.getByTestId('cached')).toContainText('on disk');

	await tiny.getByRole('button', { name: 'Verify' }).click();
	await expect(tiny.getByTestId('verify-result')).toContainText('Verified');

	// The cached state comes from IndexedDB, so it survives a reload.
	await page.reload();
	await expect(row(page, 'lumen-tiny-b').getByTestId('cached')).toBeVisible();
	await row(page, 'lumen-tiny-b').getByRole('button', { name: 'Delete' }).click();
	await expect(row(page, 'lumen-tiny-b').getByTestId('not-cached')).toBeVisible();
	expect(await chunkKeys(page, 'lumen-tiny-b')).toEqual([]);

	// Cancel mid-way through the 100 MB model: some chunks are stored by then, none may remain.
	const bench = row(page, 'lumen-bench');
	await bench.getByRole('button', { name: 'Download' }).click();
	await expect.poll(() => chunkKeys(page, 'lumen-bench').then((k) => k.length), { timeout: 60_000 }).toBeGreaterThan(0);
	await bench.getByRole('button', { name: 'Cancel' }).click();
	await expect(bench.getByTestId('not-cached')).toBeVisible();
	expect(await chunkKeys(page, 'lumen-bench')).toEqual([]);
	await page.reload();
	await expect(row(page, 'lumen-bench').getByTestId('not-cached')).toBeVisible();
	expect(await chunkKeys(page, 'lumen-bench')).toEqual([]);
});

test('the web-llm worker boots in Chromium, imports web-llm lazily and answers a load it cannot do with LumenError data', async ({ page, server }) => {
	const file = readdirSync('build/_app/immutable/workers').find((f) => /^webllm-worker-.*\.js$/.test(f));
	expect(file).toBeDefined();
	await page.goto(`${server.url}/models`);
	// Speaks comlink's wire format by hand: pages may not import workers, and this is the boundary under test.
	const answer = await page.evaluate(
		(url) =>
			new Promise<unknown>((resolve) => {
				const worker = new Worker(url, { type: 'module' });
				worker.onmessage = (e) => {
					resolve(e.data);
					worker.terminate();
				};
				const spec = { modelId: 'Llama-3.2-1B-Instruct-q4f32_1-MLC', repo: 'mlc-ai/x', host: 'https://huggingface.co/', pathTemplate: '{model}/', device: 'webgpu', dtype: 'q4', wasmBase: '' };
				worker.postMessage({ id: 'load-1', type: 'APPLY', path: ['load'], argumentList: [{ type: 'RAW', value: spec }] });
			}),
		`/_app/immutable/workers/${file}`
	);
	// No model host is reachable here: web-llm's first fetch fails and arrives as our error shape, not a string.
	expect(answer).toMatchObject({ id: 'load-1', type: 'HANDLER', name: 'throw', value: { isError: false } });
	const error = (answer as { value: { value: { code: string; message: string } } }).value.value;
	expect(error).toMatchObject({ code: 'network', retryable: true });
	expect(error.message).toMatch(/mlc-chat-config\.json.*Check the connection/);
});

test.describe('in Simplified Chinese', () => {
	test.use({ locale: 'zh-CN' });

	test('the fit reasons and the model descriptions read in Chinese', async ({ page, server }) => {
		await page.goto(`${server.url}/models`);
		const tiny = row(page, 'lumen-tiny-a');
		await expect(tiny.getByTestId('verdict')).toHaveAttribute('data-verdict', 'slow');
		// The adapter reason (with the adapter's name as a value) and the storage reason, in Chinese.
		await expect(tiny.getByTestId('reasons')).toContainText('软件回退');
		await expect(tiny.getByTestId('reasons')).toContainText('swiftshader');
		await expect(tiny.getByTestId('reasons')).toContainText('可用存储');
		await expect(tiny.getByTestId('reasons')).not.toContainText('storage free');
		await expect(tiny.getByTestId('description')).toContainText('随机权重');
		await expect(row(page, 'phi-3.5-mini-instruct').getByTestId('reasons')).toContainText('shader-f16');
		await expect(row(page, 'phi-3.5-mini-instruct').getByTestId('reasons')).not.toContainText('Needs');
	});
});
