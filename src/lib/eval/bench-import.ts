// Files a person brings to the /eval page (a bench folder, loose files, or URLs such as FastChat's own
// files) sorted into FastChat's bench layout by their paths, and checked line by line: a bad line is an
// error naming the file and the line, and nothing of that import is kept.
import { z } from 'zod';
import {
	ModelAnswerSchema,
	PairJudgmentSchema,
	QuestionSchema,
	SingleJudgmentSchema,
	VoteSchema,
	benchPaths,
	parseJsonl,
	parseJudgePrompts,
	votesFromPairJudgments,
	type ModelAnswerLine,
	type Vote
} from '$lib/mtbench';
import { LumenError, stopped } from '$lib/protocol/errors';
import type { JudgmentLine } from './workspace-store';

/** A picked file: its path inside the picked folder (`mt_bench/model_answer/x.jsonl`) or just its name. */
export type PickedFile = { path: string; text: string };

export type BenchImport = {
	/** Input files by bench path: question.jsonl, judge_prompts.jsonl, reference_answer/<name>.jsonl. */
	files: Map<string, string>;
	/** Answer lines by model (the file name, as FastChat's loader takes it). */
	answers: Map<string, ModelAnswerLine[]>;
	/** Judgment lines by bench path (model_judgment/<judge>_single.jsonl or _pair.jsonl). */
	judgments: Map<string, JudgmentLine[]>;
	/** The folder that held question.jsonl, when the import has one: the new bench's name. */
	benchName?: string;
	/** Files that are not part of a bench (other extensions, unknown folders). */
	ignored: string[];
};

const JudgmentLineSchema = z.union([SingleJudgmentSchema, PairJudgmentSchema]);

type Place =
	| { kind: 'questions' | 'judgePrompts' }
	| { kind: 'reference' | 'answer' | 'judgment'; name: string }
	| { kind: 'ignored' };

/**
 * Where a file goes, by FastChat's names: question.jsonl and judge_prompts.jsonl by name, others by the
 * folder they are in (model_answer/, reference_answer/, model_judgment/). A loose file (no folder) named
 * `…_single.jsonl` or `…_pair.jsonl` is a judgment file, any other loose `.jsonl` a model's answers.
 */
export function placeOf(path: string): Place {
	const parts = path.replaceAll('\\', '/').split('/').filter(Boolean);
	const base = parts.at(-1) ?? '';
	const parent = parts.at(-2);
	if (!base.endsWith('.jsonl')) return { kind: 'ignored' };
	const name = base.slice(0, -'.jsonl'.length);
	if (base === benchPaths.questions) return { kind: 'questions' };
	if (base === benchPaths.judgePrompts) return { kind: 'judgePrompts' };
	if (parent === benchPaths.answers) return { kind: 'answer', name };
	if (parent === benchPaths.references) return { kind: 'reference', name };
	if (parent === benchPaths.judgments || (parent === undefined && /_(single|pair)$/.test(name))) return { kind: 'judgment', name };
	if (parent === undefined) return { kind: 'answer', name };
	return { kind: 'ignored' };
}

/** Sorts and checks picked files. Throws a `bad_request` LumenError naming the file (and line) at fault. */
export function classifyFiles(picked: readonly PickedFile[]): BenchImport {
	const out: BenchImport = { files: new Map(), answers: new Map(), judgments: new Map(), ignored: [] };
	const questionFiles = picked.filter((f) => placeOf(f.path).kind === 'questions');
	if (questionFiles.length > 1)
		throw new LumenError('bad_request', `These files hold more than one bench (${questionFiles.map((f) => f.path).join(', ')}). Import one bench folder at a time, e.g. data/mt_bench.`, false);
	for (const { path, text } of picked) {
		const place = placeOf(path);
		switch (place.kind) {
			case 'questions': {
				if (parseJsonl(text, QuestionSchema, path).length === 0) throw new LumenError('bad_request', `${path} has no questions.`, false);
				out.files.set(benchPaths.questions, text);
				const folder = path.replaceAll('\\', '/').split('/').filter(Boolean).at(-2);
				if (folder) out.benchName = folder;
				break;
			}
			case 'judgePrompts':
				parseJudgePrompts(text, path);
				out.files.set(benchPaths.judgePrompts, text);
				break;
			case 'reference':
				parseJsonl(text, ModelAnswerSchema, path);
				out.files.set(`${benchPaths.references}/${place.name}.jsonl`, text);
				break;
			case 'answer':
				out.answers.set(place.name, parseJsonl(text, ModelAnswerSchema, path));
				break;
			case 'judgment':
				out.judgments.set(`${benchPaths.judgments}/${place.name}.jsonl`, parseJsonl(text, JudgmentLineSchema, path));
				break;
			default:
				out.ignored.push(path);
		}
	}
	return out;
}

