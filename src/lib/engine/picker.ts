// The chat's model picker: which models it lists, where each would run, and which may be picked. A model
// may be picked exactly when the router can run it somewhere, so the picker and /models never disagree.
import { catalog, findModel, type CatalogModel } from '$lib/catalog/catalog';
import { webllmModels } from '$lib/catalog/webllm';
import { errorText, type ErrorText } from '$lib/protocol/errors';
import type { Capabilities } from './capabilities';
import type { DeviceOverride } from './placement';
import { routeModel, serverRoute, type CoordinatorInfo, type Route } from './router';

/** Whether images may be attached for a model, and if not, why in words the person can act on. */
/** `reason` in English; `text` the same for the interface's other languages. */
export type ImageSupport = { ok: true } | { ok: false; reason: string; text: ErrorText };
/**
 * `key`: the picker's value for the entry: the model id, or `server:<id>` for the server's copy of a model
 * that is also listed to run in this browser (the person picks where it runs).
 */
export type PickerEntry = { key: string; model: CatalogModel; route: Route; selectable: boolean; images: ImageSupport };
export type PickerContext = {
	override?: DeviceOverride;
	coordinator?: CoordinatorInfo;
	/** Bytes this browser already stores per model id. */
	cached?: Readonly<Record<string, number>>;
};

export const LOCAL_MODELS: readonly CatalogModel[] = catalog.filter((m) => m.runtime === 'transformers');

/** A model only the coordinator knows: no local files, so it can only run there. */
export function remoteOnlyModel(id: string, vision = false): CatalogModel {
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
		vision,
		description: { id: 'catalog.remote.description' }
	};
}

/**
 * Images go only to a vision-capable model (catalog flag, the server's metadata, or the person's mark in
 * Settings) that runs on a coordinator: this browser's runtimes read text only, and refuse image parts.
 */
export function imageSupport(model: CatalogModel, route: Route | null, coordinator: CoordinatorInfo = null): ImageSupport {
	const vision = model.vision || (coordinator?.vision?.includes(model.id) ?? false);
	if (route?.where === 'remote' && vision) return { ok: true };
	if (route?.where === 'remote')
		return {
			ok: false,
			reason: `${model.name} reads text only: the coordinator does not say it can see images. If it can, mark it in Settings.`,
			text: errorText('error.text.imagesServerTextOnly', { model: model.name })
		};
	if (vision)
		return {
			ok: false,
			reason: `${model.name} sees images only when it runs on a coordinator; in this browser it reads text only.`,
			text: errorText('error.text.imagesBrowserTextOnly', { model: model.name })
		};
	return { ok: false, reason: `${model.name} reads text only; for images, pick a model marked "sees images".`, text: errorText('error.text.imagesTextOnly', { model: model.name }) };
}

export function routeFor(model: CatalogModel, caps: Capabilities, { override = 'auto', coordinator = null, cached = {} }: PickerContext = {}): Route {
	return routeModel(model, caps, override, coordinator, cached[model.id] ?? 0);
}

/** The picker value of the server's copy of a model also listed to run in this browser. */
export const serverKey = (id: string) => `server:${id}`;

/**
 * Our own models are listed when they run here or nowhere (one that cannot run is shown, but cannot be
 * picked, so the person sees it exists); web-llm's long prebuilt list only where a model can run; then
 * every model the coordinator serves, marked as the server's, catalog models among them.
 */
export function pickerEntries(caps: Capabilities, context: PickerContext = {}): PickerEntry[] {
	const coordinator = context.coordinator ?? null;
	const known = [...LOCAL_MODELS, ...webllmModels];
	const entry = (model: CatalogModel, key = model.id): PickerEntry => {
		const route = routeFor(model, caps, context);
		return { key, model, route, selectable: route.where !== 'none', images: imageSupport(model, route, coordinator) };
	};
	// A catalog model that would run on the coordinator anyway is listed once, as the server's.
	const here = [...LOCAL_MODELS.map((m) => entry(m)), ...webllmModels.map((m) => entry(m)).filter((e) => e.selectable)].filter(
		(e) => e.route.where !== 'remote'
	);
	const listedHere = new Set(here.map((e) => e.model.id));
	const served = (coordinator?.models ?? []).map((id): PickerEntry => {
		const model = findModel(id, known) ?? remoteOnlyModel(id, coordinator?.vision?.includes(id));
		// Where it cannot run here, the router's reason says why; picked over a copy here, it is the server's by choice.
		const natural = routeFor(model, caps, context);
		const route = natural.where === 'remote' ? natural : serverRoute(model, coordinator!);
		return { key: listedHere.has(model.id) ? serverKey(model.id) : model.id, model, route, selectable: true, images: imageSupport(model, route, coordinator) };
	});
	return [...here, ...served];
}
