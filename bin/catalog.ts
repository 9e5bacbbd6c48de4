// Reads the app's model catalog (src/lib/catalog/models.json) for the command line: listing models and
// turning a catalog id into what the onnx backend loads (a local test model, or a hub repo and dtype).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { OnnxDtypes, type OnnxDtype } from '../workers/native/onnx-backend';

const CATALOG_PATH = fileURLToPath(new URL('../src/lib/catalog/models.json', import.meta.url));

// Only the fields the CLI uses; the app's own schema (src/lib/catalog/catalog.ts) checks the rest.
const EntrySchema = z.object({
	id: z.string(),
	name: z.string(),
	runtime: z.string(),
	source: z.object({ host: z.enum(['local', 'hf']), repo: z.string() }),
	sizes: z.record(z.string(), z.number()),
	defaultDtype: z.string(),
	contextLength: z.number().int(),
	testModel: z.boolean().default(false)
});
export type CatalogEntry = z.infer<typeof EntrySchema>;

export function readCatalog(path = CATALOG_PATH): CatalogEntry[] {
	return z.array(EntrySchema).parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** A catalog id becomes the hub repo (hf) or stays a local test-model id; anything else passes through. */
export function modelToLoad(model: string, catalog = readCatalog()): { model: string; dtype?: OnnxDtype } {
	const entry = catalog.find((m) => m.id === model);
	if (!entry || entry.source.host === 'local') return { model };
	const dtype = (OnnxDtypes as readonly string[]).includes(entry.defaultDtype) ? (entry.defaultDtype as OnnxDtype) : undefined;
	return { model: entry.source.repo, dtype };
}
