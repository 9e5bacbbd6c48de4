// Answer generation (FastChat's gen_model_answer.py / gen_api_answer.py): each question's turns in order,
// turn 2 seeing turn 1's answer, at the category's temperature, at most `maxNewTokens` new tokens a turn.
// Questions already answered are skipped, so a stopped run resumes where it was.
import type { LumenError } from '../protocol/errors';
import type { ChatMessage } from '../protocol/openai';
import { DEFAULT_MAX_NEW_TOKENS, temperatureFor } from './constants';
import { qidKey } from './matches';
import { abortedError, isFatal, nowSeconds, runPool, serialWriter, shortId, withRetries, type ChatFn, type RetryOptions } from './run-support';
import type { ModelAnswer, Question, QuestionId } from './schemas';

export type AnswerProgress = { done: number; total: number; failed: number; skipped: number; questionId: QuestionId };

export type GenerateAnswersOptions = RetryOptions & {
	questions: readonly Question[];
	/** Written as `model_id`; the answer file is `model_answer/<model>.jsonl`. */
	model: string;
	chat: ChatFn;
	/** Question ids already answered (or the answers themselves): these are skipped. */
	answered?: Iterable<QuestionId>;
	/** Called once per finished question, in the order they finish. */
	appendAnswer: (answer: ModelAnswer) => Promise<void> | void;
	maxNewTokens?: number;
	/** Questions answered at once (default 1). */
	parallel?: number;
	onProgress?: (progress: AnswerProgress) => void;
	signal?: AbortSignal;
};

export type RunSummary = { written: number; skipped: number; failed: { questionId: QuestionId; error: LumenError }[] };

/** The messages of turn `turn` (0-based): every earlier question and answer, then this question. */
export function turnMessages(question: Question, answers: readonly string[], turn: number): ChatMessage[] {
	const messages: ChatMessage[] = [];
	for (let t = 0; t < turn; t++) messages.push({ role: 'user', content: question.turns[t] }, { role: 'assistant', content: answers[t] });
	messages.push({ role: 'user', content: question.turns[turn] });
	return messages;
}

/**
 * Answers every question not yet answered. A question whose call still fails after the retries is reported in
 * `failed` and left unanswered (run again to retry it); a refused key, an unknown model or an abort stops the run.
 */
export async function generateAnswers(options: GenerateAnswersOptions): Promise<RunSummary> {
	const done = new Set([...(options.answered ?? [])].map(qidKey));
	const todo = options.questions.filter((q) => !done.has(qidKey(q.question_id)));
	const skipped = options.questions.length - todo.length;
	const maxTokens = options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
	const writer = serialWriter(options.appendAnswer);
	const summary: RunSummary = { written: 0, skipped, failed: [] };
	const report = (questionId: QuestionId) =>
		options.onProgress?.({ done: summary.written + summary.failed.length, total: todo.length, failed: summary.failed.length, skipped, questionId });

	await runPool(
		todo,
		options.parallel ?? 1,
		async (question, signal) => {
			const temperature = temperatureFor(question.category);
			const turns: string[] = [];
			try {
				for (let t = 0; t < question.turns.length; t++) {
					const messages = turnMessages(question, turns, t);
					// FastChat strips each output before it is stored and shown to the next turn.
					turns.push((await withRetries(() => options.chat(messages, { temperature, maxTokens, signal }), { ...options, signal })).trim());
				}
			} catch (err) {
				const error = err as LumenError;
				if (isFatal(error) || signal.aborted) throw error;
				summary.failed.push({ questionId: question.question_id, error });
				report(question.question_id);
				return;
			}
			if (signal.aborted) throw abortedError(signal);
			await writer.write({ question_id: question.question_id, answer_id: shortId(), model_id: options.model, choices: [{ index: 0, turns }], tstamp: nowSeconds() });
			summary.written++;
			report(question.question_id);
		},
		options.signal
	);
	return summary;
}

/** FastChat's reorg_answer_file: one answer per question (the last written wins), in question-id order. */
export function reorgAnswers<T extends { question_id: QuestionId }>(answers: readonly T[]): T[] {
	const byId = new Map(answers.map((a) => [qidKey(a.question_id), a]));
	return [...byId.values()].sort((a, b) => compareIds(a.question_id, b.question_id));
}

function compareIds(a: QuestionId, b: QuestionId): number {
	if (typeof a === 'number' && typeof b === 'number') return a - b;
	return String(a).localeCompare(String(b), undefined, { numeric: true });
}
