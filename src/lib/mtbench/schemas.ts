// FastChat's MT-bench files as zod schemas, with FastChat's exact field names (fastchat/llm_judge:
// gen_model_answer.py, gen_judgment.py, common.py, data/judge_prompts.jsonl). Reads are lenient where
// FastChat's own readers are (only the fields they use are required; unknown fields are kept), and the
// record types below are what Lumen writes: every field FastChat writes, nothing else.
import { z } from 'zod';

/** FastChat's MT-bench ids are integers; other benches use strings. Both are kept as given. */
export const QuestionIdSchema = z.union([z.number(), z.string().min(1)]);
export type QuestionId = z.infer<typeof QuestionIdSchema>;

/** One line of `question.jsonl`. */
export const QuestionSchema = z.looseObject({
	question_id: QuestionIdSchema,
	category: z.string(),
	turns: z.array(z.string()).min(1)
});
export type Question = z.infer<typeof QuestionSchema>;

export const ChoiceSchema = z.looseObject({ index: z.number().int(), turns: z.array(z.string()) });
export type Choice = z.infer<typeof ChoiceSchema>;

/**
 * One line of `model_answer/<model>.jsonl` or `reference_answer/<judge>.jsonl` (the same shape). FastChat's
 * loaders read only `question_id` and `choices[0].turns`, so the rest is optional on read.
 */
export const ModelAnswerSchema = z.looseObject({
	question_id: QuestionIdSchema,
	answer_id: z.string().optional(),
	model_id: z.string().optional(),
	choices: z.array(ChoiceSchema).min(1),
	tstamp: z.number().optional()
});
export type ModelAnswerLine = z.infer<typeof ModelAnswerSchema>;
/** What Lumen writes for an answer: FastChat's gen_model_answer.py fields. */
export type ModelAnswer = {
	question_id: QuestionId;
	answer_id: string;
	model_id: string;
	choices: { index: number; turns: string[] }[];
	tstamp: number;
};

/** `[judge model, judge prompt name]`: FastChat writes the Python tuple as a JSON array. */
export const JudgeIdSchema = z.tuple([z.string(), z.string()]);
export type JudgeId = z.infer<typeof JudgeIdSchema>;

/** One line of `model_judgment/<judge>_single.jsonl`. */
export const SingleJudgmentSchema = z.looseObject({
	question_id: QuestionIdSchema,
	model: z.string(),
	judge: JudgeIdSchema,
	user_prompt: z.string().optional(),
	judgment: z.string().optional(),
	/** The parsed rating; -1 when the judge's text had none. */
	score: z.number(),
	/** 1 for the first-turn judgment, 2 for the multi-turn one. */
	turn: z.number().int(),
	tstamp: z.number().optional()
});
export type SingleJudgmentLine = z.infer<typeof SingleJudgmentSchema>;
export type SingleJudgment = {
	question_id: QuestionId;
	model: string;
	judge: JudgeId;
	user_prompt: string;
	judgment: string;
	score: number;
	turn: number;
	tstamp: number;
};

/** A game's winner as FastChat records it; `error` when the judge's text had no verdict. */
export type GameWinner = 'model_1' | 'model_2' | 'tie' | 'error';

/**
 * One line of `model_judgment/<judge>_pair.jsonl`: two games with the answers' positions swapped.
 * `turn` is absent from FastChat's files judged with a single-type prompt, so it is optional on read.
 */
export const PairJudgmentSchema = z.looseObject({
	question_id: QuestionIdSchema,
	model_1: z.string(),
	model_2: z.string(),
	g1_winner: z.string(),
	g2_winner: z.string(),
	judge: JudgeIdSchema,
	g1_user_prompt: z.string().optional(),
	g1_judgment: z.string().optional(),
	g2_user_prompt: z.string().optional(),
	g2_judgment: z.string().optional(),
	turn: z.number().int().optional(),
	tstamp: z.number().optional()
});
export type PairJudgmentLine = z.infer<typeof PairJudgmentSchema>;
export type PairJudgment = {
	question_id: QuestionId;
	model_1: string;
	model_2: string;
	g1_winner: GameWinner;
	g2_winner: GameWinner;
	judge: JudgeId;
	g1_user_prompt: string;
	g1_judgment: string;
	g2_user_prompt: string;
	g2_judgment: string;
	turn: number;
	tstamp: number;
};

/** How a judge prompt says its verdict must be written (FastChat's `output_format`). */
export const OutputFormats = ['[[rating]]', '[[A]]', '[[rating_a,rating_b]]'] as const;
export type OutputFormat = (typeof OutputFormats)[number];

/** One line of a judge-prompt file (FastChat's `data/judge_prompts.jsonl`). */
export const JudgePromptSchema = z.looseObject({
	name: z.string().min(1),
	type: z.enum(['single', 'pairwise']),
	system_prompt: z.string(),
	prompt_template: z.string(),
	description: z.string().optional(),
	category: z.string().optional(),
	output_format: z.enum(OutputFormats)
});
export type JudgePrompt = z.infer<typeof JudgePromptSchema>;

/** A human or model vote in FastChat's `compute_agreement.py` vote files (`human_judgments.json`, `gpt4_pair_judgments.json`). */
export const VoteSchema = z.looseObject({
	question_id: QuestionIdSchema,
	model_a: z.string(),
	model_b: z.string(),
	winner: z.string(),
	judge: z.union([z.string(), z.array(z.string())]),
	turn: z.number().int()
});
export type Vote = z.infer<typeof VoteSchema>;
