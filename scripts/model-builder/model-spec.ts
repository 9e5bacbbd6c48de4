// Loads and validates scripts/model-builder/test-models.json (the test-model catalogue) with
// zod, merging per-model entries over the shared defaults.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TokenizerSpec } from './tokenizer-files';

export const BUILDER_DIR = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_SPEC_FILE = join(BUILDER_DIR, 'test-models.json');

const biasSchema = z.object({
	special: z.number(),
	nonPrintableByte: z.number(),
	printableLetter: z.number(),
	printableOther: z.number(),
	mergedWord: z.number(),
	mergedOther: z.number()
});
const initSchema = z.object({
	embedStd: z.number().positive(),
	projGain: z.number().positive(),
	residualGain: z.number().positive(),
	normJitter: z.number().min(0),
	logitStd: z.number().positive(),
	attentionSharpness: z.number().positive(),
	bias: biasSchema
});
/** MatMulNBits settings of `onnx/model_q4.onnx` (see quantize-nbits.ts). */
const q4Schema = z.object({
	blockSize: z.union([z.literal(16), z.literal(32), z.literal(64), z.literal(128)]),
	symmetric: z.boolean(),
	/** MatMulNBits accuracy_level: 0 = unset (fp32 compute), 4 = int8-quantized activations. */
	accuracyLevel: z.union([z.literal(0), z.literal(1), z.literal(4)])
});
const defaultsSchema = z.object({
	maxPositionEmbeddings: z.number().int().positive(),
	rmsNormEps: z.number().positive(),
	ropeTheta: z.number().positive(),
	maxNewTokens: z.number().int().positive(),
	init: initSchema,
	q4: q4Schema
});
const modelSchema = defaultsSchema.partial().extend({
	q4: q4Schema.partial().optional(),
	id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
	description: z.string(),
	seed: z.number().int().min(0).max(0xffffffff),
	hiddenSize: z.number().int().positive(),
	intermediateSize: z.number().int().positive(),
	numLayers: z.number().int().positive(),
	numHeads: z.number().int().positive(),
	numKvHeads: z.number().int().positive(),
	headDim: z.number().int().positive().optional(),
	/** false: the tokenizer ships no chat_template, like many base and older chat models (default true). */
	chatTemplate: z.boolean().optional()
});
const fileSchema = z.object({
	tokenizer: z.object({
		corpusFile: z.string(),
		vocabSize: z.number().int().min(260),
		specialTokens: z.array(z.string()).min(1),
		bosToken: z.string(),
		eosToken: z.string(),
		padToken: z.string(),
		modelMaxLength: z.number().int().positive()
	}),
	defaults: defaultsSchema,
	models: z.array(modelSchema).min(1)
});

export type InitSpec = z.infer<typeof initSchema>;
export type Q4Spec = z.infer<typeof q4Schema>;

/** Fully resolved description of one test model. */
export interface ModelSpec {
	id: string;
	description: string;
	seed: number;
	hiddenSize: number;
	intermediateSize: number;
	numLayers: number;
	numHeads: number;
	numKvHeads: number;
	headDim: number;
	vocabSize: number;
	maxPositionEmbeddings: number;
	rmsNormEps: number;
	ropeTheta: number;
	maxNewTokens: number;
	init: InitSpec;
	q4: Q4Spec;
	/** Absent means true; only a model that opts out carries the field, so the others' config hashes stay put. */
	chatTemplate?: boolean;
}

export interface Catalogue {
	tokenizer: TokenizerSpec;
	corpus: string;
	models: ModelSpec[];
}

export function loadCatalogue(file = DEFAULT_SPEC_FILE): Catalogue {
	const raw = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
	const { corpusFile, ...tokenizer } = raw.tokenizer;
	const corpus = readFileSync(join(dirname(file), corpusFile), 'utf8');
	const models = raw.models.map((m): ModelSpec => {
		const headDim = m.headDim ?? m.hiddenSize / m.numHeads;
		if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
			throw new Error(`${m.id}: head_dim must be an even integer`);
		}
		if (m.numHeads % m.numKvHeads !== 0) {
			throw new Error(`${m.id}: num_heads must be a multiple of num_kv_heads`);
		}
		return {
			...raw.defaults,
			...m,
			init: { ...raw.defaults.init, ...m.init, bias: { ...raw.defaults.init.bias, ...m.init?.bias } },
			q4: { ...raw.defaults.q4, ...m.q4 },
			headDim,
			vocabSize: tokenizer.vocabSize
		};
	});
	const ids = new Set(models.map((m) => m.id));
	if (ids.size !== models.length) throw new Error('duplicate model ids in catalogue');
	return { tokenizer, corpus, models };
}
