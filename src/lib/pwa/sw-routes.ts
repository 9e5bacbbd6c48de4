// Pure rules for the service worker: what to precache, which requests it may answer, and the
// cross-origin isolation headers it adds. Model weights and API calls must never pass through it.

export const CACHE_PREFIX = 'lumen-shell-';

export const ISOLATION_HEADERS = {
	'Cross-Origin-Opener-Policy': 'same-origin',
	'Cross-Origin-Embedder-Policy': 'require-corp',
	'Cross-Origin-Resource-Policy': 'same-origin'
} as const;

export const cacheName = (version: string) => `${CACHE_PREFIX}${version}`;

/** Caches this app made for other builds: safe to delete. Other caches (web-llm's, say) are not ours. */
export const staleCaches = (names: readonly string[], version: string) =>
	names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== cacheName(version));

/** The app shell's own URL: every navigation is answered with it (SPA fallback). */
export const shellUrl = (base: string) => `${base}/`;

const isDuplicateWasm = (base: string, path: string) => path.startsWith(`${base}/_app/immutable/workers/assets/`) && path.endsWith('.wasm');

/**
 * Precache list: the shell, the build (minus the copy of ONNX Runtime's wasm that Vite emits beside the
 * worker bundle: unused, since wasmPaths point to /ort/) and the static files minus model weights,
 * which the engines keep in IndexedDB themselves. Worker bundles are not in `build`: see scriptRefs.
 */
export function precacheList(base: string, build: readonly string[], files: readonly string[]): string[] {
	const kept = [...build.filter((p) => !isDuplicateWasm(base, p)), ...files.filter((p) => !isBypassed(base, p))];
	return [...new Set([shellUrl(base), ...kept])];
}

/**
 * Scripts a built module refers to by relative URL (`new URL("../workers/x.js", import.meta.url)`,
 * `import("./chunks/y.js")`), as paths under `_app/immutable/`. SvelteKit's `build` list omits Web
 * Worker bundles, so the service worker follows these references from the build to find them.
 */
export function scriptRefs(source: string, fileUrl: string, base: string): string[] {
	const refs = new Set<string>();
	for (const m of source.matchAll(/["'`](\.{1,2}\/[^"'`\s]+?\.m?js)["'`]/g)) {
		const path = new URL(m[1], fileUrl).pathname;
		if (path.startsWith(`${base}/_app/immutable/`)) refs.add(path);
	}
	return [...refs];
}

/** Paths the service worker never answers: weights, the OpenAI API and the coordinator's own routes. */
export function isBypassed(base: string, path: string): boolean {
	const rel = path.startsWith(base) ? path.slice(base.length) : path;
	return /^\/(models|v1|api)(\/|$)/.test(rel) || /^\/workers\/?$|^\/workers\//.test(rel);
}

export type Route = 'ignore' | 'cached' | 'shell' | 'network';

/**
 * How the service worker handles a request. `ignore`: it does not call respondWith at all. `cached`:
 * cache first (precached files, and hashed build files, which never change under their name).
 * `shell`: a navigation, answered with the cached app shell.
 */
export function routeRequest(
	request: { method: string; url: string; mode: string },
	scope: { origin: string; base: string; precached: ReadonlySet<string> }
): Route {
	if (request.method !== 'GET') return 'ignore';
	const url = new URL(request.url);
	const path = url.pathname;
	if (url.origin !== scope.origin || isBypassed(scope.base, path)) return 'ignore';
	const immutable = path.startsWith(`${scope.base}/_app/immutable/`) && !isDuplicateWasm(scope.base, path);
	if (path !== shellUrl(scope.base) && (immutable || scope.precached.has(path))) return 'cached';
	if (request.mode === 'navigate') return 'shell';
	return 'network';
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** The same response with COOP/COEP/CORP set, so a plain static host still gets cross-origin isolation. */
export function withIsolation(response: Response): Response {
	if (response.type === 'opaque' || response.type === 'error' || response.status === 0) return response;
	const headers = new Headers(response.headers);
	for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
	return new Response(NULL_BODY_STATUSES.has(response.status) ? null : response.body, {
		status: response.status,
		statusText: response.statusText,
		headers
	});
}

/** What the service worker answers when it has nothing cached and the network is gone. */
export function offlineResponse(): Response {
	return withIsolation(new Response('Offline, and this file is not saved on this device.', { status: 503, statusText: 'Offline', headers: { 'Content-Type': 'text/plain; charset=utf-8' } }));
}
