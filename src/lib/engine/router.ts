// Picks where a model runs: this browser when the one fit verdict (fit.ts) says it can, otherwise a
// coordinator that serves it, otherwise nowhere, and says why. How it runs here comes from placement.ts.
import type { CatalogModel } from '$lib/catalog/catalog';
import type { Message } from '$lib/i18n/format';
import type { Device, Dtype } from '$lib/protocol/worker-api';
import type { Capabilities } from './capabilities';
import { blockerOf, fitFor } from './fit';
import type { DeviceOverride } from './placement';

export type { DeviceOverride } from './placement';

/** `none`: neither this browser nor a coordinator can run it; `whereReason` says why. */
export type Where = 'local' | 'remote' | 'none';
/** `whereReason` and `reasons` are messages: `messageText(message, locale)` (or `$say` in a component) words them. */
export type Route = { where: Where; whereReason: Message; device: Device; dtype: Dtype; reasons: Message[] };
/**
 * The configured coordinator and the model ids its /v1/models lists (null: none configured or unreachable);
 * `vision`: those of them that can see images, as the server says or the person marked in Settings.
 */
export type CoordinatorInfo = { url: string; models: readonly string[]; vision?: readonly string[] } | null;

/** The route of a model the coordinator serves, picked to run there even when it would fit in this browser. */
export function serverRoute(model: CatalogModel, coordinator: NonNullable<CoordinatorInfo>): Route {
	return { where: 'remote', whereReason: { id: 'route.server', values: { url: coordinator.url } }, device: 'wasm', dtype: model.defaultDtype, reasons: [] };
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
	const blocker: Message | null = failed && model.runtime === 'web-llm' ? { id: 'route.webllmBlocked', values: { blocker: failed } } : failed;
	if (!blocker) return { where: 'local', whereReason: { id: 'route.local' }, device, dtype, reasons };
	if (coordinator?.models.includes(model.id))
		return { where: 'remote', whereReason: { id: 'route.serverInstead', values: { url: coordinator.url, blocker } }, device, dtype, reasons: [] };
	const why: Message = coordinator ? { id: 'route.notServed', values: { url: coordinator.url } } : { id: 'route.noCoordinator' };
	return { where: 'none', whereReason: { id: 'route.cannotRun', values: { blocker, why } }, device, dtype, reasons };
}
