// CORS for the API, so the browser app may live on another origin than the coordinator. Headers
// are read from Node's parsed request and kept as a plain object: streams write them with their
// own head (see stream-to-client.ts), everything else gets them set after the handler ran.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env';

/** Headers a browser client may read: when to retry, and which worker answered. */
const EXPOSE = 'Retry-After, X-Lumen-Worker';

export function cors(origins: readonly string[]): MiddlewareHandler<AppEnv> {
	const any = origins.includes('*');
	return async (c, next) => {
		const req = c.env.incoming.headers;
		const origin = req.origin;
		const allow = any ? '*' : origin && origins.includes(origin) ? origin : null;
		const headers: Record<string, string> = {};
		if (allow) {
			headers['access-control-allow-origin'] = allow;
			headers['access-control-expose-headers'] = EXPOSE;
		}
		if (!any) headers.vary = 'Origin';
		if (c.req.method === 'OPTIONS') {
			if (allow) {
				headers['access-control-allow-methods'] = 'GET, POST, OPTIONS';
				// Reflect what the client wants to send (Authorization, Content-Type, the OpenAI SDK's x-stainless-*).
				const wanted = req['access-control-request-headers'];
				if (wanted) headers['access-control-allow-headers'] = wanted;
				headers['access-control-max-age'] = '600';
			}
			return new Response(null, { status: 204, headers });
		}
		c.set('cors', headers);
		await next();
		if (c.env.outgoing.headersSent) return;
		for (const k in headers) c.res.headers.set(k, headers[k]);
	};
}
