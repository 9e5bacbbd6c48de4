// A bench folder on disk in FastChat's layout: reading its files, starting a new folder from the built-in
// bench, and appending answer and judgment lines (one write per line, so a killed run leaves whole lines).
import { existsSync } from 'node:fs';
import { appendFile, mkdir, open, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { LumenError } from '#protocol/errors';
import { benchPaths, builtinBenchFiles, lumenSample, parseJsonl, type BenchFiles } from '#mtbench/index';
import type { z } from 'zod';

export type Log = (line: string) => void;

async function isEmptyOrMissing(dir: string): Promise<boolean> {
	try {
		return (await readdir(dir)).length === 0;
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
		throw err;
	}
}

/**
 * A folder with a question.jsonl is a bench. A folder that does not exist yet, or is empty, becomes the built-in
 * lumen-sample bench (its questions, reference answers and judge prompts are written there). Anything else is
 * refused: a typo should not scatter sample files into an unrelated folder.
 */
export async function ensureBench(dir: string, log: Log): Promise<void> {
	if (existsSync(join(dir, benchPaths.questions))) return;
	if (!(await isEmptyOrMissing(dir)))
		throw new LumenError(
			'bad_request',
			`${dir} has no question.jsonl. Point --bench-dir at a bench folder (for FastChat's files, the folder holding question.jsonl, e.g. data/mt_bench), or at a new or empty folder to start from the built-in lumen-sample bench.`,
			false
		);
	for (const [path, text] of Object.entries(builtinBenchFiles())) {
		await mkdir(dirname(join(dir, path)), { recursive: true });
		await writeFile(join(dir, path), text);
	}
	log(`${dir} was empty: wrote the built-in ${lumenSample().name} bench there (${lumenSample().questions.length} questions, reference answers, judge prompts).`);
}

export async function readText(path: string, what: string): Promise<string> {
	try {
		return await readFile(path, 'utf8');
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new LumenError('bad_request', `${what} ${path} does not exist.`, false);
		throw new LumenError('internal', `Cannot read ${path}: ${(err as Error).message}`, false);
	}
}

/** Every `*.jsonl` in a folder by name without `.jsonl` (FastChat's load_model_answers); none when it is missing. */
async function jsonlFiles(dir: string): Promise<Record<string, string>> {
	let names: string[];
	try {
		names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
		throw err;
	}
	const out: Record<string, string> = {};
	for (const name of names) out[name.slice(0, -'.jsonl'.length)] = await readFile(join(dir, name), 'utf8');
	return out;
}

/**
 * The judge-prompt file: --judge-file, else `<bench>/judge_prompts.jsonl`, else FastChat's place one folder
 * up (`data/judge_prompts.jsonl` beside `data/mt_bench/`), else Lumen's built-in prompts (undefined).
 */
export function judgePromptPath(dir: string, judgeFile: string | undefined): string | undefined {
	if (judgeFile) return judgeFile;
	for (const p of [join(dir, benchPaths.judgePrompts), join(resolve(dir), '..', benchPaths.judgePrompts)]) if (existsSync(p)) return p;
	return undefined;
}

export async function readBenchDir(dir: string, judgeFile?: string): Promise<BenchFiles & { judgePromptFile?: string }> {
	const promptFile = judgePromptPath(dir, judgeFile);
	return {
		questions: existsSync(join(dir, benchPaths.questions))
			? await readText(join(dir, benchPaths.questions), 'The question file')
			: missingBench(dir),
		answers: await jsonlFiles(join(dir, benchPaths.answers)),
		references: await jsonlFiles(join(dir, benchPaths.references)),
		...(promptFile ? { judgePrompts: await readText(promptFile, 'The judge-prompt file'), judgePromptFile: promptFile } : {})
	};
}

function missingBench(dir: string): never {
	throw new LumenError(
		'bad_request',
		`${dir} has no question.jsonl, so there is nothing to judge. Point --bench-dir at a bench folder, or run \`lumen mtbench answer --bench-dir ${dir} --model …\` first (a new folder gets the built-in lumen-sample bench).`,
		false
	);
}

/** The records of a JSONL file that may not exist yet (none), a bad line being an error naming it. */
export async function readJsonlIfExists<T>(path: string, schema: z.ZodType<T>): Promise<T[]> {
	if (!existsSync(path)) return [];
	return parseJsonl(await readFile(path, 'utf8'), schema, path);
}

/**
 * An appender of JSON lines to `path` (folders created on first use). A file left without a final newline by a
 * killed writer gets one first, so the next record starts on a line of its own.
 */
export function jsonlAppender(path: string): (record: unknown) => Promise<void> {
	let checked = false;
	return async (record) => {
		let prefix = '';
		if (!checked) {
			await mkdir(dirname(path), { recursive: true });
			prefix = (await endsWithoutNewline(path)) ? '\n' : '';
			checked = true;
		}
		await appendFile(path, prefix + JSON.stringify(record) + '\n');
	};
}

async function endsWithoutNewline(path: string): Promise<boolean> {
	let file;
	try {
		file = await open(path, 'r');
	} catch {
		return false;
	}
	try {
		const { size } = await file.stat();
		if (size === 0) return false;
		const last = Buffer.alloc(1);
		await file.read(last, 0, 1, size - 1);
		return last[0] !== 0x0a;
	} finally {
		await file.close();
	}
}

/** Rewrites a whole file (FastChat's reorg of an answer file). */
export async function writeText(path: string, text: string): Promise<void> {
	await mkdir(dirname(path), { recursive: true });
	await writeFile(path, text);
}
