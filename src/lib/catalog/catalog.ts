// The model catalog: data in models.json (descriptions in the message files), validated here. One entry per model a person can pick.
// Invariant: `files` lists byte sizes per dtype as published, so "fits this device" needs no network.
import { z } from 'zod';
import type { Message } from '../i18n/format';
import { DtypeSchema } from '../protocol/worker-api';
import { catalogDescription } from './descriptions';
import raw from './models.json' with { type: 'json' };

export const RuntimeSchema = z.enum(['transformers', 'web-llm', 'remote']);
export type Runtime = z.infer<typeof RuntimeSchema>;

export const CatalogModelSchema = z.object({
	id: z.string(),
	name: z.string(),
	family: z.string(),
	runtime: RuntimeSchema,
	/** `local`: served by this app under /models/; `hf`: the Hugging Face hub. */
	source: z.object({ host: z.enum(['local', 'hf']), repo: z.string(), revision: z.string().default('main') }),
	/** Bytes to download per dtype (all files: weights, tokenizer, config). */
	sizes: z.partialRecord(DtypeSchema, z.number().int().positive()),
	defaultDtype: DtypeSchema,
	contextLength: z.number().int().positive(),
	/** WebGPU features the model needs (e.g. `shader-f16` for f16 weights). */
	requiredFeatures: z.array(z.string()).default([]),
	license: z.string(),
	/** Random-weight models the project builds for tests: their output is babble by design. */
	testModel: z.boolean().default(false),
	/** Reads images as well as text. In this app only a coordinator runs such a model (no local vision runtime yet). */
	vision: z.boolean().default(false)
});
/**
 * `description`: a message (`messageText` words it): the catalog's come from the message files
 * (descriptions.ts), web-llm's and the coordinator's from a message with values.
 */
export type CatalogModel = z.infer<typeof CatalogModelSchema> & { description: Message };

export const CatalogSchema = z.array(CatalogModelSchema);

export const catalog: CatalogModel[] = CatalogSchema.parse(raw).map((m) => ({ ...m, description: catalogDescription(m.id) }));

export function findModel(id: string, models: readonly CatalogModel[] = catalog): CatalogModel | undefined {
	return models.find((m) => m.id === id);
}

/** Where a model's files live, in Transformers.js terms (remoteHost + remotePathTemplate). */
export function modelLocation(model: CatalogModel, appBase: string): { host: string; pathTemplate: string } {
	if (model.source.host === 'local') return { host: `${appBase}/models/`, pathTemplate: '{model}/' };
	return { host: 'https://huggingface.co/', pathTemplate: '{model}/resolve/{revision}/' };
}

export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const units = ['KiB', 'MiB', 'GiB', 'TiB'];
	let v = bytes;
	let i = -1;
	do {
		v /= 1024;
		i++;
	} while (v >= 1024 && i < units.length - 1);
	return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
