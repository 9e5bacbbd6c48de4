// One fuzz session, as `npm run fuzz` and its unit test run it: build the test models if needed, start
// `lumen serve`, calibrate prompt sizes on the real model, fuzz, then prove a real chat (the official
// openai client, streamed and not) still works and the process is still alive.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { buildModels, DEFAULT_OUT_DIR } from '../model-builder/build';
import { runFuzz, type KindReport } from './fuzz';
import { startLumenServe, type ServedLumen } from './serve';

export type SessionOptions = { requests: number; seed: number; concurrency: number; model: string; onProgress?(done: number, total: number): void };
export type SessionResult = { reports: KindReport[]; problems: string[]; served: Pick<ServedLumen, 'url' | 'logFile' | 'webDir'>; seconds: number };

/** Contents of files outside the web app (and the secret): none may ever appear in a response. */
function forbiddenMarkers(secret: string): string[] {
	return [secret, '"devDependencies"', 'SQLite format 3', '/e2e/.profiles/', "await import('./lumen.ts')"];
}

function contextLengthOf(model: string): number {
	try {
		const config = JSON.parse(readFileSync(join(DEFAULT_OUT_DIR, model, 'config.json'), 'utf8')) as { max_position_embeddings?: number };
		return config.max_position_embeddings ?? 2048;
	} catch {
		return 2048;
	}
}

/** Fits prompt tokens = a + b × words on two real requests, so prompts can be sized in tokens. */
async function calibrate(client: OpenAI, model: string): Promise<(tokens: number) => string> {
	const tokensFor = async (words: number) =>
		(await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'word '.repeat(words) }], max_tokens: 1 })).usage?.prompt_tokens ?? NaN;
	const [a, b] = [await tokensFor(10), await tokensFor(210)];
	const perWord = (b - a) / 200;
	if (!(perWord > 0)) throw new Error(`cannot calibrate prompt sizes: ${a} and ${b} prompt tokens`);
	const fixed = a - 10 * perWord;
	return (tokens) => 'word '.repeat(Math.max(1, Math.round((tokens - fixed) / perWord)));
}

/** The server is still useful: the official client gets a whole answer and a whole stream. */
async function realChatWorks(client: OpenAI, model: string): Promise<string[]> {
	const problems: string[] = [];
	const messages = [{ role: 'user' as const, content: 'Are you still there?' }];
	try {
		const answer = await client.chat.completions.create({ model, messages, max_tokens: 8 });
		if (!answer.choices[0]?.message.content) problems.push('after the fuzz, a real chat request came back empty');
	} catch (err) {
		problems.push(`after the fuzz, a real chat request failed: ${(err as Error).message}`);
	}
	try {
		let text = '';
		let finish: string | null = null;
		for await (const chunk of await client.chat.completions.create({ model, messages, max_tokens: 8, stream: true })) {
			text += chunk.choices[0]?.delta.content ?? '';
			finish = chunk.choices[0]?.finish_reason ?? finish;
		}
		if (!text || !finish) problems.push('after the fuzz, a real streamed chat ended without text or finish_reason');
	} catch (err) {
		problems.push(`after the fuzz, a real streamed chat failed: ${(err as Error).message}`);
	}
	return problems;
}

export async function fuzzLumenServe(o: SessionOptions): Promise<SessionResult> {
	buildModels({ outDir: DEFAULT_OUT_DIR });
	const started = performance.now();
	const served = await startLumenServe(o.model);
	let failed = true;
	try {
		const client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
		const promptOfTokens = await calibrate(client, o.model);
		const reports = await runFuzz({
			port: served.port,
			model: o.model,
			secret: served.secret,
			secretFile: served.secretFile,
			contextLength: contextLengthOf(o.model),
			forbidden: forbiddenMarkers(served.secret),
			requests: o.requests,
			seed: o.seed,
			concurrency: o.concurrency,
			promptOfTokens,
			alive: served.alive,
			onProgress: o.onProgress
		});
		const problems: string[] = [];
		if (!served.alive()) problems.push(`lumen serve died during the fuzz (exit ${served.process.exitCode ?? served.process.signalCode})`);
		else problems.push(...(await realChatWorks(client, o.model)));
		if (problems.length === 0 && !served.alive()) problems.push('lumen serve died after the fuzz');
		failed = problems.length > 0 || reports.some((r) => r.problems.size > 0);
		return { reports, problems, served: { url: served.url, logFile: served.logFile, webDir: served.webDir }, seconds: (performance.now() - started) / 1000 };
	} finally {
		// The server's log is kept when something went wrong: the report names it.
		await served.stop({ keepLog: failed });
	}
}
