// The service worker's pure rules: what it precaches, which requests it answers, the headers it adds.
import { describe, expect, it } from 'vitest';
import { precacheList, routeRequest, scriptRefs, staleCaches, withIsolation, cacheName } from './sw-routes';

const build = ['/_app/immutable/entry/app.js', '/_app/immutable/workers/assets/ort-wasm-simd-threaded.asyncify-X.wasm'];
const files = ['/favicon.svg', '/manifest.webmanifest', '/models/lumen-tiny-a/onnx/model.onnx', '/ort/ort-wasm-simd-threaded.wasm', '/ort/ort-wasm-simd-threaded.mjs'];
const scope = { origin: 'http://app.test', base: '', precached: new Set(precacheList('', build, files)) };
const get = (path: string, mode = 'cors', origin = 'http://app.test') => routeRequest({ method: 'GET', url: `${origin}${path}`, mode }, scope);

describe('precacheList', () => {
	it('keeps the shell, the build and ONNX Runtime files but no weights and no duplicate wasm', () => {
		expect(precacheList('', build, files)).toEqual([
			'/',
			'/_app/immutable/entry/app.js',
			'/favicon.svg',
			'/manifest.webmanifest',
			'/ort/ort-wasm-simd-threaded.wasm',
			'/ort/ort-wasm-simd-threaded.mjs'
		]);
	});

	it('applies the base path', () => {
		expect(precacheList('/chat', ['/chat/_app/immutable/a.js'], ['/chat/models/x/config.json', '/chat/ort/a.wasm'])).toEqual([
			'/chat/',
			'/chat/_app/immutable/a.js',
			'/chat/ort/a.wasm'
		]);
	});
});

describe('routeRequest', () => {
	it('never answers model files, the API, other origins or non-GET requests', () => {
		expect(get('/models/lumen-tiny-a/onnx/model.onnx')).toBe('ignore');
		expect(get('/v1/chat/completions')).toBe('ignore');
		expect(get('/v1/models', 'navigate')).toBe('ignore');
		expect(get('/api/arena/battles')).toBe('ignore');
		expect(get('/workers')).toBe('ignore');
		expect(get('/ort/ort-wasm-simd-threaded.wasm', 'cors', 'https://cdn.example')).toBe('ignore');
		expect(routeRequest({ method: 'POST', url: 'http://app.test/', mode: 'cors' }, scope)).toBe('ignore');
	});

	it('serves precached and hashed files from the cache, navigations from the shell', () => {
		expect(get('/ort/ort-wasm-simd-threaded.wasm')).toBe('cached');
		expect(get('/_app/immutable/workers/transformers-worker-abc.js')).toBe('cached');
		expect(get('/', 'navigate')).toBe('shell');
		expect(get('/settings', 'navigate')).toBe('shell');
		expect(get('/modelsxyz', 'navigate')).toBe('shell');
		expect(get('/something.json')).toBe('network');
	});

	it('leaves the duplicate ONNX Runtime wasm under workers/assets to the network', () => {
		expect(get('/_app/immutable/workers/assets/ort-wasm-simd-threaded.asyncify-X.wasm')).toBe('network');
	});
});

describe('scriptRefs', () => {
	it('finds worker bundles and their chunks by relative URL', () => {
		const main = 'const w=new Worker(new URL(""+new URL("../workers/transformers-worker-xW.js",import.meta.url).href,import.meta.url))';
		expect(scriptRefs(main, 'http://app.test/_app/immutable/chunks/C.js', '')).toEqual(['/_app/immutable/workers/transformers-worker-xW.js']);
		const worker = 'import("./chunks/Cny.js");const w="../assets/ort.wasm";const o="ort.webgpu.bundle.min.mjs"';
		expect(scriptRefs(worker, 'http://app.test/_app/immutable/workers/t.js', '')).toEqual(['/_app/immutable/workers/chunks/Cny.js']);
	});

	it('ignores references that leave the immutable build', () => {
		expect(scriptRefs('import("../../../ort/x.mjs")', 'http://app.test/_app/immutable/workers/t.js', '')).toEqual([]);
	});
});

describe('caches and headers', () => {
	it('deletes only our own caches of other versions', () => {
		expect(staleCaches([cacheName('1'), cacheName('2'), 'webllm/model'], '2')).toEqual([cacheName('1')]);
	});

	it('adds COOP, COEP and CORP while keeping status, headers and body', async () => {
		const res = withIsolation(new Response('hi', { status: 200, headers: { 'Content-Type': 'text/html' } }));
		expect(res.headers.get('Cross-Origin-Opener-Policy')).toBe('same-origin');
		expect(res.headers.get('Cross-Origin-Embedder-Policy')).toBe('require-corp');
		expect(res.headers.get('Cross-Origin-Resource-Policy')).toBe('same-origin');
		expect(res.headers.get('Content-Type')).toBe('text/html');
		expect(await res.text()).toBe('hi');
		expect(withIsolation(new Response(null, { status: 204 })).status).toBe(204);
	});
});
