// MT-bench (FastChat's llm_judge) as a pure library: no DOM, no Node; the /eval page and `lumen mtbench` share it.
//
// Public API
// ----------
// Files, in FastChat's formats and field names (schemas.ts, jsonl.ts, bench.ts):
//   QuestionSchema, ModelAnswerSchema, SingleJudgmentSchema, PairJudgmentSchema, JudgePromptSchema, VoteSchema
//     zod schemas for question.jsonl, model_answer/<model>.jsonl (and reference_answer/<judge>.jsonl),
//     model_judgment/<judge>_single.jsonl, <judge>_pair.jsonl, judge_prompts.jsonl, compute_agreement vote files.
//     Types: Question, ModelAnswer (what we write) / ModelAnswerLine (what we read), SingleJudgment, PairJudgment, JudgePrompt, Vote.
//   parseJsonl(text, schema, fileName) → records, or a bad_request LumenError "<file> line N: <what>";
//   parseJsonlLines(text, schema) → { records, issues[] } (lenient); toJsonl(records) → text.
//   benchPaths: FastChat's relative paths (answer(model), reference(judge), judgment(judge, mode), …); fileSafe(name).
//   loadBench({ questions, answers: {model: text}, references?: {name: text}, judgePrompts? }, { judgeModel }) → BenchData.
// Built-in bench (builtin.ts): lumenSample() → { questions, referenceAnswers, referenceModel, judgePrompts };
//   builtinJudgePrompts(); builtinBenchFiles() → { 'question.jsonl': text, … }; FASTCHAT_FILES (URLs of FastChat's own files).
// FastChat's constants (constants.ts): TEMPERATURE_CONFIG, temperatureFor(category), NEED_REF_CATS, needsReference(),
//   TIE_DELTA, DEFAULT_MAX_NEW_TOKENS (1024), JUDGE_MAX_TOKENS (2048), SINGLE_PROMPTS, PAIR_PROMPTS, MODES, CATEGORIES.
// Verdicts (verdict.ts): parseRating(text) → number | -1; parsePairVerdict(text, outputFormat) → 'A' | 'B' | 'tie' | 'error'.
// Prompts (prompts.ts): formatTemplate(template, values) (Python str.format), singleValues(), pairValues(), fillPrompt(), judgeMessages().
// Matches (matches.ts): buildMatches(bench, { mode, judgeModel, models?, baselineModel? }) → Match[] in FastChat's order;
//   checkData(); singleGame(match) / pairGame(match, 1 | 2) → { userPrompt, messages }; gameWinner(); matchKey(), judgmentKey();
//   singleJudgmentRecord(), pairJudgmentRecord() → the lines FastChat writes.
// Runners (answer.ts, judge.ts), engine-agnostic: they take a ChatFn = (messages, { temperature, maxTokens, signal }) => Promise<string>
//   and an append callback (a file in Node, IndexedDB in the page):
//   generateAnswers({ questions, model, chat, answered?, appendAnswer, maxNewTokens = 1024, parallel = 1, retries, backoffMs,
//     onProgress, signal }) → { written, skipped, failed[] }   (per-category temperature; turn 2 sees turn 1; skips answered ids)
//   countJudgeCalls(matches, existing) → { matches, skipped, calls }   (the cost to show before judging)
//   judge({ matches, chat, existing?, appendJudgment, parallel = 1, retries = 4, backoffMs = 1000, maxTokens = 2048,
//     onProgress, signal }) → { written, skipped, failed[] }   (temperature 0; two games per pair; skips judged matches)
//   Failures: a call still failing after its retries is reported in `failed` and not written (a rerun retries it);
//   `unauthorized`, `model_not_found` and aborts stop the run with that LumenError. reorgAnswers() sorts and dedupes answers.
//   openAIChat(client: OpenAIClient, model) → ChatFn over the one OpenAI client.
// Results (results.ts, agreement.ts): showSingle(judgments) → { mode, rows: [{ model, turn1, turn2, average }] };
//   showPairwise(judgments, { mode, baselineModel }) → { mode, rows: [{ model, win, loss, tie, win_rate, loss_rate, win_rate_adjusted }] };
//   showResult(mode, judgments, options); pairOutcome(g1, g2); categoryScores(judgments, questions) for the radar chart;
//   votesFromPairJudgments(judgments), computeAgreement(votes1, votes2) → per turn { withTie, withoutTie: { agree, total, ratio } }.
export * from './schemas';
export * from './jsonl';
export * from './constants';
export * from './verdict';
export * from './prompts';
export * from './matches';
export * from './bench';
export * from './builtin';
export * from './answer';
export * from './judge';
export * from './results';
export * from './agreement';
export * from './openai-chat';
export { withRetries, runPool, shortId, type ChatFn, type ChatOptions, type RetryOptions } from './run-support';
