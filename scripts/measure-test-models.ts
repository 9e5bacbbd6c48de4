// Measures the test models: Node generation speed through Transformers.js (1 thread), raw
// WASM decode speed via onnxruntime-web in Node (a browser estimate), file sizes, build time.
// Usage: npx tsx scripts/measure-test-models.ts [--only id,id] [--runs 3] [--json]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortWeb from 'onnxruntime-web';
import { buildModels, DEFAULT_OUT_DIR } from './model-builder/build';
import { greedyGenerateNode } from './model-builder/node-generate';
import { greedyOrt, specOf, type OrtLike, type SessionLike } from './model-builder/test-support';

const { values } = parseArgs({
	options: {
		only: { type: 'string' },
		runs: { type: 'string', default: '3' },
		json: { type: 'boolean', default: false }
	}
});
const runs = Math.max(1, Number(values.runs));
const only = values.only?.split(',').filter(Boolean);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
ortWeb.env.wasm.numThreads = 1;

const t0 = performance.now();
const built = buildModels({ only, force: true });
const buildMs = performance.now() - t0;
const messages = [{ role: 'user', content: 'Hello! Can you tell me a short story about the sea?' }];
const rows = [];
for (const model of built) {
	const spec = specOf(model.id);
	for (const dtype of ['fp32', 'q8'] as const) {
		const file = dtype === 'fp32' ? 'onnx/model.onnx' : 'onnx/model_quantized.onnx';
		const args = { modelDir: DEFAULT_OUT_DIR, modelId: model.id, messages, maxNewTokens: 128, dtype };
		await greedyGenerateNode(args); // warm-up
		const node = [];
		for (let i = 0; i < runs; i++) node.push(await greedyGenerateNode(args));
		const session = await ortWeb.InferenceSession.create(readFileSync(join(model.dir, file)), {
			executionProviders: ['wasm']
		});
		const wasm: number[] = [];
		for (let i = 0; i <= runs; i++) {
			const t = performance.now();
			await greedyOrt(ortWeb as unknown as OrtLike, session as unknown as SessionLike, spec, node[0].promptTokenIds, 128);
			if (i > 0) wasm.push((128 * 1000) / (performance.now() - t)); // run 0 warms up the JIT
		}
		await session.release();
		rows.push({
			id: model.id,
			dtype,
			bytes: model.files.find((f) => f.path === file)!.bytes,
			nodeTokensPerSecond: Math.round(median(node.map((r) => r.timings.tokensPerSecond))),
			nodeLoadMs: Math.round(median(node.map((r) => r.timings.loadMs))),
			wasmTokensPerSecond: Math.round(median(wasm)),
			sample: node[0].text.slice(0, 80)
		});
	}
}
if (values.json) console.log(JSON.stringify({ buildMs: Math.round(buildMs), rows }, null, 2));
else {
	console.log(`build (forced) of ${built.map((b) => b.id).join(', ')}: ${(buildMs / 1000).toFixed(2)} s`);
	console.table(rows);
}
