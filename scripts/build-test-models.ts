// CLI: builds the tiny deterministic LLaMA test models into static/models (or --out DIR).
// Usage: npx tsx scripts/build-test-models.ts [--out static/models] [--only id,id] [--force] [--json]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildModels, DEFAULT_OUT_DIR, folderBytes } from './model-builder/build';

const { values } = parseArgs({
	options: {
		out: { type: 'string' },
		only: { type: 'string' },
		force: { type: 'boolean', default: false },
		json: { type: 'boolean', default: false }
	}
});

const t0 = performance.now();
const outDir = values.out ? resolve(values.out) : DEFAULT_OUT_DIR;
const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
const results = buildModels({ outDir, only, force: values.force });
const totalMs = performance.now() - t0;

if (values.json) {
	console.log(JSON.stringify({ outDir, totalMs: Math.round(totalMs), models: results }, null, 2));
} else {
	for (const r of results) {
		const state = r.skipped ? 'up to date' : `built in ${(r.ms / 1000).toFixed(2)} s`;
		console.log(`${r.id}: ${state} → ${r.dir}`);
		for (const f of r.files.filter((f) => f.path.endsWith('.onnx'))) {
			console.log(`  ${f.path.padEnd(28)} ${String(f.bytes).padStart(11)} bytes  sha256 ${f.sha256}`);
		}
		const dtypes = (['fp32', 'q8', 'q4'] as const).map((d) => `${d} ${folderBytes(r.files, d)}`);
		console.log(`  folder bytes per dtype (JSON files + that ONNX): ${dtypes.join(', ')}`);
	}
	console.log(`total ${(totalMs / 1000).toFixed(2)} s`);
}
