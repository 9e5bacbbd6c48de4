// Assembles a native worker: backend → queue → HTTP server → coordinator registration, and the
// graceful shutdown order: deregister (no new work) → refuse newcomers → finish in-flight (bounded) → close.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Backend } from './backend';
import { createGuardedServer } from '../../coordinator/http-guard';
import { CoordinatorClient } from './coordinator-client';
import { createWorkerApp } from './http-app';
import { loadOnnxBackend } from './onnx-backend';
import { loadOpenAIBackend } from './openai-backend';
import type { WorkerOptions } from './options';
import { RequestQueue } from './request-queue';

export type RunningWorker = {
	/** Base URL of the worker's OpenAI API, ending in /v1. */
	url: string;
	port: number;
	backend: Backend;
	queue: RequestQueue;
	coordinator: CoordinatorClient | null;
	/** Idempotent; resolves once every in-flight request finished (or the drain timeout passed). */
	shutdown(): Promise<void>;
};

export async function loadBackend(options: WorkerOptions, log: (line: string) => void): Promise<Backend> {
	if (options.backend === 'openai')
		return loadOpenAIBackend({ upstream: options.upstream as string, apiKey: options.upstreamKey, speed: options.speed, vision: options.vision, log });
	return loadOnnxBackend({
		model: options.model as string,
		device: options.device,
		dtype: options.dtype,
		threads: options.threads,
		speed: options.speed,
		chatTemplate: options.chatTemplate,
		systemMessage: options.systemMessage,
		log
	});
}

export async function startWorker(options: WorkerOptions, log: (line: string) => void = (l) => console.error(l)): Promise<RunningWorker> {
	const backend = await loadBackend(options, log);
	const queue = new RequestQueue(options.maxConcurrency ?? backend.defaultConcurrency);
	let draining = false;
	const app = createWorkerApp({ backend, queue, isDraining: () => draining, log, maxBodyBytes: options.maxBodyBytes });
	const server = await listen(app.fetch, options.port, options.host);
	const port = (server.address() as AddressInfo).port;
	const advertisedHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
	const url = options.publicUrl?.replace(/\/+$/, '') ?? `http://${advertisedHost.includes(':') ? `[${advertisedHost}]` : advertisedHost}:${port}/v1`;
	if (advertisedHost !== options.host && !options.publicUrl && options.coordinator)
		log(`listening on ${options.host} but telling the coordinator ${url}: pass --public-url if it runs on another machine`);
	const workerId = options.workerId ?? `${advertisedHost}:${port}`;

	const coordinator = options.coordinator
		? new CoordinatorClient({
				coordinatorUrl: options.coordinator,
				secret: options.secret,
				queueLength: () => queue.length,
				registration: () => ({
					worker_id: workerId,
					url,
					models: backend.models,
					speed: backend.speed,
					max_concurrency: queue.maxConcurrency,
					backend: backend.kind
				}),
				log
			})
		: null;
	coordinator?.start();

	let closing: Promise<void> | null = null;
	const shutdown = () =>
		(closing ??= (async () => {
			await coordinator?.stop();
			draining = true;
			const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
			const inFlight = queue.length;
			if (inFlight) log(`finishing ${inFlight} in-flight request(s) (up to ${options.drainTimeout} s)`);
			const drained = await withTimeout(queue.idle(), options.drainTimeout * 1000);
			if (!drained) log('drain timeout: cutting the remaining requests off');
			await closeConnections(server, serverClosed, drained ? 5000 : 0);
			await withTimeout(queue.idle(), 5000);
			await backend.close().catch(() => undefined);
		})());

	return { url, port, backend, queue, coordinator, shutdown };
}

/** The same guarded server as the coordinator's: even what Node's parser refuses is answered in OpenAI JSON. */
function listen(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string): Promise<Server> {
	return new Promise((resolve, reject) => {
		const server = createGuardedServer(fetch);
		// Longer than the coordinator's pool keeps an idle connection (30 s), so the coordinator closes it
		// first: a socket this side closes just as the coordinator reuses it would reset a request.
		server.keepAliveTimeout = 65_000;
		server.once('error', reject);
		server.listen(port, hostname, () => resolve(server));
	});
}

/** Lets responses still being written finish, closing connections as they fall idle; cuts the rest after graceMs. */
async function closeConnections(server: Server, closed: Promise<void>, graceMs: number): Promise<void> {
	const sweep = setInterval(() => server.closeIdleConnections(), 50);
	server.closeIdleConnections();
	const done = await withTimeout(closed, graceMs);
	clearInterval(sweep);
	if (!done) {
		server.closeAllConnections();
		await withTimeout(closed, 1000);
	}
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
	try {
		return await Promise.race([promise.then(() => true as const), timeout]);
	} finally {
		clearTimeout(timer);
	}
}