/** What an import adds, in words ("question.jsonl, answers of 2 models, 1 judgment file"). */
export function describeImport(result: BenchImport): string {
	const parts = [...result.files.keys()];
	if (result.answers.size) parts.push(`answers of ${result.answers.size} model${result.answers.size > 1 ? 's' : ''} (${[...result.answers.keys()].join(', ')})`);
	if (result.judgments.size) parts.push(`${result.judgments.size} judgment file${result.judgments.size > 1 ? 's' : ''}`);
	const ignored = result.ignored.length ? ` Left out ${result.ignored.length} file(s) that are not part of a bench (first: ${result.ignored[0]}).` : '';
	return `${parts.length ? parts.join(', ') : 'nothing'}.${ignored}`;
}

/** URLs of a bench's files; only the questions are required (the built-in judge prompts are used otherwise). */
export type UrlSource = { questions: string; judgePrompts?: string; references?: string };

/**
 * Downloads a bench's files (FastChat's own, when online) as picked files: the reference file keeps its name
 * (FastChat's is gpt-4.jsonl, the judge it belongs to). A failure names the URL and what to do instead.
 */
export async function fetchBenchFiles(source: UrlSource, options: { fetch?: typeof fetch; signal?: AbortSignal } = {}): Promise<PickedFile[]> {
	const get = options.fetch ?? ((input, init) => fetch(input, init));
	const wanted: [string, string][] = [[source.questions, benchPaths.questions]];
	if (source.judgePrompts) wanted.push([source.judgePrompts, benchPaths.judgePrompts]);
	if (source.references) wanted.push([source.references, `${benchPaths.references}/${urlBaseName(source.references)}`]);
	return Promise.all(
		wanted.map(async ([url, path]) => {
			let parsed: URL;
			try {
				parsed = new URL(url.trim());
			} catch {
				throw new LumenError('bad_request', `"${url}" is not a URL. Give a full address starting with https://.`, false);
			}
			let res: Response;
			try {
				res = await get(parsed, { signal: options.signal });
			} catch (err) {
				if (options.signal?.aborted) throw stopped();
				const why = err instanceof Error ? err.message : String(err);
				throw new LumenError('network', `Could not download ${parsed.href} (${why}). You may be offline, or that server does not let web pages read the file; import the files from disk instead.`, true);
			}
			if (!res.ok) throw new LumenError(res.status === 404 ? 'bad_request' : 'network', `${parsed.href} answered HTTP ${res.status}. Check the address.`, res.status >= 500);
			return { path, text: await res.text() };
		})
	);
}

function urlBaseName(url: string): string {
	const name = url.split(/[?#]/)[0].split('/').filter(Boolean).at(-1) ?? 'reference.jsonl';
	return name.endsWith('.jsonl') ? name : `${name}.jsonl`;
}

/**
 * The votes in a second judge's file, for agreement: another judge's `_pair.jsonl` (read as show_result counts
 * it), or FastChat's vote files (human judgments: a JSON array or JSON lines of question_id, model_a, model_b,
 * winner, judge, turn). Throws a `bad_request` LumenError naming the file.
 */
export function readVotes(text: string, name: string): Vote[] {
	let votes: Vote[];
	if (text.trimStart().startsWith('[')) {
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch (err) {
			throw new LumenError('bad_request', `${name} is not valid JSON (${(err as Error).message}).`, false);
		}
		const parsed = VoteSchema.array().safeParse(value);
		if (!parsed.success) throw new LumenError('bad_request', `${name} is a JSON array, but not of votes (question_id, model_a, model_b, winner, judge, turn).`, false);
		votes = parsed.data;
	} else {
		const firstLine = text.split('\n').find((l) => l.trim() !== '') ?? '';
		votes = firstLine.includes('"model_1"') ? votesFromPairJudgments(parseJsonl(text, PairJudgmentSchema, name)) : parseJsonl(text, VoteSchema, name);
	}
	if (votes.length === 0) throw new LumenError('bad_request', `${name} has no pairwise votes to compare.`, false);
	return votes;
}
