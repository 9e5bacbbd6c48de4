// The app's model catalog for the command line: turning a catalog id into what the onnx backend loads
// (a local test model, or a hub repo and dtype). The schema and the data are the app's own (#catalog).
import { catalog, type CatalogModel } from '#catalog/catalog';
import { OnnxDtypes, type OnnxDtype } from '../workers/native/onnx-backend';

export function readCatalog(): CatalogModel[] {
	return catalog;
}

/** A catalog id becomes the hub repo (hf) or stays a local test-model id; anything else passes through. */
export function modelToLoad(model: string, models: readonly CatalogModel[] = catalog): { model: string; dtype?: OnnxDtype } {
	const entry = models.find((m) => m.id === model);
	if (!entry || entry.source.host === 'local') return { model };
	const dtype = (OnnxDtypes as readonly string[]).includes(entry.defaultDtype) ? (entry.defaultDtype as OnnxDtype) : undefined;
	return { model: entry.source.repo, dtype };
}
