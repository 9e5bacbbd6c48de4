// Determinism and caching: same seed → byte-identical folders, different seeds → different
// weights, and the stamp file skips up-to-date models but rebuilds damaged ones.
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildModels, MODEL_FILES, STAMP_FILE } from './build';
import { loadCatalogue } from './model-spec';
import { buildTokenizer } from './tokenizer-files';
import { generateWeights } from './weights';

const dirs: string[] = [];
const tmp = () => {
	const d = mkdtempSync(join(tmpdir(), 'lumen-models-'));
	dirs.push(d);
	return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const read = (dir: string, id: string, file: string) => readFileSync(join(dir, id, file));

describe('deterministic builds', () => {
	it('building twice with the same seed gives identical bytes', () => {
		const [d1, d2] = [tmp(), tmp()];
		const r1 = buildModels({ outDir: d1, only: ['lumen-tiny-a'], force: true });
		const r2 = buildModels({ outDir: d2, only: ['lumen-tiny-a'], force: true });
		expect(r1[0].skipped).toBe(false);
		for (const f of [...MODEL_FILES, STAMP_FILE]) {
			expect(read(d1, 'lumen-tiny-a', f).equals(read(d2, 'lumen-tiny-a', f)), f).toBe(true);
		}
		expect(r1[0].files).toEqual(r2[0].files);
	});

	it('different seeds give different weights but the same tokenizer', () => {
		const d = tmp();
		buildModels({ outDir: d, only: ['lumen-tiny-a', 'lumen-tiny-b'] });
		for (const f of ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'onnx/model_q4.onnx']) {
			const [a, b] = [read(d, 'lumen-tiny-a', f), read(d, 'lumen-tiny-b', f)];
			expect(a.length).toBe(b.length);
			expect(a.equals(b)).toBe(false);
		}
		for (const f of ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json']) {
			expect(read(d, 'lumen-tiny-a', f).equals(read(d, 'lumen-tiny-b', f)), f).toBe(true);
		}
		const cat = loadCatalogue();
		const tok = buildTokenizer(cat.corpus, cat.tokenizer);
		const [wa, wb] = ['lumen-tiny-a', 'lumen-tiny-b'].map((id) =>
			generateWeights(cat.models.find((m) => m.id === id)!, tok)
		);
		let same = 0;
		for (let i = 0; i < wa.embed.length; i++) if (wa.embed[i] === wb.embed[i]) same++;
		expect(same / wa.embed.length).toBeLessThan(0.01);
		expect(wa.lmBias).toEqual(wb.lmBias); // the bias depends on the tokenizer only
	});

	it('skips up-to-date models and rebuilds damaged ones', () => {
		const d = tmp();
		const first = buildModels({ outDir: d, only: ['lumen-tiny-b'] })[0];
		const again = buildModels({ outDir: d, only: ['lumen-tiny-b'] })[0];
		expect(first.skipped).toBe(false);
		expect(again.skipped).toBe(true);
		expect(again.files).toEqual(first.files);
		truncateSync(join(d, 'lumen-tiny-b', 'onnx/model.onnx'), 100);
		const repaired = buildModels({ outDir: d, only: ['lumen-tiny-b'] })[0];
		expect(repaired.skipped).toBe(false);
		expect(read(d, 'lumen-tiny-b', 'onnx/model.onnx').length).toBe(first.files[4].bytes);
	});

	it('writes the config files Transformers.js and the catalogue read', () => {
		const d = tmp();
		buildModels({ outDir: d, only: ['lumen-tiny-a'] });
		const config = JSON.parse(read(d, 'lumen-tiny-a', 'config.json').toString());
		expect(config).toMatchObject({
			model_type: 'llama',
			architectures: ['LlamaForCausalLM'],
			hidden_size: 256,
			num_attention_heads: 4,
			num_key_value_heads: 2,
			head_dim: 64,
			vocab_size: 512,
			tie_word_embeddings: false,
			bos_token_id: 509,
			eos_token_id: 511,
			pad_token_id: 509,
			lumen: { test_model: true, seed: 1001 }
		});
		const gen = JSON.parse(read(d, 'lumen-tiny-a', 'generation_config.json').toString());
		expect(gen).toEqual({ bos_token_id: 509, eos_token_id: 511, pad_token_id: 509, max_new_tokens: 128, do_sample: false });
	});

	it('rejects unknown model ids', () => {
		expect(() => buildModels({ outDir: tmp(), only: ['nope'] })).toThrow(/unknown model/);
	});
});
