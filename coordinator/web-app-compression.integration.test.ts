// The web app over real HTTP: compressed per Accept-Encoding (raw bytes read with undici, which does not
// decode), with Vary, lengths, validators and caching right, byte ranges of the file as stored, and /api/info.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from './server';
import { startTestCoordinator } from './testing/processes';

let dir: string;
let coordinator: RunningCoordinator;
// Text that compresses like real bundles do (repetitive identifiers), 200 KB.
const script = Array.from({ length: 4000 }, (_, i) => `export const value${i % 97} = compute(${i}, "lumen");\n`).join('');
const png = Buffer.from('89504e470d0a1a0a' + 'ab'.repeat(3000), 'hex');

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'lumen-web-gz-'));
	mkdirSync(join(dir, '_app/immutable/chunks'), { recursive: true });
	mkdirSync(join(dir, 'models/tiny'), { recursive: true });
	writeFileSync(join(dir, 'index.html'), `<!doctype html><title>Lumen</title>${'<p>shell</p>'.repeat(200)}`);
	writeFileSync(join(dir, '_app/immutable/chunks/app.js'), script);
	writeFileSync(join(dir, 'service-worker.js'), script);
	writeFileSync(join(dir, 'icon.png'), png);
	writeFileSync(join(dir, 'models/tiny/tokenizer.json'), JSON.stringify({ vocab: script.slice(0, 20_000) }));
	coordinator = await startTestCoordinator({ web_app_dir: dir });
});
afterAll(async () => {
	await coordinator?.close({ graceMs: 0 });
	rmSync(dir, { recursive: true, force: true });
});

async function get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
	const res = await request(`${coordinator.url}${path}`, { method, headers });
	const body = Buffer.from(await res.body.arrayBuffer());
	const h = (name: string) => {
		const v = res.headers[name];
		return Array.isArray(v) ? v.join(', ') : (v ?? null);
	};
	return { status: res.statusCode, body, h };
}

describe('compressed web app', () => {
	it('sends brotli to a client that accepts it, with its own length, ETag, Vary and long caching for immutable files', async () => {
		const res = await get('/_app/immutable/chunks/app.js', { 'accept-encoding': 'gzip, deflate, br' });
		expect(res.status).toBe(200);
		expect(res.h('content-encoding')).toBe('br');
		expect(res.h('vary')).toBe('Accept-Encoding');
		expect(Number(res.h('content-length'))).toBe(res.body.length);
		expect(res.body.length).toBeLessThan(script.length / 10);
		expect(brotliDecompressSync(res.body).toString()).toBe(script);
		expect(res.h('cache-control')).toBe('public, max-age=31536000, immutable');
		expect(res.h('etag')).toMatch(/-br"$/);
		expect(res.h('cross-origin-embedder-policy')).toBe('require-corp');
	});

	it('sends gzip when brotli is not accepted (or refused with q=0)', async () => {
		for (const accept of ['gzip', 'br;q=0, gzip;q=0.8']) {
			const res = await get('/_app/immutable/chunks/app.js', { 'accept-encoding': accept });
			expect(res.h('content-encoding')).toBe('gzip');
			expect(gunzipSync(res.body).toString()).toBe(script);
			expect(res.h('etag')).toMatch(/-gzip"$/);
		}
	});

	it('sends the file as stored to a client that accepts no encoding, still saying Vary', async () => {
		const res = await get('/_app/immutable/chunks/app.js');
		expect(res.h('content-encoding')).toBeNull();
		expect(res.body.toString()).toBe(script);
		expect(Number(res.h('content-length'))).toBe(Buffer.byteLength(script));
		expect(res.h('vary')).toBe('Accept-Encoding');
		expect(res.h('etag')).not.toMatch(/-(br|gzip)"$/);
	});

	it('keeps the shell and the service worker uncached, compressed all the same', async () => {
		for (const path of ['/', '/index.html', '/service-worker.js']) {
			const res = await get(path, { 'accept-encoding': 'br' });
			expect(res.status, path).toBe(200);
			expect(res.h('cache-control'), path).toBe('no-cache');
			expect(res.h('content-encoding'), path).toBe('br');
		}
	});

	it('keeps a client-side route (the SPA fallback) uncached, so a new release reaches the next visit', async () => {
		const res = await get('/leaderboard/some-client-route', { 'accept-encoding': 'br' });
		expect(res.status).toBe(200);
		expect(res.h('content-type')).toContain('text/html');
		expect(res.h('cache-control')).toBe('no-cache');
	});

	it('answers a matching If-None-Match with 304 and no body, per encoding', async () => {
		const first = await get('/_app/immutable/chunks/app.js', { 'accept-encoding': 'br' });
		const again = await get('/_app/immutable/chunks/app.js', { 'accept-encoding': 'br', 'if-none-match': first.h('etag')! });
		expect(again.status).toBe(304);
		expect(again.body.length).toBe(0);
		// The brotli validator does not match the gzip variant.
		expect((await get('/_app/immutable/chunks/app.js', { 'accept-encoding': 'gzip', 'if-none-match': first.h('etag')! })).status).toBe(200);
	});

	it('answers a Range request from the file as stored, never a range of a compressed body', async () => {
		const res = await get('/_app/immutable/chunks/app.js', { 'accept-encoding': 'br', range: 'bytes=10-29' });
		expect(res.status).toBe(206);
		expect(res.h('content-encoding')).toBeNull();
		expect(res.h('content-range')).toBe(`bytes 10-29/${Buffer.byteLength(script)}`);
		expect(res.body.toString()).toBe(script.slice(10, 30));
		const past = await get('/_app/immutable/chunks/app.js', { range: 'bytes=99999999-' });
		expect(past.status).toBe(416);
	});

	it('gives HEAD the headers of the GET it stands for', async () => {
		const res = await get('/_app/immutable/chunks/app.js', { 'accept-encoding': 'br' }, 'HEAD');
		const full = await get('/_app/immutable/chunks/app.js', { 'accept-encoding': 'br' });
		expect(res.body.length).toBe(0);
		expect(res.h('content-encoding')).toBe('br');
		expect(res.h('content-length')).toBe(full.h('content-length'));
	});

	it('leaves images and model files as they are', async () => {
		const image = await get('/icon.png', { 'accept-encoding': 'br, gzip' });
		expect(image.h('content-encoding')).toBeNull();
		expect(image.h('vary')).toBeNull();
		expect(image.body.equals(png)).toBe(true);
		const tokenizer = await get('/models/tiny/tokenizer.json', { 'accept-encoding': 'br, gzip' });
		expect(tokenizer.h('content-encoding')).toBeNull();
	});

	it('tells the page at /api/info that it is served by a Lumen coordinator', async () => {
		const res = await get('/api/info');
		expect(res.status).toBe(200);
		expect(JSON.parse(res.body.toString())).toEqual({ server: 'lumen-coordinator', api: '/v1' });
		expect(res.h('cache-control')).toBe('no-store');
	});
});
