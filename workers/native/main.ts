// Entry point of a native worker process: `node --import tsx workers/native/main.ts --model lumen-tiny-a …`.
// (`lumen worker …` is the same thing.) See ./options.ts for every flag.
import { Command } from 'commander';
import { addWorkerOptions, parseWorkerOptions } from './options';
import { runWorkerCommand } from './run-worker';

const program = addWorkerOptions(
	new Command('lumen-worker').description('Lumen native worker: serves an OpenAI-compatible API and registers with a coordinator.')
);
program.action(async (raw: Record<string, unknown>) => {
	try {
		await runWorkerCommand(parseWorkerOptions(raw));
	} catch (err) {
		console.error(`lumen-worker: ${(err as Error).message}`);
		process.exit(1);
	}
});
await program.parseAsync(process.argv);
