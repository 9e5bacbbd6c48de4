// Embeddings in real Chromium: the /embeddings page embeds through the Transformers.js Web Worker
// (ONNX Runtime Web, WASM). The same texts go through a real coordinator to real onnx workers, as an
// OpenAI client sends them: on `--device wasm` (ONNX Runtime Web's WASM build in Node) the vectors must
// equal the tab's bit for bit; on the default onnxruntime-node, whose native kernels round differently,
// they must agree to float32 rounding.
import { test, expect } from './fixtures';
import { startCoordinatorWithOnnxWorker } from '../coordinator/testing/processes';

const MODEL = 'lumen-tiny-a';
const TEXTS = ['The river runs to the sea.', 'a quiet harbour at dawn', 'The river runs to the sea.'];

/** The vectors an OpenAI client gets from `lumen-tiny-a` through a coordinator and an onnx worker on `device`. */
async function servedEmbeddings(device: 'wasm' | 'cpu'): Promise<number[][]> {
	const served = await startCoordinatorWithOnnxWorker(MODEL, ['--threads', '1', '--device', device]);
	try {
		const response = await served.client.embeddings.create({ model: MODEL, input: TEXTS, encoding_format: 'float' });
		return response.data.map((d) => d.embedding);
	} finally {
		await served.stop();
	}
}

function compare(a: number[][], b: number[][]): { differing: number; maxDiff: number } {
	let maxDiff = 0;
	let differing = 0;
	a.forEach((vector, i) =>
		vector.forEach((v, j) => {
			const d = Math.abs(v - b[i][j]);
			if (d > 0) differing++;
			maxDiff = Math.max(maxDiff, d);
		})
	);
	return { differing, maxDiff };
}

test('the browser worker embeds, and matches Node', async ({ page, server }) => {
	test.setTimeout(300_000);
	// Sequential: two onnx workers loading at once on a small CI machine only slow each other.
	const reference = servedEmbeddings('wasm').then(async (wasm) => ({ wasm, cpu: await servedEmbeddings('cpu') }));
	await page.goto(`${server.url}/embeddings?device=wasm`);
	await page.getByLabel('Model').selectOption(MODEL);
	await page.getByLabel('Text, one input per line').fill(TEXTS.join('\n'));
	await page.getByRole('button', { name: 'Embed' }).click();
	const summary = page.getByTestId('embedding-summary');
	await expect(summary).toBeVisible({ timeout: 120_000 });
	await expect(summary).toHaveAttribute('data-ran-on', 'wasm (fp32)');
	await expect(summary).toContainText('3 × 256 dimensions');

	const browser = (await page.getByTestId('embedding-vector').allTextContents()).map((t) => JSON.parse(t) as number[]);
	expect(browser).toHaveLength(3);
	for (const vector of browser) expect(vector).toHaveLength(256);
	expect(browser[0]).toEqual(browser[2]); // identical input, identical vector

	const { wasm, cpu } = await reference;
	// Node on ONNX Runtime Web's WASM build: the tab's numbers exactly.
	expect(wasm).toEqual(browser);
	// Node on onnxruntime-node: its kernels (native SIMD, other summation orders) may change the last float32 bits; never more.
	const native = compare(browser, cpu);
	console.log(`tab vs onnx worker --device wasm: identical; tab vs --device cpu: ${native.differing} of ${3 * 256} values differ, max abs difference ${native.maxDiff.toExponential(2)}`);
	expect(native.maxDiff).toBeLessThan(1e-6);

	// The page shows cosine similarity to the first line: 1 for the repeated text.
	await expect(page.locator('tbody tr').nth(2).locator('td').nth(1)).toHaveText('1.0000');
});
