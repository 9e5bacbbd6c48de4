// Serves the built web app (a static SPA) with the headers it needs: COOP/COEP for cross-origin
// isolation (ONNX Runtime threads), no caching of the service worker, long caching of hashed assets,
// brotli/gzip for text and .wasm (static-files.ts), and /api/info, which tells the page it is served
// by a Lumen coordinator (so its chat offers the server's models without setup).
import { Hono } from 'hono';
import { existsSync, readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import { SERVER_INFO } from '#protocol/server-info';
import { ApiError } from './errors';
import { staticFiles } from './static-files';

export const ISOLATION_HEADERS = {
	'Cross-Origin-Opener-Policy': 'same-origin',
	'Cross-Origin-Embedder-Policy': 'require-corp',
	'Cross-Origin-Resource-Policy': 'same-origin'
} as const;

// Errors are OpenAI-shaped everywhere on this server, the app's missing files included.
const missingFile = new ApiError(404, 'invalid_request_error', 'not_found', 'No such file in the web app. The API lives under /v1.');

function staticError(status: number): ApiError {
	if (status === 416)
		return new ApiError(416, 'invalid_request_error', 'range_not_satisfiable', 'The requested byte range lies outside the file. Ask for a range within it, or the whole file.');
	const reason = STATUS_CODES[status] ?? 'Error';
	return status >= 500
		? new ApiError(status, 'server_error', 'internal', `The web app could not be served (${reason}).`)
		: new ApiError(status, 'invalid_request_error', 'web_app_error', `The web app refused the request (${reason}).`);
}

export function webApp(dir: string, options: { logRequests?: boolean } = {}): Hono {
	if (!existsSync(join(dir, 'index.html'))) {
		throw new Error(`No built web app in ${dir}. Run "npm run build" first.`);
	}
	// Model weights are the engines' business (they check sizes against Content-Length); random weights do not compress anyway.
	const files = staticFiles(dir, { compressible: (path) => !path.startsWith('/models/') });
	const indexHtml = readFileSync(join(dir, 'index.html'), 'utf8');
	const app = new Hono();
	app.use('*', async (c, next) => {
		await next();
		if (options.logRequests) console.log(`${c.req.method} ${c.req.path} ${c.res.status}`);
		if (c.res.status >= 400 && !c.res.headers.get('content-type')?.includes('application/json')) {
			// The static file server's own refusals (a Range past the end: 416) have empty bodies.
			c.res.headers.delete('content-length');
			c.res = new Response(JSON.stringify(staticError(c.res.status).body()), { status: c.res.status, headers: { 'Content-Type': 'application/json' } });
		}
		for (const [k, v] of Object.entries(ISOLATION_HEADERS)) c.res.headers.set(k, v);
		const path = c.req.path;
		if (path.startsWith('/_app/immutable/')) c.res.headers.set('Cache-Control', 'public, max-age=31536000, immutable');
		// The shell (index.html, and the same HTML answering any client-side route) and the service worker are
		// revalidated on every visit, so a new release reaches the next one.
		else if (path === '/service-worker.js' || path === '/' || path.endsWith('.html') || c.res.headers.get('content-type')?.startsWith('text/html'))
			c.res.headers.set('Cache-Control', 'no-cache');
	});
	app.get('/api/info', (c) => c.json(SERVER_INFO, 200, { 'Cache-Control': 'no-store' }));
	app.use('*', async (c, next) => (await files.serve(c.req.raw)) ?? next());
	// SPA fallback: any other GET that is not a file is a client-side route.
	app.get('*', (c) => {
		const path = c.req.path;
		if (/\.[a-z0-9]+$/i.test(path)) return c.json(missingFile.body(), 404);
		return c.html(indexHtml);
	});
	return app;
}
