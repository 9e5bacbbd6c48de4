// Builds the coordinator's Hono app: CORS, client identity, request logging, auth and rate limits
// around the OpenAI, worker and arena routes, one error handler answering OpenAI-shaped errors, and
// the built web app (when configured) for every other GET.
import { Hono } from 'hono';
import { arenaPairingRules, type CoordinatorConfig } from './config';
import { cors } from './cors';
import { ApiError, toApiError } from './errors';
import { identify, rateLimit, requireApiKey } from './middleware';
import type { Rng } from './registry/pick';
import type { Proxy } from './registry/proxy';
import type { Registry } from './registry/registry';
import type { AppEnv } from './env';
import { logRequests } from './request-logging';
import { arenaIntegrity } from './arena-integrity';
import { arenaRoutes } from './routes/arena';
import { openaiRoutes } from './routes/openai';
import { tokenCheckRoutes } from './routes/token-check';
import { workerRoutes } from './routes/workers';
import type { ArenaRepository } from './storage/arena-repository';
import type { RequestLog } from './storage/request-log';
import { webApp } from './web-app';

export type AppDeps = {
	config: CoordinatorConfig;
	registry: Registry;
	proxy: Proxy;
	requestLog: RequestLog;
	arena: ArenaRepository;
	rng?: Rng;
	clock?: () => number;
	log?: (line: string) => void;
};

const notFound = () =>
	new ApiError(404, 'invalid_request_error', 'not_found', 'No such endpoint. The API lives under /v1 (see GET /v1/models).');

function errorResponse(e: ApiError): Response {
	return new Response(JSON.stringify(e.body()), { status: e.status, headers: { 'Content-Type': 'application/json', ...e.headers } });
}

export function buildApp({ config, registry, proxy, requestLog, arena, rng, clock, log = console.log }: AppDeps) {
	const app = new Hono<AppEnv>();
	const api = cors(config.cors_origins);

	app.use('/v1/*', api, identify(config.api_keys, config.trust_proxy), logRequests(requestLog));
	app.use('/v1/*', requireApiKey(config.api_keys), rateLimit(config.rate_limit_per_minute, clock));
	app.use('/workers', api, identify(config.api_keys, config.trust_proxy));
	app.use('/workers/*', identify(config.api_keys, config.trust_proxy));
	app.use('/api/arena/*', api, identify(config.api_keys, config.trust_proxy), requireApiKey(config.api_keys), rateLimit(config.rate_limit_per_minute, clock));

	app.route('/', openaiRoutes({ registry, proxy, requestLog, bodyLimit: config.body_limit_bytes }));
	app.route('/', workerRoutes(config, registry, log));
	app.route('/', arenaRoutes({ registry, arena, bodyLimit: config.body_limit_bytes, integrity: arenaIntegrity(config), rng, clock, pairing: arenaPairingRules(config) }));
	app.route('/', tokenCheckRoutes({ config, registry, clock }));
	app.all('/v1/*', () => {
		throw notFound();
	});
	app.all('/workers/*', () => {
		throw notFound();
	});
	app.all('/api/arena/*', () => {
		throw notFound();
	});

	if (config.web_app_dir) {
		// A separate app, so its COOP/COEP/CORP headers never land on API responses.
		const web = webApp(config.web_app_dir, { logRequests: config.log_requests });
		app.on(['GET', 'HEAD'], '*', (c) => web.fetch(c.req.raw, c.env));
	}

	app.notFound(() => errorResponse(notFound()));
	app.onError((err, c) => {
		const e = toApiError(err);
		// Only our own failures are logged with a stack; a client's mistake is not news, and a client
		// hanging up is routine: one line.
		if (e.status === 499) log(`${c.req.method} ${c.req.path}: client closed the connection (${e.message})`);
		else if (e.status >= 500 && !(err instanceof ApiError)) console.error(`${c.req.method} ${c.req.path}:`, err);
		return errorResponse(e);
	});

	return app;
}

export type CoordinatorApp = ReturnType<typeof buildApp>;
