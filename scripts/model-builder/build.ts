// Builds one test model folder (config, tokenizer, fp32 + q8 + q4 ONNX) with atomic file writes
// and a stamp file, so an up-to-date folder is skipped on the next run.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generationConfig, llamaConfig } from './hf-config';
import { buildLlamaOnnx, ONNX_FILES, type Dtype } from './llama-graph';
import { BUILDER_DIR, loadCatalogue, type Catalogue, type ModelSpec } from './model-spec';
import { buildTokenizer, type BuiltTokenizer } from './tokenizer-files';
import { generateWeights } from './weights';

/** Bump to force a rebuild when the output format changes in a way the hash cannot see. */
export const BUILDER_VERSION = 2;
export const STAMP_FILE = 'lumen-build.json';
export const MODEL_FILES = [
	'config.json',
	'generation_config.json',
	'tokenizer.json',
	'tokenizer_config.json',
	`onnx/${ONNX_FILES.fp32}`,
	`onnx/${ONNX_FILES.q8}`,
	`onnx/${ONNX_FILES.q4}`
] as const;

/** Bytes a Transformers.js client downloads for one dtype: the JSON files plus that ONNX file. */
export function folderBytes(files: BuiltFile[], dtype: Dtype): number {
	const wanted = (p: string) => !p.endsWith('.onnx') || p === `onnx/${ONNX_FILES[dtype]}`;
	return files.filter((f) => wanted(f.path)).reduce((sum, f) => sum + f.bytes, 0);
}

export interface BuiltFile {
	path: string;
	bytes: number;
	sha256: string;
}
export interface BuildResult {
	id: string;
	dir: string;
	skipped: boolean;
	ms: number;
	files: BuiltFile[];
}

const NOT_BUILD_INPUTS = new Set(['node-generate.ts', 'reference.ts', 'test-support.ts']);
let sourceHashMemo: string | null = null;
/** Hash of the builder's sources and data (test-only code excluded): code changes trigger rebuilds. */
function sourceHash(): string {
	if (sourceHashMemo) return sourceHashMemo;
	const h = createHash('sha256');
	const files = readdirSync(BUILDER_DIR)
		.filter((f) => /\.(ts|json|txt)$/.test(f) && !f.endsWith('.test.ts') && !NOT_BUILD_INPUTS.has(f))
		.sort();
	for (const f of files) h.update(f).update('\0').update(readFileSync(join(BUILDER_DIR, f))).update('\0');
	return (sourceHashMemo = h.digest('hex'));
}

export function configHash(cat: Catalogue, spec: ModelSpec): string {
	return createHash('sha256')
		.update(JSON.stringify({ BUILDER_VERSION, spec, tokenizer: cat.tokenizer, source: sourceHash() }))
		.update(cat.corpus)
		.digest('hex')
		.slice(0, 16);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Write via a temp file + rename so concurrent builders never expose half-written files. */
function writeAtomic(path: string, data: Uint8Array | string): void {
	mkdirSync(dirname(path), { recursive: true });
	const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
	writeFileSync(tmp, data);
	renameSync(tmp, path);
}

interface Stamp {
	builderVersion: number;
	configHash: string;
	files: BuiltFile[];
}

function readStamp(dir: string): Stamp | null {
	try {
		return JSON.parse(readFileSync(join(dir, STAMP_FILE), 'utf8')) as Stamp;
	} catch {
		return null;
	}
}

function upToDate(dir: string, hash: string): Stamp | null {
	const stamp = readStamp(dir);
	if (!stamp || stamp.configHash !== hash || stamp.builderVersion !== BUILDER_VERSION) return null;
	for (const f of stamp.files) {
		const p = join(dir, f.path);
		if (!existsSync(p) || statSync(p).size !== f.bytes) return null;
	}
	return stamp;
}

/** Build (or skip, when the stamp matches) one model into `<outDir>/<spec.id>/`. */
export function buildModel(
	cat: Catalogue,
	spec: ModelSpec,
	outDir: string,
	opts: { force?: boolean } = {}
): BuildResult {
	const t0 = performance.now();
	const dir = join(outDir, spec.id);
	const hash = configHash(cat, spec);
	const existing = opts.force ? null : upToDate(dir, hash);
	if (existing) {
		return { id: spec.id, dir, skipped: true, ms: performance.now() - t0, files: existing.files };
	}

	const tok = buildTokenizer(cat.corpus, cat.tokenizer);
	const weights = generateWeights(spec, tok);
	const json = (o: object) => JSON.stringify(o, null, 2) + '\n';
	const contents: Record<(typeof MODEL_FILES)[number], () => Uint8Array | string> = {
		'config.json': () => json(llamaConfig(spec, tok, hash)),
		'generation_config.json': () => json(generationConfig(spec, tok)),
		'tokenizer.json': () => json(tok.tokenizerJson),
		'tokenizer_config.json': () => json(tokenizerConfig(spec, tok)),
		'onnx/model.onnx': () => buildLlamaOnnx(weights, { dtype: 'fp32' }),
		'onnx/model_quantized.onnx': () => buildLlamaOnnx(weights, { dtype: 'q8' }),
		'onnx/model_q4.onnx': () => buildLlamaOnnx(weights, { dtype: 'q4' })
	};
	const files: BuiltFile[] = [];
	for (const path of MODEL_FILES) {
		const data = contents[path]();
		const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
		writeAtomic(join(dir, path), bytes);
		files.push({ path, bytes: bytes.byteLength, sha256: sha256(bytes) });
	}
	const stamp: Stamp = { builderVersion: BUILDER_VERSION, configHash: hash, files };
	writeAtomic(join(dir, STAMP_FILE), JSON.stringify(stamp, null, 2) + '\n');
	return { id: spec.id, dir, skipped: false, ms: performance.now() - t0, files };
}

/** The tokenizer's config; a model built with `chatTemplate: false` has no chat_template in it at all. */
function tokenizerConfig(spec: ModelSpec, tok: BuiltTokenizer): object {
	if (spec.chatTemplate !== false) return tok.tokenizerConfig;
	const { chat_template: _dropped, ...rest } = tok.tokenizerConfig as Record<string, unknown>;
	return rest;
}

export const REPO_ROOT = join(BUILDER_DIR, '..', '..');
export const DEFAULT_OUT_DIR = join(REPO_ROOT, 'static', 'models');

/** Build every catalogue model (or only `only`), skipping the up-to-date ones. */
export function buildModels(
	opts: { outDir?: string; only?: string[]; force?: boolean; catalogue?: Catalogue } = {}
): BuildResult[] {
	const cat = opts.catalogue ?? loadCatalogue();
	const outDir = opts.outDir ?? DEFAULT_OUT_DIR;
	const unknown = (opts.only ?? []).filter((id) => !cat.models.some((m) => m.id === id));
	if (unknown.length) throw new Error(`unknown model id(s): ${unknown.join(', ')}`);
	const specs = opts.only?.length ? cat.models.filter((m) => opts.only!.includes(m.id)) : cat.models;
	return specs.map((spec) => buildModel(cat, spec, outDir, { force: opts.force }));
}
