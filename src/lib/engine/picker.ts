// The chat's model picker: which models it lists, where each would run, and which may be picked. A model
// may be picked exactly when the router can run it somewhere, so the picker and /models never disagree.
import { catalog, findModel, type CatalogModel } from '$lib/catalog/catalog';
import { webllmModels } from '$lib/catalog/webllm';
import type { Capabilities } from './capabilities';
import type { DeviceOverride } from './placement';
import { routeModel, type CoordinatorInfo, type Route } from './router';

export type PickerEntry = { model: CatalogModel; route: Route; selectable: boolean };
export type PickerContext = {
	override?: DeviceOverride;
	coordinator?: CoordinatorInfo;
	/** Bytes this browser already stores per model id. */
	cached?: Readonly<Record<string, number>>;
};

export const LOCAL_MODELS: readonly CatalogModel[] = catalog.filter((m) => m.runtime === 'transformers');

/** A model only the coordinator knows: no local files, so it can only run there. */
export function remoteOnlyModel(id: string): CatalogModel {
	return {
		id,
		name: id,
		family: 'remote',
		runtime: 'remote',
		source: { host: 'hf', repo: id, revision: 'main' },
		sizes: {},
		defaultDtype: 'fp32',
		contextLength: 2048,
		requiredFeatures: [],
		license: 'unknown',
		testModel: false,
		description: 'Served by the coordinator.'
	};
}

export function routeFor(model: CatalogModel, caps: Capabilities, { override = 'auto', coordinator = null, cached = {} }: PickerContext = {}): Route {
	return routeModel(model, caps, override, coordinator, cached[model.id] ?? 0);
}

/**
 * Our own models are always listed (one that cannot run here is shown, but cannot be picked, so the
 * person sees it exists); web-llm's long prebuilt list only where a model can run; then the coordinator's other models.
 */
export function pickerEntries(caps: Capabilities, context: PickerContext = {}): PickerEntry[] {
	const remoteIds = (context.coordinator?.models ?? []).filter((id) => !findModel(id, LOCAL_MODELS) && !findModel(id, webllmModels));
	const entry = (model: CatalogModel): PickerEntry => {
		const route = routeFor(model, caps, context);
		return { model, route, selectable: route.where !== 'none' };
	};
	return [...LOCAL_MODELS.map(entry), ...webllmModels.map(entry).filter((e) => e.selectable), ...remoteIds.map(remoteOnlyModel).map(entry)];
}
