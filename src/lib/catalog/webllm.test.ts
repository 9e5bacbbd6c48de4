import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import { CatalogModelSchema, catalog } from './catalog';
import { fullCatalog, mergeCatalog, projectRecord, webllmModels, webllmRecords } from './webllm';

describe('web-llm catalog', () => {
	it('the JSON snapshot equals the installed package’s prebuiltAppConfig (UPDATE_WEBLLM_SNAPSHOT=1 rewrites it)', () => {
		const fresh = prebuiltAppConfig.model_list.map(projectRecord);
		if (process.env.UPDATE_WEBLLM_SNAPSHOT) writeFileSync(new URL('./webllm-prebuilt.json', import.meta.url), `${JSON.stringify(fresh, null, '\t')}\n`);
		else expect(webllmRecords).toEqual(fresh);
	});

	it('merges the prebuilt LLMs as valid catalog entries with runtime web-llm and unique ids', () => {
		expect(webllmModels.length).toBeGreaterThan(50);
		for (const m of webllmModels) {
			expect(CatalogModelSchema.safeParse(m).success, m.id).toBe(true);
			expect(m.runtime).toBe('web-llm');
		}
		const ids = fullCatalog.map((m) => m.id);
		expect(new Set(ids).size).toBe(ids.length);
		expect(fullCatalog.slice(0, catalog.length)).toEqual(catalog);
		expect(fullCatalog.some((m) => m.id === 'Llama-3.2-1B-Instruct-q4f16_1-MLC')).toBe(true);
	});

	it('keeps the base entry when an id collides', () => {
		const clash = { ...webllmModels[0], id: catalog[0].id };
		expect(mergeCatalog(catalog, [clash])).toEqual(catalog);
	});
});
