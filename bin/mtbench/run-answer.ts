// `lumen mtbench answer`: one model answers a bench's questions (FastChat's gen_model_answer.py /
// gen_api_answer.py) through a coordinator or in this process, appending to model_answer/<model>.jsonl.
import { join } from 'node:path';
import { LumenError } from '#protocol/errors';
import { OpenAIClient } from '#protocol/openai-client';
import { QuestionSchema, ModelAnswerSchema, benchPaths, generateAnswers, openAIChat, parseJsonl, reorgAnswers, toJsonl, type ChatFn } from '#mtbench/index';
import { localEngine } from '../chat/chat-engines';
import { ensureBench, jsonlAppender, readJsonlIfExists, readText, writeText } from './bench-dir';
import { progressLine, throttledPrinter, type Out } from './progress';

export type AnswerArgs = {
	benchDir: string;
	model: string;
	coordinator?: string;
	apiKey?: string;
	parallel: number;
	maxNewToken: number;
	threads?: number;
	signal?: AbortSignal;
};

export type AnswerOutcome = { written: number; skipped: number; failed: number; file: string };

async function chatFor(args: AnswerArgs, err: Out): Promise<{ chat: ChatFn; close: () => Promise<void> }> {
	if (args.coordinator) {
		const client = new OpenAIClient({ url: args.coordinator, apiKey: args.apiKey, label: 'coordinator', keyHint: 'Pass the right key with --api-key or LUMEN_API_KEY.' });
		const served = (await client.listModels({ signal: args.signal })).map((m) => m.id);
		if (!served.includes(args.model))
			throw new LumenError('model_not_found', `${client.server} does not serve ${args.model}${served.length ? ` (it serves ${served.join(', ')})` : ' (it serves no models yet)'}. Pick one of those, or start a worker for it.`, false);
		return { chat: openAIChat(client, args.model), close: async () => undefined };
	}
	err.write(`Loading ${args.model} in this process (pass --coordinator to use a server)…\n`);
	const engine = await localEngine(args.model, args.threads);
	const chat: ChatFn = async (messages, { temperature, maxTokens, signal }) => {
		let text = '';
		for await (const chunk of engine.chat({ messages, temperature, max_tokens: maxTokens }, signal ?? new AbortController().signal)) text += chunk.choices[0]?.delta.content ?? '';
		if (signal?.aborted) throw new LumenError('aborted', 'Stopped.', true);
		return text;
	};
	return { chat, close: () => engine.close() };
}

export async function runAnswer(args: AnswerArgs, err: Out = process.stderr): Promise<AnswerOutcome> {
	await ensureBench(args.benchDir, (line) => err.write(line + '\n'));
	const questions = parseJsonl(await readText(join(args.benchDir, benchPaths.questions), 'The question file'), QuestionSchema, benchPaths.questions);
	const file = join(args.benchDir, benchPaths.answer(args.model));
	const existing = await readJsonlIfExists(file, ModelAnswerSchema);
	const answered = new Set(existing.map((a) => String(a.question_id)));
	const todo = questions.filter((q) => !answered.has(String(q.question_id))).length;
	err.write(`${args.model}: ${todo} of ${questions.length} questions to answer (${questions.length - todo} already in ${file}), at most ${args.maxNewToken} new tokens a turn, ${args.parallel} at a time.\n`);
	if (todo === 0) return { written: 0, skipped: questions.length, failed: 0, file };

	const { chat, close } = await chatFor(args, err);
	const started = Date.now();
	const print = throttledPrinter(err);
	try {
		const summary = await generateAnswers({
			questions,
			model: args.model,
			chat,
			answered: existing.map((a) => a.question_id),
			appendAnswer: jsonlAppender(file),
			maxNewTokens: args.maxNewToken,
			parallel: args.parallel,
			signal: args.signal,
			onRetry: ({ attempt, delayMs, error }) => err.write(`  retry ${attempt} in ${delayMs} ms: ${error.message}\n`),
			onProgress: (p) => print(progressLine(`answer ${args.model}`, p.done, p.total, `, ${p.failed} failed`, started), p.done === p.total)
		});
		for (const f of summary.failed) err.write(`  question ${f.questionId} failed: ${f.error.message}\n`);
		return { written: summary.written, skipped: summary.skipped, failed: summary.failed.length, file };
	} finally {
		await close();
		// FastChat's reorg_answer_file: one line per question, in id order (also after a stopped run).
		const all = await readJsonlIfExists(file, ModelAnswerSchema);
		if (all.length) await writeText(file, toJsonl(reorgAnswers(all)));
	}
}
