// Picks where a model runs: this browser when the one fit verdict (fit.ts) says it can, otherwise a
// coordinator that serves it, otherwise nowhere, and says why. How it runs here comes from placement.ts.
import type { CatalogModel } from '$lib/catalog/catalog';
import type { Device, Dtype } from '$lib/protocol/worker-api';
import type { Capabilities } from './capabilities';
import { blockerOf, fitFor } from './fit';
import type { DeviceOverride } from './placement';

export type { DeviceOverride } from './placement';

/** `none`: neither this browser nor a coordinator can run it; `whereReason` says why. */
export type Where = 'local' | 'remote' | 'none';
export type Route = { where: Where; whereReason: string; device: Device; dtype: Dtype; reasons: string[] };
/**
 * The configured coordinator and the model ids its /v1/models lists (null: none configured or unreachable);
 * `vision`: those of them that can see images, as the server says or the person marked in Settings.
 */
export type CoordinatorInfo = { url: string; models: readonly string[]; vision?: readonly string[] } | null;

/** The route of a model the coordinator serves, picked to run there even when it would fit in this browser. */
export function serverRoute(model: CatalogModel, coordinator: NonNullable<CoordinatorInfo>): Route {
	return { where: 'remote', whereReason: `Runs on the coordinator at ${coordinator.url}.`, device: 'wasm', dtype: model.defaultDtype, reasons: [] };
}

/** `cachedBytes`: how much of the model this browser already stores (that much needs no new quota). */
export function routeModel(
	model: CatalogModel,
	caps: Capabilities,
	override: DeviceOverride = 'auto',
	coordinator: CoordinatorInfo = null,
	cachedBytes = 0
): Route {
	const fit = fitFor(model, caps, cachedBytes, override);
	const { device, dtype, reasons } = fit.placement;
	const failed = blockerOf(fit);
	const blocker = failed && model.runtime === 'web-llm' ? `web-llm cannot run it here (${failed})` : failed;
	if (!blocker) return { where: 'local', whereReason: 'Runs in this browser.', device, dtype, reasons };
	if (coordinator?.models.includes(model.id))
		return { where: 'remote', whereReason: `Runs on the coordinator at ${coordinator.url}: ${blocker}.`, device, dtype, reasons: [] };
	const why = coordinator ? `the coordinator at ${coordinator.url} does not serve it` : 'no coordinator is configured (see Settings)';
	return { where: 'none', whereReason: `Cannot run here: ${blocker}, and ${why}.`, device, dtype, reasons };
}
