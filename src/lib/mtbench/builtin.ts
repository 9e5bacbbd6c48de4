// The built-in bench, `lumen-sample` (our own 16 two-turn questions, two per MT-bench category, with
// reference answers for math, reasoning and coding), and our own judge prompts with FastChat's names,
// variables and verdict formats. Also where FastChat's own files live, for users who are online.
import { z } from 'zod';
import { LumenError } from '../protocol/errors';
import prompts from './data/judge-prompts.json' with { type: 'json' };
import sample from './data/lumen-sample.json' with { type: 'json' };
import { toJsonl } from './jsonl';
import { JudgePromptSchema, ModelAnswerSchema, QuestionSchema, type JudgePrompt, type ModelAnswerLine, type Question } from './schemas';

export type BuiltinBench = {
	name: string;
	description: string;
	questions: Question[];
	/** The model id of the reference answers; their file is `reference_answer/<referenceModel>.jsonl`. */
	referenceModel: string;
	referenceAnswers: ModelAnswerLine[];
	judgePrompts: JudgePrompt[];
};

const SampleSchema = z.object({
	name: z.string(),
	description: z.string(),
	reference_model: z.string(),
	questions: z.array(QuestionSchema),
	reference_answers: z.array(ModelAnswerSchema)
});

let cached: BuiltinBench | undefined;

/** The built-in bench, validated on first use. */
export function lumenSample(): BuiltinBench {
	if (cached) return cached;
	const bench = SampleSchema.safeParse(sample);
	const judge = z.array(JudgePromptSchema).safeParse(prompts);
	if (!bench.success || !judge.success) throw new LumenError('internal', 'The built-in lumen-sample bench does not match its schema. This is a bug in Lumen.', false);
	cached = {
		name: bench.data.name,
		description: bench.data.description,
		questions: bench.data.questions,
		referenceModel: bench.data.reference_model,
		referenceAnswers: bench.data.reference_answers,
		judgePrompts: judge.data
	};
	return cached;
}

/** Lumen's judge prompts (FastChat's names and conventions, our own words). */
export function builtinJudgePrompts(): JudgePrompt[] {
	return lumenSample().judgePrompts;
}

export const BUILTIN_BENCHES = ['lumen-sample'] as const;

/**
 * The built-in bench as the files of a bench folder, paths relative to it (FastChat's layout; the judge
 * prompts, which FastChat keeps one folder up in `data/judge_prompts.jsonl`, go inside the bench folder).
 */
export function builtinBenchFiles(): Record<string, string> {
	const bench = lumenSample();
	return {
		'question.jsonl': toJsonl(bench.questions),
		[`reference_answer/${bench.referenceModel}.jsonl`]: toJsonl(bench.referenceAnswers),
		'judge_prompts.jsonl': toJsonl(bench.judgePrompts)
	};
}

/** FastChat's own MT-bench files (their texts are FastChat's, so Lumen does not ship them; fetch them when online). */
export const FASTCHAT_FILES = {
	questions: 'https://raw.githubusercontent.com/lm-sys/FastChat/main/fastchat/llm_judge/data/mt_bench/question.jsonl',
	judgePrompts: 'https://raw.githubusercontent.com/lm-sys/FastChat/main/fastchat/llm_judge/data/judge_prompts.jsonl',
	referenceAnswers: 'https://raw.githubusercontent.com/lm-sys/FastChat/main/fastchat/llm_judge/data/mt_bench/reference_answer/gpt-4.jsonl'
} as const;
