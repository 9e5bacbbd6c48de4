// Runs a worker as this process: starts it, prints the URL line, and turns SIGTERM/SIGINT into a graceful
// shutdown (a second signal exits at once). The first stdout line carries the URL; logs go to stderr.
import type { WorkerOptions } from './options';
import { startWorker, type RunningWorker } from './worker-process';

export async function runWorkerCommand(options: WorkerOptions): Promise<RunningWorker> {
	const log = (line: string) => console.error(`[worker] ${line}`);
	const worker = await startWorker(options, log);
	const models = worker.backend.models.map((m) => m.id).join(', ');
	console.log(`Lumen worker (${worker.backend.kind}: ${models}) listening on ${worker.url}`);
	if (!options.coordinator) log('no --coordinator given: serving standalone');
	let signals = 0;
	const onSignal = (signal: NodeJS.Signals) => {
		signals += 1;
		if (signals > 1) {
			log(`${signal} again: exiting now`);
			process.exit(1);
		}
		log(`${signal}: deregistering and finishing in-flight requests`);
		worker.shutdown().then(
			() => process.exit(0),
			(err: unknown) => {
				log(`shutdown failed: ${(err as Error).message}`);
				process.exit(1);
			}
		);
	};
	process.on('SIGTERM', onSignal);
	process.on('SIGINT', onSignal);
	return worker;
}
