// Measures the test models per dtype: decode speed in Node through Transformers.js and raw
// onnxruntime-node, raw onnxruntime-web WASM in Node (a browser estimate), WASM/native ratios,
// Node-vs-WASM greedy token identity, file and folder sizes, and the (forced) build time.
// Usage: npx tsx scripts/measure-test-models.ts [--only id,id] [--dtypes fp32,q8,q4] [--runs 3]
//        [--tokens 128] [--q4-accuracy 0,4] [--json]
// --q4-accuracy also measures q4 built with other MatMulNBits accuracy_level values (in a temp dir).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { buildModels, DEFAULT_OUT_DIR, folderBytes, type BuildResult } from './model-builder/build';
import { ONNX_FILES, type Dtype } from './model-builder/llama-graph';
import { loadCatalogue, type ModelSpec, type Q4Spec } from './model-builder/model-spec';
import { greedyGenerateNode } from './model-builder/node-generate';
import { greedyOrt, specOf, type OrtLike, type SessionLike } from './model-builder/test-support';

const { values } = parseArgs({
	options: {
		only: { type: 'string' },
		dtypes: { type: 'string', default: 'fp32,q8,q4' },
		runs: { type: 'string', default: '3' },
		tokens: { type: 'string', default: '128' },
		'q4-accuracy': { type: 'string' },
		json: { type: 'boolean', default: false }
	}
});
const runs = Math.max(1, Number(values.runs));
const tokens = Math.max(1, Number(values.tokens));
const only = values.only?.split(',').filter(Boolean);
const dtypes = values.dtypes.split(',').filter(Boolean) as Dtype[];
for (const d of dtypes) if (!(d in ONNX_FILES)) throw new Error(`unknown dtype ${d}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, digits = 0) => Number(x.toFixed(digits));
ortWeb.env.wasm.numThreads = 1;

const t0 = performance.now();
const built = buildModels({ only, force: true });
const buildMs = performance.now() - t0;
const messages = [{ role: 'user', content: 'Hello! Can you tell me a short story about the sea?' }];

type Greedy = { tokens: number[]; gaps: number[] };
/**
 * Greedy-decode with raw onnxruntime-node and onnxruntime-web sessions, alternating between the
 * two so that load from other processes hits both alike; one warm-up each, then `runs` timed
 * runs. Tokens/s over the whole loop (prompt prefill included).
 */
async function rawSpeeds(bytes: Uint8Array, spec: ModelSpec, prompt: number[]) {
	const native = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
	const wasm = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
	const sides = [
		{ rt: ortNode as unknown as OrtLike, session: native as unknown as SessionLike, speeds: [] as number[] },
		{ rt: ortWeb as unknown as OrtLike, session: wasm as unknown as SessionLike, speeds: [] as number[] }
	];
	const results: Greedy[] = [];
	for (let i = 0; i <= runs; i++) {
		for (const [k, side] of sides.entries()) {
			const t = performance.now();
			results[k] = await greedyOrt(side.rt, side.session, spec, prompt, tokens);
			if (i > 0) side.speeds.push((tokens * 1000) / (performance.now() - t)); // run 0 warms up
		}
	}
	await native.release();
	await wasm.release();
	return sides.map((side, k) => ({ tokensPerSecond: median(side.speeds), ...results[k] }));
}

interface Variant {
	dtype: Dtype;
	label: string;
	modelDir: string;
	model: BuildResult;
}

async function measure(v: Variant) {
	const spec = specOf(v.model.id);
	const file = ONNX_FILES[v.dtype];
	const bytes = readFileSync(join(v.model.dir, 'onnx', file));
	const args = { modelDir: v.modelDir, modelId: v.model.id, messages, maxNewTokens: tokens, dtype: v.dtype };
	await greedyGenerateNode(args); // warm-up
	const tjs = [];
	for (let i = 0; i < runs; i++) tjs.push(await greedyGenerateNode(args));
	const prompt = tjs[0].promptTokenIds;

	const [native, wasm] = await rawSpeeds(bytes, spec, prompt);

	const firstDiff = native.tokens.findIndex((t, i) => t !== wasm.tokens[i]);
	const nodeTjs = median(tjs.map((r) => r.timings.tokensPerSecond));
	return {
		id: v.model.id,
		dtype: v.label,
		onnxBytes: bytes.byteLength,
		folderBytes: folderBytes(v.model.files, v.dtype),
		nodeLoadMs: round(median(tjs.map((r) => r.timings.loadMs))),
		nodeTjsTokS: round(nodeTjs),
		nodeRawTokS: round(native.tokensPerSecond),
		wasmRawTokS: round(wasm.tokensPerSecond),
		wasmOverNodeRaw: round(wasm.tokensPerSecond / native.tokensPerSecond, 2),
		wasmOverNodeTjs: round(wasm.tokensPerSecond / nodeTjs, 2),
		/** Raw native vs WASM greedy tokens (same prompt as Transformers.js): -1 = identical. */
		firstDiffNodeWasm: firstDiff,
		tjsEqualsRawNode: tjs[0].tokenIds.join() === native.tokens.join(),
		minGap: round(Math.min(...native.gaps), 4),
		/** 1-minute load average when done: 2 cores, so ≫ 1 means other processes competed. */
		load: round(loadavg()[0], 1),
		sample: tjs[0].text.slice(0, 60)
	};
}

/** Rebuild the selected models with another q4 accuracy_level into a temp dir. */
function buildQ4Variant(level: Q4Spec['accuracyLevel']): { dir: string; models: BuildResult[] } {
	const cat = loadCatalogue();
	const catalogue = { ...cat, models: cat.models.map((m) => ({ ...m, q4: { ...m.q4, accuracyLevel: level } })) };
	const dir = mkdtempSync(join(tmpdir(), `lumen-q4-acc${level}-`));
	return { dir, models: buildModels({ outDir: dir, only, catalogue, force: true }) };
}

const rows: Awaited<ReturnType<typeof measure>>[] = [];
const extraLevels = (values['q4-accuracy'] ?? '')
	.split(',')
	.filter(Boolean)
	.map((s) => Number(s) as Q4Spec['accuracyLevel']);
const variants = new Map<number, { dir: string; models: BuildResult[] }>();
for (const level of extraLevels) if (!variants.has(level)) variants.set(level, buildQ4Variant(level));
try {
	for (const model of built) {
		const spec = specOf(model.id);
		for (const dtype of dtypes) {
			const label = dtype === 'q4' ? `q4 (acc ${spec.q4.accuracyLevel})` : dtype;
			rows.push(await measure({ dtype, label, modelDir: DEFAULT_OUT_DIR, model }));
			if (dtype !== 'q4') continue;
			for (const [level, v] of variants) {
				if (level === spec.q4.accuracyLevel) continue;
				const variantModel = v.models.find((m) => m.id === model.id)!;
				rows.push(await measure({ dtype, label: `q4 (acc ${level})`, modelDir: v.dir, model: variantModel }));
			}
		}
	}
} finally {
	for (const v of variants.values()) rmSync(v.dir, { recursive: true, force: true });
}

if (values.json) console.log(JSON.stringify({ buildMs: Math.round(buildMs), tokens, runs, rows }, null, 2));
else {
	console.log(`build (forced) of ${built.map((b) => b.id).join(', ')}: ${(buildMs / 1000).toFixed(2)} s`);
	console.log(`${tokens} new tokens, median of ${runs} runs, 1 thread; firstDiffNodeWasm -1 = token-identical`);
	console.table(rows.map(({ sample: _sample, ...r }) => r));
	for (const r of rows) console.log(`${r.id} ${r.dtype}: ${JSON.stringify(r.sample)}`);
}
