// `lumen mtbench judge`: FastChat's gen_judgment.py over any OpenAI-compatible judge, appending to
// model_judgment/<judge>_single.jsonl or <judge>_pair.jsonl and skipping what is already there.
import { join } from 'node:path';
import { OpenAIClient } from '#protocol/openai-client';
import {
	PairJudgmentSchema,
	SingleJudgmentSchema,
	benchPaths,
	buildMatches,
	countJudgeCalls,
	judge,
	loadBench,
	modelsToJudge,
	openAIChat,
	type Mode
} from '#mtbench/index';
import { jsonlAppender, readBenchDir, readJsonlIfExists } from './bench-dir';
import { progressLine, throttledPrinter, type Out } from './progress';
import type { z } from 'zod';

export type JudgeArgs = {
	benchDir: string;
	judgeModel: string;
	judgeUrl: string;
	judgeKey?: string;
	mode: Mode;
	baselineModel?: string;
	modelList?: string[];
	judgeFile?: string;
	parallel: number;
	signal?: AbortSignal;
	retries?: number;
	backoffMs?: number;
};

export type JudgeOutcome = { written: number; skipped: number; failed: number; calls: number; file: string };

export async function runJudge(args: JudgeArgs, err: Out = process.stderr): Promise<JudgeOutcome> {
	const files = await readBenchDir(args.benchDir, args.judgeFile);
	const bench = loadBench(files, { judgeModel: args.judgeModel });
	const matches = buildMatches(bench, { mode: args.mode, judgeModel: args.judgeModel, models: args.modelList, baselineModel: args.baselineModel });
	const file = join(args.benchDir, benchPaths.judgment(args.judgeModel, args.mode));
	const schema: z.ZodType<{ question_id: string | number }> = args.mode === 'single' ? SingleJudgmentSchema : PairJudgmentSchema;
	const existing = await readJsonlIfExists(file, schema);
	const cost = countJudgeCalls(matches, existing);
	const models = modelsToJudge(bench, { mode: args.mode, judgeModel: args.judgeModel, models: args.modelList });
	// What FastChat prints before it asks to press Enter; a command line must not wait, so it goes on.
	err.write(
		[
			`mode: ${args.mode}${args.mode === 'pairwise-baseline' ? ` (baseline ${args.baselineModel})` : ''}, models: ${models.join(', ')}`,
			`judge: ${args.judgeModel} at ${args.judgeUrl}, prompts: ${files.judgePromptFile ?? 'built-in'}${bench.referenceSource ? `, references: ${bench.referenceSource}` : ''}`,
			`${bench.questions.length} questions, ${cost.matches} matches, ${cost.skipped} already judged in ${file}`,
			`cost: ${cost.calls} judge calls, ${args.parallel} at a time`
		].join('\n') + '\n'
	);
	if (cost.calls === 0) return { written: 0, skipped: cost.skipped, failed: 0, calls: 0, file };

	const chat = openAIChat(new OpenAIClient({ url: args.judgeUrl, apiKey: args.judgeKey, label: 'judge', keyHint: "Pass the judge's key with --judge-key or LUMEN_JUDGE_KEY." }), args.judgeModel);
	const started = Date.now();
	const print = throttledPrinter(err);
	const summary = await judge({
		matches,
		chat,
		existing,
		appendJudgment: jsonlAppender(file),
		parallel: args.parallel,
		retries: args.retries,
		backoffMs: args.backoffMs,
		signal: args.signal,
		onRetry: ({ attempt, delayMs, error }) => err.write(`  retry ${attempt} in ${delayMs} ms: ${error.message}\n`),
		onProgress: (p) =>
			print(progressLine('judge', p.doneCalls, p.totalCalls, ` calls, ${p.doneMatches - p.failed}/${p.totalMatches} matches written, ${p.failed} failed`, started), p.doneMatches === p.totalMatches)
	});
	for (const f of summary.failed) {
		const m = f.match;
		err.write(`  question ${m.question.question_id} (${m.kind === 'single' ? m.model : `${m.model_1} vs ${m.model_2}`}, turn ${m.multiTurn ? 2 : 1}) failed: ${f.error.message}\n`);
	}
	return { written: summary.written, skipped: summary.skipped, failed: summary.failed.length, calls: cost.calls, file };
}
