// How the onnx backend finds a model (folder, catalog id, hub id), that a folder path really loads, and
// that it offers embeddings exactly when the model's export has the hidden states.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectChunks } from '#protocol/openai';
import { ensureModels, modelWithoutHiddenState } from '../../scripts/model-builder/test-support';
import { DEFAULT_MODELS_DIR, loadOnnxBackend, resolveModelSource } from './onnx-backend';

describe('resolveModelSource', () => {
	it('reads a catalog id from static/models, a folder by path, anything else as a hub id', () => {
		ensureModels();
		expect(resolveModelSource('lumen-tiny-b')).toEqual({ kind: 'local', root: resolve(DEFAULT_MODELS_DIR) + '/', id: 'lumen-tiny-b', name: 'lumen-tiny-b' });
		expect(resolveModelSource(resolve(DEFAULT_MODELS_DIR, 'lumen-tiny-a'))).toMatchObject({ kind: 'local', id: 'lumen-tiny-a' });
		expect(resolveModelSource('onnx-community/Qwen2.5-0.5B-Instruct')).toEqual({
			kind: 'hub',
			id: 'onnx-community/Qwen2.5-0.5B-Instruct',
			name: 'onnx-community/Qwen2.5-0.5B-Instruct'
		});
		expect(resolveModelSource('../etc')).toMatchObject({ kind: 'hub' });
	});
});

describe('loadOnnxBackend', () => {
	it('loads a model folder by path and serves chat and completions under the folder name', async () => {
		const backend = await loadOnnxBackend({ model: resolve(ensureModels(), 'lumen-tiny-b'), threads: 1, speed: 5 });
		try {
			expect(backend.models).toEqual([{ id: 'lumen-tiny-b', context_length: 2048, capabilities: ['chat', 'completions', 'embeddings'] }]);
			const signal = new AbortController().signal;
			const embedded = await backend.embed!({ model: 'lumen-tiny-b', input: ['hi', 'there'] }, signal);
			expect(embedded.data.map((d) => d.embedding.length)).toEqual([256, 256]);
			const chat = await collectChunks(backend.chat({ model: 'lumen-tiny-b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, temperature: 0 }, signal));
			expect(chat.usage?.completion_tokens).toBe(5);
			let text = '';
			for await (const c of backend.complete({ model: 'lumen-tiny-b', prompt: 'hi', max_tokens: 5, temperature: 0 }, signal)) text += c.choices[0].text;
			expect(text.length).toBeGreaterThan(0);
		} finally {
			await backend.close();
		}
	});

	it('offers no embeddings for a model whose ONNX export has no last_hidden_state output', async () => {
		const root = mkdtempSync(join(tmpdir(), 'lumen-no-hidden-'));
		const lines: string[] = [];
		try {
			const backend = await loadOnnxBackend({ model: modelWithoutHiddenState(root, 'no-hidden'), threads: 1, speed: 5, log: (l) => lines.push(l) });
			expect(backend.models).toEqual([{ id: 'no-hidden', context_length: 2048, capabilities: ['chat', 'completions'] }]);
			expect(backend.embed).toBeUndefined();
			expect(lines).toContain("onnx: no-hidden's ONNX export has no last_hidden_state output: it offers no embeddings");
			await backend.close();
		} finally {
			rmSync(root, { recursive: true, force: true });
		}
	});

	it('refuses --device wasm in a process whose models already run on onnxruntime-node, saying why', async () => {
		// The tests above loaded Transformers.js on onnxruntime-node; it binds one runtime per process.
		await expect(loadOnnxBackend({ model: 'lumen-tiny-b', device: 'wasm', threads: 1, speed: 5 })).rejects.toMatchObject({
			code: 'model_load_failed',
			message: expect.stringMatching(/already runs models on onnxruntime-node; --device wasm needs a process of its own/)
		});
	});

	it('says which model, where and on what device when loading fails', async () => {
		await expect(loadOnnxBackend({ model: '/nonexistent/dir-without-config' })).rejects.toMatchObject({
			code: 'model_load_failed',
			message: expect.stringMatching(/nonexistent.*hub.*cpu/s)
		});
	});
});
