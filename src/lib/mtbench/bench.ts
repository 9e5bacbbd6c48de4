// A bench folder in FastChat's layout, from its files' texts (read from disk by the CLI, from an import or
// IndexedDB by the page): question.jsonl, model_answer/<model>.jsonl, reference_answer/<judge>.jsonl,
// model_judgment/<judge>_single.jsonl or <judge>_pair.jsonl, and a judge-prompt file.
import { LumenError } from '../protocol/errors';
import { builtinJudgePrompts } from './builtin';
import { parseJsonl } from './jsonl';
import { indexAnswers, type BenchData } from './matches';
import { JudgePromptSchema, ModelAnswerSchema, QuestionSchema, type JudgePrompt, type ModelAnswerLine } from './schemas';

/** A model or judge name as a file name: FastChat uses the name itself; a slash would make a folder, so it becomes "_". */
export function fileSafe(name: string): string {
	return name.replace(/[/\\]/g, '_');
}

/** Paths inside a bench folder, as FastChat names them. */
export const benchPaths = {
	questions: 'question.jsonl',
	judgePrompts: 'judge_prompts.jsonl',
	answers: 'model_answer',
	references: 'reference_answer',
	judgments: 'model_judgment',
	answer: (model: string) => `model_answer/${fileSafe(model)}.jsonl`,
	reference: (judge: string) => `reference_answer/${fileSafe(judge)}.jsonl`,
	judgment: (judge: string, mode: 'single' | 'pairwise-baseline' | 'pairwise-all') => `model_judgment/${fileSafe(judge)}_${mode === 'single' ? 'single' : 'pair'}.jsonl`
};

export type BenchFiles = {
	/** question.jsonl */
	questions: string;
	/** model_answer/*.jsonl by model name (the file name without .jsonl, as FastChat's loader takes it). */
	answers: Readonly<Record<string, string>>;
	/** reference_answer/*.jsonl by file name without .jsonl. */
	references?: Readonly<Record<string, string>>;
	/** A judge-prompt file's text; the built-in prompts when absent. */
	judgePrompts?: string;
};

export type LoadedBench = BenchData & {
	/** The reference file used (`reference_answer/<name>.jsonl`), if any. */
	referenceSource?: string;
};

/**
 * Parses a bench's files (a bad line is an error naming the file and line). References come from
 * `reference_answer/<judgeModel>.jsonl` as in FastChat; when there is no file by that name but exactly one
 * reference file, that one is used (the built-in bench ships its own, `lumen-reference.jsonl`).
 */
export function loadBench(files: BenchFiles, options: { judgeModel?: string } = {}): LoadedBench {
	const questions = parseJsonl(files.questions, QuestionSchema, benchPaths.questions);
	if (questions.length === 0) throw new LumenError('bad_request', 'question.jsonl has no questions.', false);
	const answers = new Map<string, Map<string, ModelAnswerLine>>();
	for (const [model, text] of Object.entries(files.answers)) answers.set(model, indexAnswers(parseJsonl(text, ModelAnswerSchema, `model_answer/${model}.jsonl`)));
	const refNames = Object.keys(files.references ?? {});
	const refName = options.judgeModel !== undefined && refNames.includes(fileSafe(options.judgeModel)) ? fileSafe(options.judgeModel) : refNames.length === 1 ? refNames[0] : undefined;
	const references = refName === undefined ? undefined : indexAnswers(parseJsonl(files.references![refName], ModelAnswerSchema, `reference_answer/${refName}.jsonl`));
	const prompts = files.judgePrompts === undefined ? builtinJudgePrompts() : parseJudgePrompts(files.judgePrompts);
	return {
		questions,
		answers,
		references,
		prompts: new Map(prompts.map((p) => [p.name, p])),
		...(refName !== undefined ? { referenceSource: `reference_answer/${refName}.jsonl` } : {})
	};
}

export function parseJudgePrompts(text: string, file = 'the judge-prompt file'): JudgePrompt[] {
	return parseJsonl(text, JudgePromptSchema, file);
}
