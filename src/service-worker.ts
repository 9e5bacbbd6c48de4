// Offline app shell: precaches this build (pages, worker bundles, ONNX Runtime's /ort/ files) per
// version and serves it with COOP/COEP. Never touches model weights, /v1 API calls or other origins.
/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { base, build, files, version } from '$service-worker';
import { cacheName, offlineResponse, precacheList, routeRequest, scriptRefs, shellUrl, staleCaches, withIsolation } from '$lib/pwa/sw-routes';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = cacheName(version);
const PRECACHE = precacheList(base, build, files);
const precached = new Set(PRECACHE);
// `vite dev` gives an empty build list: caching the dev server's pages would only serve stale modules.
const enabled = build.length > 0;

// Hashed files may come from the HTTP cache; the rest (shell, /ort/) keep their names across builds.
const fresh = (url: string) => new Request(url, { cache: url.includes('/_app/immutable/') ? 'default' : 'reload' });

sw.addEventListener('install', (event) => {
	if (enabled) event.waitUntil(precache());
});

async function precache(): Promise<void> {
	const cache = await caches.open(CACHE);
	await cache.addAll(PRECACHE.map(fresh));
	// Follow relative script references from the build to the Web Worker bundles and their chunks.
	const seen = new Set(PRECACHE);
	let queue = PRECACHE.filter((p) => p.includes('/_app/immutable/') && p.endsWith('.js'));
	while (queue.length) {
		const next: string[] = [];
		for (const path of queue) {
			let response = await cache.match(path);
			if (!response) {
				response = await fetch(fresh(path));
				if (!response.ok) throw new Error(`precache: ${path} answered ${response.status}`);
				await cache.put(path, response.clone());
			}
			for (const ref of scriptRefs(await response.text(), new URL(path, sw.location.origin).href, base)) {
				if (!seen.has(ref)) next.push(ref);
				seen.add(ref);
			}
		}
		queue = next;
	}
}

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const name of staleCaches(await caches.keys(), version)) await caches.delete(name);
			// A first install takes the open page at once; later versions wait for the update prompt.
			await sw.clients.claim();
		})()
	);
});

sw.addEventListener('message', (event) => {
	if (event.data === 'SKIP_WAITING') void sw.skipWaiting();
});

sw.addEventListener('fetch', (event) => {
	if (!enabled) return;
	const route = routeRequest(event.request, { origin: sw.location.origin, base, precached });
	if (route === 'ignore') return;
	event.respondWith(respond(event.request, route));
});

async function respond(request: Request, route: 'cached' | 'shell' | 'network'): Promise<Response> {
	const cache = await caches.open(CACHE);
	// The shell comes from this version's cache so the page always matches its precached assets.
	if (route === 'shell') {
		const shell = await cache.match(shellUrl(base));
		if (shell) return withIsolation(shell);
	} else if (route === 'cached') {
		const hit = await cache.match(request, { ignoreSearch: true });
		if (hit) return withIsolation(hit);
	}
	try {
		const response = await fetch(request);
		if (route === 'cached' && response.ok && response.status === 200) await cache.put(request, response.clone());
		return withIsolation(response);
	} catch {
		const fallback = await cache.match(request, { ignoreSearch: true });
		return fallback ? withIsolation(fallback) : offlineResponse();
	}
}
