// Request guards shared by the routes: Bearer auth (API keys for clients, a secret for workers),
// who the client is (for rate limits and hashed logs) and a per-client token-bucket rate limit.
import type { Context, MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'node:crypto';
import { clientAddressResolver, type TrustProxy } from './client-address';
import type { AppEnv } from './env';
import { ApiError, rateLimited, unauthorized } from './errors';

/** From Node's parsed headers: Hono's c.req.header() would build a web Headers object per request. */
export function bearerToken(c: Context<AppEnv>): string | undefined {
	const header = c.env.incoming.headers.authorization;
	const m = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
	return m ? m[1].trim() : undefined;
}

function safeEqual(a: string, b: string): boolean {
	const x = Buffer.from(a);
	const y = Buffer.from(b);
	return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The client's identity: its API key when keys are enforced (a fake key must not dodge limits), else its
 * address; the address (behind the proxies `trust` names, the one they report) is kept for the arena's caps.
 */
export function identify(apiKeys: readonly string[], trust: TrustProxy = 0): MiddlewareHandler<AppEnv> {
	const addressOf = clientAddressResolver(trust);
	return async (c, next) => {
		const key = apiKeys.length > 0 ? bearerToken(c) : undefined;
		const ip = addressOf(c.env.incoming);
		c.set('clientAddress', ip);
		c.set('clientId', key && apiKeys.some((k) => safeEqual(k, key)) ? `key:${key}` : `ip:${ip}`);
		await next();
	};
}

/** Requires one of `keys` as a Bearer token; no keys configured means the route is open. */
export function requireApiKey(keys: readonly string[]): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		if (keys.length > 0) {
			const token = bearerToken(c);
			if (!token) throw unauthorized('Missing API key. Send it as "Authorization: Bearer <key>".');
			if (!keys.some((k) => safeEqual(k, token))) throw unauthorized('Incorrect API key provided.');
		}
		await next();
	};
}

export function requireWorkerSecret(secret: string | undefined): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		if (secret !== undefined) {
			const token = bearerToken(c);
			if (!token || !safeEqual(token, secret))
				throw new ApiError(401, 'authentication_error', 'invalid_worker_secret', 'Workers must send the coordinator\'s worker secret as "Authorization: Bearer <secret>".');
		}
		await next();
	};
}

/**
 * Token bucket per client: `perMinute` requests of burst, refilled continuously. The map is pruned
 * of full buckets now and then so idle clients cost nothing.
 */
export function createRateLimiter(perMinute: number, clock: () => number = Date.now) {
	const buckets = new Map<string, { tokens: number; at: number }>();
	const perMs = perMinute / 60_000;
	let lastPrune = clock();

	function take(id: string): { ok: true } | { ok: false; retryAfterS: number } {
		const now = clock();
		if (now - lastPrune > 60_000) {
			for (const [k, b] of buckets) if (b.tokens + (now - b.at) * perMs >= perMinute) buckets.delete(k);
			lastPrune = now;
		}
		const b = buckets.get(id) ?? { tokens: perMinute, at: now };
		b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * perMs);
		b.at = now;
		buckets.set(id, b);
		if (b.tokens >= 1) {
			b.tokens -= 1;
			return { ok: true };
		}
		return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
	}
	return { take };
}

export function rateLimit(perMinute: number, clock?: () => number): MiddlewareHandler<AppEnv> {
	const limiter = createRateLimiter(perMinute, clock);
	return async (c, next) => {
		if (perMinute > 0) {
			const r = limiter.take(c.get('clientId'));
			if (!r.ok)
				throw rateLimited(`Rate limit of ${perMinute} requests per minute reached. Retry in ${r.retryAfterS} s.`, perMinute, r.retryAfterS);
		}
		await next();
	};
}
