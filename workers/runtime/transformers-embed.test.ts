// embedRequest against the real tiny model on onnxruntime-node (the code the browser worker runs too):
// pooling checked against the builder's float64 reference forward pass, encodings, batching, refusals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64ToFloat32, embeddingValues } from '#protocol/embeddings';
import { referenceOutputs } from '../../scripts/model-builder/reference';
import { ensureModels, maxAbsDiff, modelWithoutHiddenState, weightsOf } from '../../scripts/model-builder/test-support';
import { embedRequest, meanPoolNormalized, offersEmbeddings, type EmbeddingModel } from './transformers-embed';

const MODEL = 'lumen-tiny-a';
const HIDDEN = 256;
let loaded: EmbeddingModel;
let tf: typeof import('@huggingface/transformers');
const tmpDirs: string[] = [];

const load = async (root: string, id: string): Promise<EmbeddingModel> => {
	tf.env.localModelPath = root + '/';
	const tokenizer = await tf.AutoTokenizer.from_pretrained(id);
	const model = await tf.AutoModelForCausalLM.from_pretrained(id, { dtype: 'fp32', device: 'cpu', session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
	return { tf, tokenizer, model, modelId: id };
};

beforeAll(async () => {
	const modelDir = ensureModels();
	tf = await import('@huggingface/transformers');
	tf.env.allowRemoteModels = false;
	tf.env.allowLocalModels = true;
	loaded = await load(modelDir, MODEL);
});

afterAll(async () => {
	await loaded?.model.dispose();
	for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

const floatsOf = async (input: string | string[], extra: { encoding_format?: 'float' | 'base64' } = {}) =>
	(await embedRequest(loaded, { model: MODEL, input, ...extra })).data.map((d) => embeddingValues(d.embedding));
const idsOf = (text: string) => (loaded.tokenizer(text, { return_tensor: false }) as unknown as { input_ids: number[] }).input_ids;

describe('meanPoolNormalized', () => {
	it('averages the rows, then scales the mean to unit length', () => {
		// rows (1, 2) and (5, 10): mean (3, 6), length √45
		const got = meanPoolNormalized([1, 2, 5, 10], 2, 2);
		expect(Array.from(got)).toEqual([Math.fround(3 / Math.sqrt(45)), Math.fround(6 / Math.sqrt(45))]);
		expect(Array.from(meanPoolNormalized([0, 0], 1, 2))).toEqual([0, 0]); // no NaN from a zero vector
	});
});

describe('embedRequest on lumen-tiny-a', () => {
	it('is the L2-normalised mean of the last hidden states of the float64 reference forward pass', async () => {
		const text = 'The river runs to the sea.';
		const [got] = await floatsOf(text);
		expect(got.length).toBe(HIDDEN);
		const ids = idsOf(text);
		const hidden = referenceOutputs(weightsOf(MODEL), [ids])[0].lastHiddenState;
		const mean = Array.from({ length: HIDDEN }, (_, i) => ids.reduce((s, _id, t) => s + hidden[t * HIDDEN + i], 0) / ids.length);
		const norm = Math.hypot(...mean);
		expect(maxAbsDiff(got, mean.map((v) => v / norm))).toBeLessThan(1e-5);
		expect(Math.hypot(...got)).toBeCloseTo(1, 6);
	});

	it('gives identical vectors for identical input, and a batch equals the inputs sent one by one', async () => {
		const texts = ['a quiet harbour', 'The river runs to the sea.', 'a quiet harbour', 'x'];
		const batch = await floatsOf(texts);
		const oneByOne: Float32Array[] = [];
		for (const t of texts) oneByOne.push((await floatsOf(t))[0]);
		expect(batch).toEqual(oneByOne);
		expect(batch[0]).toEqual(batch[2]);
		expect(batch[0]).not.toEqual(batch[1]);
	});

	it('encodes base64 as little-endian float32 bytes that decode to the float answer', async () => {
		const res = await embedRequest(loaded, { model: MODEL, input: ['one', 'two'], encoding_format: 'base64' });
		const floats = await floatsOf(['one', 'two']);
		expect(res.data.map((d) => base64ToFloat32(d.embedding as string))).toEqual(floats);
		const b64 = res.data[0].embedding as string;
		expect(Buffer.from(b64, 'base64').readFloatLE(0)).toBe(floats[0][0]);
	});

	it('counts the tokens of every input in usage and answers in input order', async () => {
		const texts = ['one two three', 'four'];
		const res = await embedRequest(loaded, { model: 'alias-name', input: texts });
		const tokens = idsOf(texts[0]).length + idsOf(texts[1]).length;
		expect(res.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
		expect(res.model).toBe('alias-name');
		expect(res.data.map((d) => [d.object, d.index])).toEqual([['embedding', 0], ['embedding', 1]]);
	});

	it('embeds an input that fills the whole context and refuses one token more, naming the input', async () => {
		const full = 'x '.repeat(1024);
		expect(idsOf(full).length).toBe(2048);
		expect((await floatsOf(full))[0].length).toBe(HIDDEN);
		await expect(embedRequest(loaded, { model: MODEL, input: ['ok', full + 'x'] })).rejects.toMatchObject({
			code: 'context_length_exceeded',
			param: 'input',
			message: expect.stringMatching(/^input\[1\] takes 2049 tokens, but lumen-tiny-a's maximum context length is 2048 tokens\. Shorten it/)
		});
		// Far too long to be worth tokenizing: refused from its length alone.
		await expect(embedRequest(loaded, { model: MODEL, input: 'x'.repeat(40_000) })).rejects.toMatchObject({
			code: 'context_length_exceeded',
			message: expect.stringMatching(/^The input takes at least \d+ tokens/)
		});
	});

	it('refuses an empty input and dimensions it cannot give, naming the field', async () => {
		await expect(embedRequest(loaded, { model: MODEL, input: ['fine', ''] })).rejects.toMatchObject({
			code: 'bad_request',
			param: 'input',
			message: 'input[1] is empty: it has no tokens to embed. Send at least one character.'
		});
		await expect(embedRequest(loaded, { model: MODEL, input: 'hi', dimensions: 64 })).rejects.toMatchObject({
			code: 'bad_request',
			param: 'dimensions',
			message: expect.stringContaining('have 256 dimensions and cannot be shortened')
		});
		expect((await embedRequest(loaded, { model: MODEL, input: 'hi', dimensions: HIDDEN })).data[0].embedding).toHaveLength(HIDDEN);
	});

	it('stops between inputs when the signal aborts', async () => {
		const controller = new AbortController();
		controller.abort();
		await expect(embedRequest(loaded, { model: MODEL, input: ['a', 'b'] }, controller.signal)).rejects.toMatchObject({ code: 'aborted' });
	});
});

describe('a model whose ONNX export has no last_hidden_state', () => {
	it('offers no embeddings and says so', async () => {
		const root = mkdtempSync(join(tmpdir(), 'lumen-no-hidden-'));
		tmpDirs.push(root);
		modelWithoutHiddenState(root, 'no-hidden');
		const plain = await load(root, 'no-hidden');
		try {
			expect(offersEmbeddings(plain.model)).toBe(false);
			expect(offersEmbeddings(loaded.model)).toBe(true);
			await expect(embedRequest(plain, { model: 'no-hidden', input: 'hi' })).rejects.toMatchObject({
				code: 'bad_request',
				param: 'model',
				message: expect.stringMatching(/^no-hidden offers no embeddings: its ONNX export has no "last_hidden_state" output/)
			});
		} finally {
			await plain.model.dispose();
		}
	});
});
