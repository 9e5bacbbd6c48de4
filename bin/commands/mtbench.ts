// `lumen mtbench answer | judge | show`: MT-bench on the command line with FastChat's option names where they
// exist. The work is in bin/mtbench/; this maps the flags, prints errors, and turns Ctrl-C into a clean stop.
import { Command, InvalidArgumentError, Option } from 'commander';
import { toLumenError } from '#protocol/errors';
import { DEFAULT_MAX_NEW_TOKENS, MODES, type Mode } from '#mtbench/index';
import { runAnswer } from '../mtbench/run-answer';
import { runJudge } from '../mtbench/run-judge';
import { runShow } from '../mtbench/run-show';
import { positiveInt } from './parse';

const modeOption = () => new Option('--mode <mode>', 'single | pairwise-baseline | pairwise-all').choices(MODES).makeOptionMandatory();

function modelList(value: string): string[] {
	const models = value.split(',').map((m) => m.trim()).filter(Boolean);
	if (models.length === 0) throw new InvalidArgumentError('--model-list needs model names separated by commas, e.g. lumen-tiny-a,lumen-tiny-b.');
	return models;
}

/** Runs `work` with an AbortSignal that Ctrl-C fires; errors become one line on stderr and exit code 1 (130 when stopped). */
async function run(name: string, work: (signal: AbortSignal) => Promise<{ failed?: number } | void>): Promise<void> {
	const controller = new AbortController();
	const onInt = () => controller.abort();
	process.once('SIGINT', onInt);
	try {
		const outcome = await work(controller.signal);
		if (outcome && outcome.failed) {
			process.stderr.write(`lumen mtbench ${name}: ${outcome.failed} failed; run the same command again to retry them (finished work is kept).\n`);
			process.exitCode = 1;
		}
	} catch (err) {
		const e = toLumenError(err);
		if (e.code === 'aborted') {
			process.stderr.write(`lumen mtbench ${name}: stopped. Finished work is saved; run the same command again to resume.\n`);
			process.exitCode = 130;
		} else {
			process.stderr.write(`lumen mtbench ${name}: ${e.message}\n`);
			process.exitCode = 1;
		}
	} finally {
		process.off('SIGINT', onInt);
	}
}

function answerCommand(): Command {
	return new Command('answer')
		.description("Answer a bench's questions with one model (FastChat's gen_model_answer); resumes, skipping answered questions.")
		.requiredOption('--bench-dir <dir>', 'the bench folder (question.jsonl, model_answer/, …); a new or empty folder gets the built-in lumen-sample bench')
		.requiredOption('--model <id>', 'the model to answer with; its answers go to model_answer/<id>.jsonl')
		.option('--coordinator <url>', 'answer through this coordinator or OpenAI-compatible server (omit to run the model in this process, offline)')
		.option('--api-key <key>', 'API key for --coordinator', process.env.LUMEN_API_KEY)
		.option('--parallel <n>', 'questions answered at once', positiveInt('--parallel'), 1)
		.option('--max-new-token <n>', 'most new tokens per turn (FastChat’s option)', positiveInt('--max-new-token'), DEFAULT_MAX_NEW_TOKENS)
		.action((opts: { benchDir: string; model: string; coordinator?: string; apiKey?: string; parallel: number; maxNewToken: number }) =>
			run('answer', async (signal) => {
				const outcome = await runAnswer({ ...opts, signal });
				process.stderr.write(`${outcome.written} answers written, ${outcome.skipped} already there: ${outcome.file}\n`);
				return outcome;
			})
		);
}

function judgeCommand(): Command {
	return new Command('judge')
		.description("Judge the answers with an LLM (FastChat's gen_judgment); shows the number of judge calls first, resumes, skipping judged matches.")
		.requiredOption('--bench-dir <dir>', 'the bench folder')
		.requiredOption('--judge-model <name>', 'the judge model; judgments go to model_judgment/<name>_single.jsonl or _pair.jsonl')
		.requiredOption('--judge-url <url>', "the judge's OpenAI-compatible server (a coordinator, http://host:port/v1, https://api.openai.com/v1)")
		.option('--judge-key <key>', "API key for the judge's server", process.env.LUMEN_JUDGE_KEY)
		.addOption(modeOption())
		.option('--baseline-model <model>', 'the model every other one is compared with (pairwise-baseline)')
		.option('--model-list <a,b,…>', 'models to judge, comma-separated (default: every model with answers)', modelList)
		.option('--judge-file <file>', 'judge prompts (default: <bench-dir>/judge_prompts.jsonl, then ../judge_prompts.jsonl, then the built-in ones)')
		.option('--parallel <n>', 'judge calls at once', positiveInt('--parallel'), 1)
		.action(
			(opts: { benchDir: string; judgeModel: string; judgeUrl: string; judgeKey?: string; mode: Mode; baselineModel?: string; modelList?: string[]; judgeFile?: string; parallel: number }) =>
				run('judge', async (signal) => {
					const outcome = await runJudge({ ...opts, signal });
					process.stderr.write(`${outcome.written} judgments written, ${outcome.skipped} already there: ${outcome.file}\n`);
					return outcome;
				})
		);
}

function showCommand(): Command {
	return new Command('show')
		.description("FastChat's show_result numbers from a judgment file: mean scores per turn (single) or win/loss/tie rates (pairwise).")
		.requiredOption('--input-file <file>', 'a judgment file (model_judgment/<judge>_single.jsonl or _pair.jsonl)')
		.addOption(modeOption())
		.option('--baseline-model <model>', 'the baseline of a pairwise-baseline run')
		.option('--json', 'print {"mode", "rows": [...]}')
		.action((opts: { inputFile: string; mode: Mode; baselineModel?: string; json?: boolean }) =>
			run('show', async () => {
				await runShow(opts);
			})
		);
}

export function mtbenchCommand(): Command {
	return new Command('mtbench')
		.description("MT-bench, file-compatible with FastChat's llm_judge: answer, judge, show.")
		.addCommand(answerCommand())
		.addCommand(judgeCommand())
		.addCommand(showCommand());
}
