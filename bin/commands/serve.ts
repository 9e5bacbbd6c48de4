// `lumen serve`: one command for everything: the coordinator (OpenAI API, arena, web app from build/)
// plus one native onnx worker in a child process (serve-worker.ts) registered to it, with a worker secret
// made and required unless one is configured. Ctrl-C / SIGTERM shut both down gracefully.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../coordinator/config';
import { startCoordinator } from '../../coordinator/server';
import { describeWorkerSecret, resolveWorkerSecret } from '../../coordinator/worker-secret';
import { describeJoinTokens } from '../../coordinator/join-tokens';
import { toLumenError } from '#protocol/errors';
import type { Registry } from '../../coordinator/registry/registry';
import { positiveInt } from './parse';
import { startBuiltInWorker, type BuiltInWorker } from './serve-worker';

type ServeOptions = { port?: number; host?: string; model: string; worker: boolean; threads?: number; webDir?: string };

export function serveCommand(): Command {
	return new Command('serve')
		.description('Run the coordinator, the web app and one local model worker in this process.')
		.option('--port <n>', 'port for the web app and the OpenAI API (default 8000, or $PORT)', (v) => Number(v))
		.option('--host <host>', 'interface to listen on (default 127.0.0.1, or $HOST)')
		.option('--model <id|dir>', 'model the built-in worker serves', 'lumen-tiny-a')
		.option('--no-worker', 'start no worker (external workers register themselves)')
		.option('--threads <n>', 'ONNX Runtime threads for the built-in worker', positiveInt('--threads'))
		.option('--web-dir <dir>', 'built web app to serve (default build/ when it exists)')
		.addHelpText('after', '\nOther coordinator settings come from the environment (LUMEN_WORKER_SECRET, LUMEN_API_KEYS, LUMEN_JOIN_TOKENS, LUMEN_DB, …) or a LUMEN_CONFIG JSON file.')
		.action(async (opts: ServeOptions) => {
			try {
				await serve(opts);
			} catch (err) {
				console.error(`lumen serve: ${toLumenError(err).message}`);
				process.exit(1);
			}
		});
}

async function serve(opts: ServeOptions): Promise<void> {
	const log = (line: string) => console.error(line);
	const config = loadConfig();
	const webDir = opts.webDir ?? config.web_app_dir ?? (existsSync(join('build', 'index.html')) ? 'build' : undefined);
	const workerSecret = resolveWorkerSecret(config.worker_secret, config.database_path);
	const coordinator = await startCoordinator(
		{
			...config,
			port: opts.port ?? config.port,
			host: opts.host ?? config.host,
			web_app_dir: webDir && resolve(webDir),
			worker_secret: workerSecret.secret
		},
		{ log }
	);
	const workerId = `lumen-serve:${opts.model}`;
	let worker: BuiltInWorker | null = null;
	let workerUrl: string | null = null;
	try {
		if (opts.worker) {
			worker = startBuiltInWorker({ coordinatorUrl: coordinator.url, secret: workerSecret.secret, model: opts.model, workerId, threads: opts.threads, log });
			workerUrl = await worker.url;
		}
	} catch (err) {
		await coordinator.close({ graceMs: 0 });
		throw err;
	}
	console.log(`Lumen Chat on ${coordinator.url} (OpenAI API at ${coordinator.url}/v1, ${webDir ? `web app from ${webDir}` : 'no web app: run npm run build'}, ${workerUrl ? `model ${opts.model} on ${workerUrl}` : 'no built-in worker'})`);
	for (const line of describeWorkerSecret(workerSecret, coordinator.url)) log(line);
	for (const line of describeJoinTokens(coordinator.config.join_tokens, coordinator.url)) log(line);
	if (worker) await waitForRegistration(coordinator.registry, workerId);
	log('ready');

	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) process.exit(1); // a second signal means "now"
		stopping = true;
		log(`${signal}: finishing running answers, then closing`);
		await worker?.stop();
		await coordinator.close({ graceMs: 5_000 });
		process.exit(0);
	};
	process.on('SIGINT', () => void stop('SIGINT'));
	process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** The built-in worker registered itself (it retries until the coordinator answers). */
async function waitForRegistration(registry: Registry, workerId: string): Promise<void> {
	while (!registry.get(workerId)) await new Promise((r) => setTimeout(r, 50));
}
