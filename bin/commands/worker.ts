// `lumen worker …`: the native worker (same flags as `node --import tsx workers/native/main.ts`).
import { Command } from 'commander';
import { addWorkerOptions, parseWorkerOptions } from '../../workers/native/options';
import { runWorkerCommand } from '../../workers/native/run-worker';

export function workerCommand(): Command {
	return addWorkerOptions(new Command('worker').description('Run a native worker: an OpenAI-compatible API that registers with a coordinator.')).action(
		async (raw: Record<string, unknown>) => {
			try {
				await runWorkerCommand(parseWorkerOptions(raw));
			} catch (err) {
				console.error(`lumen worker: ${(err as Error).message}`);
				process.exit(1);
			}
		}
	);
}
