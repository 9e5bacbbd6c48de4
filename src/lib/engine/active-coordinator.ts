// Which coordinator this browser talks to: the one set in Settings; else, unless Settings turn it off, the
// server this page was loaded from when it says at GET /api/info that it is a Lumen coordinator (`lumen serve`
// serves the app and its OpenAI API on one origin); else none, and everything runs in this browser.
// The probe is one quiet request per page load; any failure (a static host, offline) means "not a coordinator".
import { OpenAIClient } from '$lib/protocol/openai-client';
import { ServerInfoSchema } from '$lib/protocol/server-info';
import type { Settings } from '$lib/storage/settings';

/** `page`: found at the page's own origin, without setup. */
export type ActiveCoordinator = { url: string; apiKey?: string; source: 'settings' | 'page' };

const PROBE_TIMEOUT_MS = 3_000;
const probes = new Map<string, Promise<string | null>>();

/** The OpenAI base (`origin + /v1`) of the Lumen coordinator at `origin`, or null; asked once per origin and page load. */
export function probePageServer(origin: string, fetcher?: typeof fetch): Promise<string | null> {
	let probe = probes.get(origin);
	if (!probe) {
		const client = new OpenAIClient({ url: origin, fetch: fetcher });
		probe = client
			.getJSON('/api/info', ServerInfoSchema, { timeoutMs: PROBE_TIMEOUT_MS })
			.then((info) => client.root + info.api)
			.catch(() => null);
		// Only a definite answer is kept: a later call may find the server back after an offline start.
		void probe.then((found) => found === null && probes.delete(origin));
		probes.set(origin, probe);
	}
	return probe;
}

export async function activeCoordinator(
	settings: Pick<Settings, 'coordinatorUrl' | 'apiKey' | 'usePageServer'>,
	origin: string | undefined = typeof location === 'undefined' ? undefined : location.origin,
	fetcher?: typeof fetch
): Promise<ActiveCoordinator | null> {
	if (settings.coordinatorUrl) return { url: settings.coordinatorUrl, apiKey: settings.apiKey, source: 'settings' };
	if (!settings.usePageServer || !origin || !/^https?:/.test(origin)) return null;
	const url = await probePageServer(origin, fetcher);
	return url ? { url, apiKey: settings.apiKey, source: 'page' } : null;
}
