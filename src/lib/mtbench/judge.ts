// Judging (FastChat's gen_judgment.py): every match not yet on file is played at temperature 0 (a pair is two
// games, the second with the answers' positions swapped), `parallel` judge calls at a time, each retried with
// backoff, and its judgment appended as soon as its games are done, so a stopped run resumes where it was.
import type { LumenError } from '../protocol/errors';
import { JUDGE_MAX_TOKENS, JUDGE_TEMPERATURE } from './constants';
import { judgmentKey, matchKey, pairGame, pairJudgmentRecord, singleGame, singleJudgmentRecord, type Game, type Match } from './matches';
import { abortedError, isFatal, nowSeconds, runPool, serialWriter, withRetries, type ChatFn, type RetryOptions } from './run-support';
import type { PairJudgment, QuestionId, SingleJudgment } from './schemas';

/** A judgment line already on file, as far as resuming needs it. */
export type ExistingJudgment = { question_id: QuestionId; model?: unknown; model_1?: unknown; model_2?: unknown; turn?: number };

export type JudgeCallCount = {
	/** Matches in the run. */
	matches: number;
	/** Matches whose judgment is already on file. */
	skipped: number;
	/** Judge calls still to make: one per single match, two per pair. This is the cost to show before starting. */
	calls: number;
};

/** How many judge calls a run will make, leaving out matches already judged. */
export function countJudgeCalls(matches: readonly Match[], existing: readonly ExistingJudgment[] = []): JudgeCallCount {
	const done = new Set(existing.map(judgmentKey));
	const todo = matches.filter((m) => !done.has(matchKey(m)));
	return { matches: matches.length, skipped: matches.length - todo.length, calls: todo.reduce((n, m) => n + (m.kind === 'pair' ? 2 : 1), 0) };
}

export type JudgeProgress = {
	/** Judge calls finished (answered or given up) of `totalCalls`. */
	doneCalls: number;
	totalCalls: number;
	/** Matches written or failed, of `totalMatches` (the ones not skipped). */
	doneMatches: number;
	totalMatches: number;
	failed: number;
	skipped: number;
};

export type JudgeRunOptions = RetryOptions & {
	matches: readonly Match[];
	/** The judge: called at temperature 0 with the prompt's system text and the filled user text. */
	chat: ChatFn;
	/** Judgments already on file: their matches are skipped. */
	existing?: readonly ExistingJudgment[];
	/** Called once per finished match, in the order they finish. */
	appendJudgment: (judgment: SingleJudgment | PairJudgment) => Promise<void> | void;
	/** Judge calls at once (default 1). */
	parallel?: number;
	/** Longest judgment in tokens (default 2048, as FastChat asks of OpenAI judges). */
	maxTokens?: number;
	onProgress?: (progress: JudgeProgress) => void;
	signal?: AbortSignal;
};

export type JudgeSummary = { written: number; skipped: number; failed: { match: Match; error: LumenError }[] };

type Call = { slot: number; messages: Game['messages'] };
type Pending = { match: Match; games: Game[]; results: (string | undefined)[]; failed: boolean };

/**
 * Plays every match not yet judged. A match whose call still fails after the retries is reported in `failed`
 * and not written (run again to retry it); a refused key, an unknown judge model or an abort stops the run.
 * Prompts are filled for every match before the first call, so a broken template fails at once.
 */
export async function judge(options: JudgeRunOptions): Promise<JudgeSummary> {
	const done = new Set((options.existing ?? []).map(judgmentKey));
	const todo = options.matches.filter((m) => !done.has(matchKey(m)));
	const pending: Pending[] = todo.map((match) => {
		const games = match.kind === 'single' ? [singleGame(match)] : [pairGame(match, 1), pairGame(match, 2)];
		return { match, games, results: games.map(() => undefined), failed: false };
	});
	// One task per call, a match's games side by side, so a match is written as soon as possible.
	const calls: (Call & { pending: Pending })[] = pending.flatMap((p) => p.games.map((g, slot) => ({ slot, messages: g.messages, pending: p })));
	const summary: JudgeSummary = { written: 0, skipped: options.matches.length - todo.length, failed: [] };
	const writer = serialWriter(options.appendJudgment);
	let doneCalls = 0;
	const report = () =>
		options.onProgress?.({
			doneCalls,
			totalCalls: calls.length,
			doneMatches: summary.written + summary.failed.length,
			totalMatches: todo.length,
			failed: summary.failed.length,
			skipped: summary.skipped
		});
	const chatOptions = { temperature: JUDGE_TEMPERATURE, maxTokens: options.maxTokens ?? JUDGE_MAX_TOKENS };

	await runPool(
		calls,
		options.parallel ?? 1,
		async (call, signal) => {
			const p = call.pending;
			if (p.failed) {
				doneCalls++;
				report();
				return;
			}
			try {
				p.results[call.slot] = await withRetries(() => options.chat(call.messages, { ...chatOptions, signal }), { ...options, signal });
			} catch (err) {
				const error = err as LumenError;
				if (isFatal(error) || signal.aborted) throw error;
				if (!p.failed) summary.failed.push({ match: p.match, error });
				p.failed = true;
				doneCalls++;
				report();
				return;
			}
			doneCalls++;
			if (signal.aborted) throw abortedError(signal);
			if (p.results.every((r) => r !== undefined)) {
				const m = p.match;
				const [g1, g2] = p.games;
				const [t1, t2] = p.results as string[];
				await writer.write(m.kind === 'single' ? singleJudgmentRecord(m, g1, t1, nowSeconds()) : pairJudgmentRecord(m, g1, t1, g2, t2, nowSeconds()));
				summary.written++;
			}
			report();
		},
		options.signal
	);
	return summary;
}
