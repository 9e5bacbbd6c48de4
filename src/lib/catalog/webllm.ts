// web-llm's prebuilt model list merged into the catalog (runtime `web-llm`). The list is a JSON
// snapshot of the package's `prebuiltAppConfig` (a test keeps it equal), so pages never load web-llm.
import { z } from 'zod';
import type { ModelRecord } from '@mlc-ai/web-llm';
import { webllmCatalogEntry, type WebllmModel } from '$lib/engine/webllm-adapter';
import { catalog, type CatalogModel } from './catalog';
import raw from './webllm-prebuilt.json' with { type: 'json' };

/** The fields of a ModelRecord the catalog uses; everything else (model_lib URL, integrity) stays in the worker's copy. */
export const WebllmRecordSchema = z.object({
	model: z.string(),
	model_id: z.string(),
	vram_required_MB: z.number().positive().optional(),
	low_resource_required: z.boolean().optional(),
	buffer_size_required_bytes: z.number().int().positive().optional(),
	required_features: z.array(z.string()).optional(),
	model_type: z.number().int().optional(),
	context_window_size: z.number().int().optional()
});
export type WebllmRecord = z.infer<typeof WebllmRecordSchema>;

export function projectRecord(r: ModelRecord): WebllmRecord {
	const context = r.overrides?.context_window_size;
	return WebllmRecordSchema.parse({
		model: r.model,
		model_id: r.model_id,
		vram_required_MB: r.vram_required_MB,
		low_resource_required: r.low_resource_required,
		buffer_size_required_bytes: r.buffer_size_required_bytes,
		required_features: r.required_features,
		model_type: r.model_type,
		context_window_size: context
	});
}

function toRecord(r: WebllmRecord): ModelRecord {
	const { context_window_size, ...rest } = r;
	return { ...rest, model_lib: '', ...(context_window_size ? { overrides: { context_window_size } } : {}) } as ModelRecord;
}

export const webllmRecords: WebllmRecord[] = z.array(WebllmRecordSchema).parse(raw);
export const webllmModels: WebllmModel[] = webllmRecords.map((r) => webllmCatalogEntry(toRecord(r))).filter((m): m is WebllmModel => m !== null);

/** The base catalog wins on an id collision: our own entries carry checked sizes. */
export function mergeCatalog(base: readonly CatalogModel[], extra: readonly CatalogModel[]): CatalogModel[] {
	const ids = new Set(base.map((m) => m.id));
	return [...base, ...extra.filter((m) => !ids.has(m.id))];
}

export const fullCatalog: CatalogModel[] = mergeCatalog(catalog, webllmModels);

export function isWebllmModel(m: CatalogModel): m is WebllmModel {
	return m.runtime === 'web-llm' && 'vramBytes' in m;
}
