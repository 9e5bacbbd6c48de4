// Starts a coordinator: database, registry (with its expiry sweep), upstream discovery, proxy and
// HTTP server. `startCoordinator` is the one entry point (main.ts and `lumen serve` call it);
// `close()` stops accepting, lets running streams finish for a grace period, then cuts them.
import type { HttpBindings } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { buildApp, type CoordinatorApp } from './app';
import { createBrowserWorkerHub, type BrowserWorkerHub } from './browser-workers/hub';
import { parseConfig, type CoordinatorConfig, type CoordinatorConfigInput } from './config';
import { createGuardedServer, drainRequest } from './http-guard';
import type { Rng } from './registry/pick';
import { createProxy } from './registry/proxy';
import { createRegistry, type Clock, type Registry } from './registry/registry';
import { createUpstreamDiscovery } from './registry/upstreams';
import { createArenaRepository } from './storage/arena-repository';
import { openDatabase, type Db } from './storage/db';
import { createRequestLog, type RequestLog } from './storage/request-log';

export type StartOptions = { clock?: Clock; rng?: Rng; log?: (line: string) => void };

export type RunningCoordinator = {
	url: string;
	port: number;
	config: CoordinatorConfig;
	app: CoordinatorApp;
	registry: Registry;
	browserWorkers: BrowserWorkerHub;
	db: Db;
	requestLog: RequestLog;
	/** Stops accepting at once; open streams get `graceMs` (default 5 s) to finish before they are cut. */
	close(options?: { graceMs?: number }): Promise<void>;
};

/**
 * Streams are written to the socket by the route itself. Once headers are out, node-server must not
 * write anything: its "already sent" marker survives Hono's header merging only as a real Response,
 * which depends on global overrides, so the check is on the socket instead.
 */
const ALREADY_SENT = { status: 200, body: null, headers: new Headers({ 'x-hono-already-sent': 'true' }) };
async function respond(app: CoordinatorApp, req: Request, env: HttpBindings): Promise<Response | typeof ALREADY_SENT> {
	const res = await app.fetch(req, env);
	if (env.outgoing.headersSent) return ALREADY_SENT;
	// An answer given before the body was read (413, 401, 404…) waits for the rest of the upload.
	await drainRequest(env.incoming);
	return res;
}

export async function startCoordinator(input: CoordinatorConfigInput, options: StartOptions = {}): Promise<RunningCoordinator> {
	const config = parseConfig(input);
	const log = options.log ?? ((line: string) => console.log(line));
	const db = openDatabase(config.database_path);
	const requestLog = createRequestLog(db);
	const registry = createRegistry({
		clock: options.clock,
		expiryMs: config.heartbeat_expiry_ms,
		failureCooldownMs: config.failure_cooldown_ms
	});
	const browserWorkers = createBrowserWorkerHub({ config, registry, clock: options.clock, log });
	const proxy = createProxy({
		registry,
		browserWorkers,
		policy: config.dispatch_policy,
		rng: options.rng,
		workerSecret: config.worker_secret,
		timeoutMs: config.upstream_timeout_ms,
		log
	});
	const discovery = createUpstreamDiscovery({
		upstreams: config.upstreams,
		registry,
		intervalMs: config.upstream_discovery_interval_ms,
		log
	});
	await discovery.start();
	const app = buildApp({ config, registry, proxy, requestLog, arena: createArenaRepository(db), rng: options.rng, clock: options.clock, log });

	// Expired workers are also refused at dispatch; the sweep only keeps listings and memory tidy.
	const sweep = setInterval(
		() => registry.sweep().forEach((id) => log(`worker ${id} expired (no heartbeat for ${config.heartbeat_expiry_ms} ms)`)),
		Math.max(50, Math.min(config.heartbeat_interval_ms, config.heartbeat_expiry_ms / 4))
	);
	sweep.unref();

	// HTTP/1.1 only (createServer from node:http), so the bindings are always HttpBindings.
	const server = createGuardedServer((req, env) => respond(app, req, env as HttpBindings));
	server.on('upgrade', browserWorkers.handleUpgrade);
	// Longer than typical client idle timeouts, so pooled client connections are not cut under them.
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(config.port, config.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
	const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;

	let closing: Promise<void> | null = null;
	async function close({ graceMs = 5_000 }: { graceMs?: number } = {}) {
		closing ??= (async () => {
			clearInterval(sweep);
			discovery.stop();
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			// Keep-alive connections turn idle as their streams finish; close them then, not after the grace.
			const reaper = setInterval(() => (server.closeIdleConnections(), browserWorkers.closeIdle()), 50);
			server.closeIdleConnections();
			browserWorkers.closeIdle();
			const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
			await Promise.race([closed, grace]);
			clearInterval(reaper);
			// Tabs' sockets are upgraded connections the HTTP server no longer tracks: closed here.
			browserWorkers.close();
			server.closeAllConnections();
			await closed;
			await proxy.close();
			requestLog.flush();
			db.close();
		})();
		return closing;
	}

	return { url, port, config, app, registry, browserWorkers, db, requestLog, close };
}
