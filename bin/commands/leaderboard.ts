// `lumen leaderboard`: Bradley-Terry ratings with bootstrap intervals, plus Elo, from a FastChat
// clean-battle file (JSON lines). The work is in bin/leaderboard/run-leaderboard.ts; this only maps the flags.
import { Command, InvalidArgumentError } from 'commander';
import { runLeaderboard } from '../leaderboard/run-leaderboard';
import { toLumenError } from '#protocol/errors';

function positiveInt(value: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
	return n;
}

type LeaderboardOpts = {
	battles: string;
	bootstrap: number;
	seed: number;
	anchor?: string;
	anchorRating?: number;
	json?: boolean;
	styleControl?: boolean;
	category: string;
	excludeModel: string[];
	excludeTies?: boolean;
};

export function leaderboardCommand(): Command {
	return new Command('leaderboard')
		.description('Compute the arena leaderboard from a FastChat-format battle file (anonymous battles only).')
		.requiredOption('--battles <file>', 'JSON lines of {model_a, model_b, winner, anony, tstamp, turn}')
		.option('--bootstrap <n>', 'bootstrap rounds for the 95% intervals', positiveInt, 100)
		.option('--seed <n>', 'random seed for the bootstrap', positiveInt, 42)
		.option('--anchor <model>', 'pin this model to --anchor-rating instead of centring the mean at 1000')
		.option('--anchor-rating <rating>', 'rating of the anchor model', Number)
		.option('--json', 'print [{"model","rating","ci":[low,high],"elo","votes"}] (with --style-control: {"rows":[…],"coefficients":[…]})')
		.option('--style-control', "FastChat's style control: Bradley-Terry with length and markdown covariates, shown beside the raw rank, with the coefficients")
		.option('--category <name>', 'full (default), multiturn, long_user, coding, or a detected language such as english', 'full')
		.option('--exclude-model <model>', 'leave out every battle of this model (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
		.option('--exclude-ties', "leave out ties ('tie' and 'tie (bothbad)')")
		.action(async (opts: LeaderboardOpts) => {
			try {
				await runLeaderboard({
					battles: opts.battles,
					bootstrap: opts.bootstrap,
					seed: opts.seed,
					anchor: opts.anchor,
					anchorRating: opts.anchorRating,
					json: opts.json,
					styleControl: opts.styleControl,
					category: opts.category,
					excludeModels: opts.excludeModel,
					excludeTies: opts.excludeTies
				});
			} catch (err) {
				console.error(`lumen leaderboard: ${toLumenError(err).message}`);
				process.exitCode = 1;
			}
		});
}
