// Embeddings in real Chromium: the /embeddings page embeds through the Transformers.js Web Worker
// (ONNX Runtime Web, WASM) and must give what the same runtime gives in Node (onnxruntime-node).
import { test, expect } from './fixtures';
import { ensureModels } from '../scripts/model-builder/test-support';
import { embedRequest, type EmbeddingModel } from '../workers/runtime/transformers-embed';

const MODEL = 'lumen-tiny-a';
const TEXTS = ['The river runs to the sea.', 'a quiet harbour at dawn', 'The river runs to the sea.'];

/** The Node side: the same runtime on onnxruntime-node, fp32 like the page picks for this model on WASM. */
async function nodeEmbeddings(texts: string[]): Promise<number[][]> {
	const tf = await import('@huggingface/transformers');
	tf.env.allowRemoteModels = false;
	tf.env.allowLocalModels = true;
	tf.env.localModelPath = ensureModels() + '/';
	const tokenizer = await tf.AutoTokenizer.from_pretrained(MODEL);
	const model = await tf.AutoModelForCausalLM.from_pretrained(MODEL, { dtype: 'fp32', device: 'cpu', session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
	try {
		const loaded: EmbeddingModel = { tf, tokenizer, model, modelId: MODEL };
		return (await embedRequest(loaded, { model: MODEL, input: texts })).data.map((d) => d.embedding as number[]);
	} finally {
		await model.dispose();
	}
}

test('the browser worker embeds, and matches Node', async ({ page, server }) => {
	const reference = nodeEmbeddings(TEXTS);
	await page.goto(`${server.url}/embeddings?device=wasm`);
	await page.getByLabel('Model').selectOption(MODEL);
	await page.getByLabel('Text, one input per line').fill(TEXTS.join('\n'));
	await page.getByRole('button', { name: 'Embed' }).click();
	const summary = page.getByTestId('embedding-summary');
	await expect(summary).toBeVisible({ timeout: 120_000 });
	await expect(summary).toHaveAttribute('data-ran-on', 'wasm (fp32)');
	await expect(summary).toContainText('3 × 256 dimensions');

	const browser = (await page.getByTestId('embedding-vector').allTextContents()).map((t) => JSON.parse(t) as number[]);
	const node = await reference;
	expect(browser).toHaveLength(3);
	expect(browser[0]).toEqual(browser[2]); // identical input, identical vector
	let maxDiff = 0;
	let differing = 0;
	for (const [i, vector] of browser.entries()) {
		expect(vector).toHaveLength(256);
		vector.forEach((v, j) => {
			const d = Math.abs(v - node[i][j]);
			if (d > 0) differing++;
			maxDiff = Math.max(maxDiff, d);
		});
	}
	console.log(`browser (ONNX Runtime Web, WASM) vs Node (onnxruntime-node): ${differing} of ${3 * 256} values differ, max abs difference ${maxDiff.toExponential(2)}`);
	// The runtimes' kernels differ (WASM SIMD vs native), so the last float32 bits may too; never more.
	expect(maxDiff).toBeLessThan(1e-6);

	// The page shows cosine similarity to the first line: 1 for the repeated text.
	await expect(page.locator('tbody tr').nth(2).locator('td').nth(1)).toHaveText('1.0000');
});
