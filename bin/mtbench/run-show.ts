// `lumen mtbench show`: FastChat's show_result.py numbers from a judgment file, as a table or as JSON
// ({"mode", "rows": [...]}, the shape the issue and the /eval page use).
import { LumenError } from '#protocol/errors';
import { PairJudgmentSchema, SingleJudgmentSchema, parseJsonl, showPairwise, showSingle, type Mode, type PairwiseResult, type SingleResult } from '#mtbench/index';
import { readText } from './bench-dir';
import type { Out } from './progress';

export type ShowArgs = { inputFile: string; mode: Mode; baselineModel?: string; json?: boolean };

export async function runShow(args: ShowArgs, out: Out = process.stdout): Promise<SingleResult | PairwiseResult> {
	if (args.mode === 'pairwise-baseline' && !args.baselineModel)
		throw new LumenError('bad_request', 'pairwise-baseline needs --baseline-model: the model every other one was compared with.', false);
	const text = await readText(args.inputFile, 'The judgment file');
	const result =
		args.mode === 'single'
			? showSingle(parseJsonl(text, SingleJudgmentSchema, args.inputFile))
			: showPairwise(parseJsonl(text, PairJudgmentSchema, args.inputFile), { mode: args.mode, baselineModel: args.baselineModel });
	out.write(args.json ? JSON.stringify(result) + '\n' : formatResult(result, args.inputFile));
	return result;
}

const num = (x: number | null, digits = 4) => (x === null ? '-' : x.toFixed(digits));

export function formatResult(result: SingleResult | PairwiseResult, inputFile: string): string {
	const head = `Mode: ${result.mode}\nInput file: ${inputFile}\n\n`;
	if (result.rows.length === 0) return head + 'No judgments with a verdict in this file.\n';
	const [header, cells] =
		result.mode === 'single'
			? [['model', 'turn1', 'turn2', 'average'], result.rows.map((r) => [r.model, num(r.turn1), num(r.turn2), num(r.average)])]
			: [
					['model', 'win', 'loss', 'tie', 'win_rate', 'loss_rate', 'win_rate_adjusted'],
					result.rows.map((r) => [r.model, String(r.win), String(r.loss), String(r.tie), num(r.win_rate), num(r.loss_rate), num(r.win_rate_adjusted)])
				];
	const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
	const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
	return head + [line(header), ...cells.map(line)].join('\n') + '\n';
}
