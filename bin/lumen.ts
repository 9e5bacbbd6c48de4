// The `lumen` command line: serve (coordinator + worker + web app), worker, models, chat, leaderboard, mtbench.
import { Command } from 'commander';
import { chatCommand } from './commands/chat';
import { leaderboardCommand } from './commands/leaderboard';
import { modelsCommand } from './commands/models';
import { mtbenchCommand } from './commands/mtbench';
import { serveCommand } from './commands/serve';
import { workerCommand } from './commands/worker';

// A reader that stops early (`lumen models | head -1`) closes our stdout: that ends the output, it is no error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
	if (err.code === 'EPIPE') process.exit(0);
	throw err;
});

const program = new Command('lumen')
	.description('Lumen Chat: FastChat rebuilt browser-first. Chat, serve models, run workers.')
	.showHelpAfterError()
	.addCommand(serveCommand())
	.addCommand(workerCommand())
	.addCommand(modelsCommand())
	.addCommand(chatCommand())
	.addCommand(leaderboardCommand())
	.addCommand(mtbenchCommand());

await program.parseAsync(process.argv);
