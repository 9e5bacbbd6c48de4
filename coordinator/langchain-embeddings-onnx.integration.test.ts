// LangChain's OpenAIEmbeddings against `lumen serve` and its own onnx worker (lumen-tiny-a): mean-pooled
// last hidden states, one vector per document, the model's hidden size long, equal for equal text.
// Needs the onnx backend's embeddings (issue item 3): it fails until they are merged.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAIEmbeddings } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModels } from '../scripts/model-builder/test-support';
import { spawnLumen, type LumenProcess } from './testing/processes';

const dataDir = mkdtempSync(join(tmpdir(), 'lumen-langchain-onnx-'));
let serve: LumenProcess;
let modelsDir: string;

beforeAll(async () => {
	modelsDir = ensureModels();
	serve = await spawnLumen(['serve', '--port', '0', '--threads', '1'], { LUMEN_DB: join(dataDir, 'lumen.db'), LUMEN_WORKER_SECRET: '', PORT: '', LUMEN_UPSTREAMS: '' });
});

afterAll(async () => {
	await serve?.stop();
	rmSync(dataDir, { recursive: true, force: true });
});

describe('LangChain OpenAIEmbeddings on lumen-tiny-a', () => {
	it('embeds documents and a query with the model’s hidden size, identical for identical text', async () => {
		const { hidden_size } = JSON.parse(readFileSync(join(modelsDir, 'lumen-tiny-a', 'config.json'), 'utf8')) as { hidden_size: number };
		const embeddings = new OpenAIEmbeddings({ model: 'lumen-tiny-a', apiKey: 'unused', maxRetries: 0, configuration: { baseURL: `${serve.url}/v1` } });
		const [sea, other, seaAgain] = (await embeddings.embedDocuments(['The sea is calm tonight.', 'A wholly different sentence.', 'The sea is calm tonight.'])).map((v) => Array.from(v));
		expect(sea).toHaveLength(hidden_size);
		expect(sea.every(Number.isFinite)).toBe(true);
		expect(seaAgain).toEqual(sea);
		expect(other).not.toEqual(sea);
		expect(Array.from(await embeddings.embedQuery('The sea is calm tonight.'))).toEqual(sea);
	});
});
