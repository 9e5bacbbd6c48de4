// Entry point (`npm run serve`): config from env (+ LUMEN_CONFIG file) → startCoordinator →
// graceful shutdown. The first stdout line names the URL; scripts and e2e tests parse it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from './config';
import { startCoordinator } from './server';
import { describeJoinTokens } from './join-tokens';
import { describeWorkerSecret, resolveWorkerSecret } from './worker-secret';

const config = loadConfig();
// The built app is served by default when it exists, so `npm start` is one process for everything.
const webDir = config.web_app_dir ?? (existsSync(join('build', 'index.html')) ? 'build' : undefined);
const workerSecret = resolveWorkerSecret(config.worker_secret, config.database_path);
const coordinator = await startCoordinator({ ...config, web_app_dir: webDir && resolve(webDir), worker_secret: workerSecret.secret });

console.log(
	`Lumen Chat coordinator on ${coordinator.url} (OpenAI API at /v1, ${webDir ? `web app from ${webDir}` : 'no web app'})`
);
for (const line of describeWorkerSecret(workerSecret, coordinator.url)) console.log(line);
for (const line of describeJoinTokens(config.join_tokens, coordinator.url)) console.log(line);

let stopping = false;
async function shutdown(signal: string) {
	if (stopping) return process.exit(1); // a second signal means "now"
	stopping = true;
	console.log(`${signal}: closing (running streams get 5 s)`);
	setTimeout(() => {
		console.error('Shutdown took longer than 10 s; exiting.');
		process.exit(1);
	}, 10_000).unref();
	await coordinator.close({ graceMs: 5_000 });
	process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
