// /v1/embeddings for real: `lumen serve` (coordinator + its onnx worker on lumen-tiny-a, separate
// processes) driven by the official openai client and LangChain's OpenAIEmbeddings, checked against the
// same runtime in this process; plus a worker whose model export has no hidden states, and every refusal.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAIEmbeddings } from '@langchain/openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64ToFloat32 } from '#protocol/embeddings';
import { ensureModels, modelWithoutHiddenState } from '../scripts/model-builder/test-support';
import { embedRequest, type EmbeddingModel } from '../workers/runtime/transformers-embed';
import { PROJECT_ROOT, spawnWorker, until, type SpawnedWorker } from '../workers/native/test-support';

const MODEL = 'lumen-tiny-a';
const SECRET = 'embeddings-secret';
const dataDir = mkdtempSync(join(tmpdir(), 'lumen-embeddings-'));
// A stand-in for build/, so the test does not depend on whether the app was built.
const webDir = join(dataDir, 'web');
let serve: ChildProcessWithoutNullStreams;
let plainWorker: SpawnedWorker;
let out = '';
let err = '';
let url = '';
let client: OpenAI;
let local: EmbeddingModel;

/** The same runtime in this process, one ONNX Runtime thread like the served worker: the Node reference. */
async function loadLocal(): Promise<EmbeddingModel> {
	const tf = await import('@huggingface/transformers');
	tf.env.allowRemoteModels = false;
	tf.env.allowLocalModels = true;
	tf.env.localModelPath = ensureModels() + '/';
	const tokenizer = await tf.AutoTokenizer.from_pretrained(MODEL);
	const model = await tf.AutoModelForCausalLM.from_pretrained(MODEL, { dtype: 'fp32', device: 'cpu', session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
	return { tf, tokenizer, model, modelId: MODEL };
}

beforeAll(async () => {
	ensureModels();
	mkdirSync(webDir);
	writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>lumen</title>');
	serve = spawn(process.execPath, ['bin/lumen.js', 'serve', '--port', '0', '--threads', '1', '--web-dir', webDir], {
		cwd: PROJECT_ROOT,
		env: { ...process.env, LUMEN_DB: join(dataDir, 'lumen.db'), LUMEN_WORKER_SECRET: SECRET, PORT: '' }
	});
	serve.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
	serve.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
	const [, loadedLocal] = await Promise.all([until(() => /\bready\b/.test(err) || serve.exitCode !== null, 90_000, 50), loadLocal()]);
	local = loadedLocal;
	const m = /Lumen Chat on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
	if (!m) throw new Error(`lumen serve did not start:\n${out}\n${err}`);
	url = m[1];
	client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
	// A second worker whose model was exported for generation only (no last_hidden_state output).
	plainWorker = await spawnWorker(['--model', modelWithoutHiddenState(dataDir, 'lumen-no-hidden'), '--threads', '1', '--coordinator', url, '--secret', SECRET]);
	await until(async () => (await client.models.list()).data.some((m) => m.id === 'lumen-no-hidden'), 30_000, 50);
}, 150_000);

afterAll(async () => {
	await plainWorker?.kill();
	if (serve?.exitCode === null) serve.kill('SIGKILL');
	await local?.model.dispose();
	rmSync(dataDir, { recursive: true, force: true });
});

const floats = async (input: string | string[]) =>
	(await client.embeddings.create({ model: MODEL, input, encoding_format: 'float' })).data.map((d) => Float32Array.from(d.embedding));

describe('/v1/embeddings through lumen serve', () => {
	it('returns one vector of the hidden size per input, identical to the same runtime in this process', async () => {
		const text = 'The river runs to the sea.';
		const res = await client.embeddings.create({ model: MODEL, input: text, encoding_format: 'float' });
		expect(res.model).toBe(MODEL);
		expect(res.data).toHaveLength(1);
		expect(res.data[0].embedding).toHaveLength(256);
		expect(Math.hypot(...res.data[0].embedding)).toBeCloseTo(1, 6);
		const reference = await embedRequest(local, { model: MODEL, input: text });
		expect(res.data[0].embedding).toEqual(reference.data[0].embedding);
		expect(res.usage).toEqual(reference.usage);
	});

	it('is identical for identical input, and a batch equals the inputs sent one by one', async () => {
		const texts = ['a quiet harbour', 'The river runs to the sea.', 'a quiet harbour', 'gulls'];
		const batch = await floats(texts);
		const oneByOne: Float32Array[] = [];
		for (const t of texts) oneByOne.push((await floats(t))[0]);
		expect(batch).toEqual(oneByOne);
		expect(batch[0]).toEqual(batch[2]);
		expect(batch[0]).not.toEqual(batch[1]);
	});

	it('sends base64 that decodes to the same floats, which the openai client also asks for by default', async () => {
		const texts = ['one', 'two'];
		const expected = await floats(texts);
		const raw = await client.embeddings.create({ model: MODEL, input: texts, encoding_format: 'base64' });
		expect(raw.data.map((d) => base64ToFloat32(d.embedding as unknown as string))).toEqual(expected);
		// Without encoding_format the client requests base64 and decodes it itself.
		const byDefault = await client.embeddings.create({ model: MODEL, input: texts });
		expect(byDefault.data.map((d) => Float32Array.from(d.embedding))).toEqual(expected);
	});

	it("works as LangChain's OpenAIEmbeddings (documents and a query)", async () => {
		const embeddings = new OpenAIEmbeddings({ model: MODEL, apiKey: 'unused', configuration: { baseURL: `${url}/v1` }, maxRetries: 0 });
		const docs = ['the harbour at dawn', 'a recipe for bread'];
		const [vectors, query] = await Promise.all([embeddings.embedDocuments(docs), embeddings.embedQuery('the harbour at dawn')]);
		const expected = await floats(docs);
		expect(vectors.map((v) => Float32Array.from(v))).toEqual(expected);
		expect(Float32Array.from(query)).toEqual(expected[0]);
	});

	it('refuses, as OpenAI-shaped 400s naming the field: token arrays, an empty input, an input past the context, dimensions', async () => {
		const refusal = (body: object) => client.embeddings.create({ model: MODEL, ...body } as OpenAI.EmbeddingCreateParams);
		for (const input of [[1, 2, 3], [[1, 2, 3]]])
			await expect(refusal({ input })).rejects.toMatchObject({
				status: 400,
				param: 'input',
				message: expect.stringContaining("Invalid 'input': give a string or a non-empty array of strings; token-id arrays are not supported")
			});
		await expect(refusal({ input: ['fine', ''] })).rejects.toMatchObject({
			status: 400,
			code: 'bad_request',
			param: 'input',
			message: expect.stringContaining('input[1] is empty')
		});
		await expect(refusal({ input: 'x '.repeat(1100) })).rejects.toMatchObject({
			status: 400,
			code: 'context_length_exceeded',
			param: 'input',
			message: expect.stringContaining("The input takes 2200 tokens, but lumen-tiny-a's maximum context length is 2048 tokens")
		});
		await expect(refusal({ input: 'hi', dimensions: 64 })).rejects.toMatchObject({
			status: 400,
			param: 'dimensions',
			message: expect.stringContaining('have 256 dimensions and cannot be shortened')
		});
	});

	it('says a model whose export has no hidden states offers no embeddings, while it still chats', async () => {
		await expect(client.embeddings.create({ model: 'lumen-no-hidden', input: 'hi' })).rejects.toMatchObject({
			status: 400,
			param: 'model',
			message: expect.stringContaining("The model 'lumen-no-hidden' does not support embeddings.")
		});
		const chat = await client.chat.completions.create({ model: 'lumen-no-hidden', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 });
		expect(chat.choices[0].message.content?.length).toBeGreaterThan(0);
	});
});
