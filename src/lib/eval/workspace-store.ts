// The /eval page's workspace in IndexedDB: the bench's input files, every answer and judgment line (each
// written the moment it is finished, one record each), and the run's settings and phase. A reload or a
// closed tab finds all of it again, so nothing finished is ever redone. Reads are validated; an unreadable
// record is left out (and counted), never allowed to break the page.
import { z } from 'zod';
import {
	MODES,
	ModelAnswerSchema,
	PairJudgmentSchema,
	SingleJudgmentSchema,
	judgmentKey,
	qidKey,
	type ModelAnswerLine,
	type PairJudgmentLine,
	type SingleJudgmentLine
} from '$lib/mtbench';
import { guard, idbStore, type KeyValueStore } from '$lib/storage/kv';

export const EVAL_STATE_VERSION = 1;

/**
 * Where a model's tokens come from. `app`: this app's model picker (a model in this browser, or one the
 * coordinator configured in Settings serves). `url`: any OpenAI-compatible server, with its key (kept in
 * this browser's IndexedDB as plain text, like the coordinator key in Settings).
 */
export const EngineRefSchema = z.discriminatedUnion('kind', [
	z.object({ kind: z.literal('app'), id: z.string().min(1) }),
	z.object({ kind: z.literal('url'), id: z.string().min(1), url: z.string().min(1), apiKey: z.string().min(1).optional() })
]);
export type EngineRef = z.infer<typeof EngineRefSchema>;

export const RunSettingsSchema = z.object({
	/** Models that write answers, in order. */
	answerers: z.array(EngineRefSchema),
	/** Models with answers that the person left out of judging. */
	skipModels: z.array(z.string()),
	judge: EngineRefSchema.nullable(),
	mode: z.enum(MODES),
	baselineModel: z.string().optional(),
	/** Calls at once (a model in this browser still answers one at a time). */
	parallel: z.number().int().min(1).max(64),
	maxNewTokens: z.number().int().min(1).max(32_768),
	judgeMaxTokens: z.number().int().min(1).max(32_768)
});
export type RunSettings = z.infer<typeof RunSettingsSchema>;

export const PHASES = ['setup', 'answering', 'judging', 'done'] as const;
export type Phase = (typeof PHASES)[number];

export const EvalStateSchema = z.object({
	version: z.literal(EVAL_STATE_VERSION),
	bench: z.object({ name: z.string().min(1), source: z.enum(['builtin', 'files', 'url']) }),
	settings: RunSettingsSchema,
	/** `answering` or `judging` with no run on screen means the run was stopped or its tab closed: it can resume. */
	phase: z.enum(PHASES),
	updatedAt: z.number()
});
export type EvalState = z.infer<typeof EvalStateSchema>;

export const DEFAULT_SETTINGS: RunSettings = {
	answerers: [],
	skipModels: [],
	judge: null,
	mode: 'single',
	parallel: 4,
	maxNewTokens: 1024,
	judgeMaxTokens: 2048
};

export type JudgmentLine = SingleJudgmentLine | PairJudgmentLine;

/** Everything the workspace holds. Answers by model, then by question id; judgment lines by file path, then by judgmentKey. */
export type WorkspaceData = {
	state: EvalState | null;
	/** Input files by path in the bench folder: question.jsonl, judge_prompts.jsonl, reference_answer/*.jsonl. */
	files: Map<string, string>;
	answers: Map<string, Map<string, ModelAnswerLine>>;
	judgments: Map<string, Map<string, JudgmentLine>>;
	/** Records that could not be read back (left out). */
	unreadable: number;
};

export const defaultEvalStore: KeyValueStore = idbStore('lumen-eval', 'workspace');

const STATE_KEY = 'state';
const fileKey = (path: string) => JSON.stringify(['file', path]);
const answerKey = (model: string, qid: string) => JSON.stringify(['answer', model, qid]);
const judgmentStoreKey = (path: string, key: string) => JSON.stringify(['judgment', path, key]);

/** A judgment line's kind from its fields: single grading names `model`, a pair `model_1` and `model_2`. */
export function parseJudgmentLine(value: unknown): JudgmentLine | null {
	const single = SingleJudgmentSchema.safeParse(value);
	if (single.success) return single.data;
	const pair = PairJudgmentSchema.safeParse(value);
	return pair.success ? pair.data : null;
}

export async function loadWorkspace(store: KeyValueStore = defaultEvalStore): Promise<WorkspaceData> {
	const data: WorkspaceData = { state: null, files: new Map(), answers: new Map(), judgments: new Map(), unreadable: 0 };
	for (const [key, value] of await guard(() => store.entries())) {
		if (key === STATE_KEY) {
			const state = EvalStateSchema.safeParse(value);
			if (state.success) data.state = state.data;
			else data.unreadable++;
			continue;
		}
		let parts: unknown;
		try {
			parts = JSON.parse(key);
		} catch {
			continue;
		}
		if (!Array.isArray(parts)) continue;
		const [kind, a, b] = parts as unknown[];
		if (kind === 'file' && typeof a === 'string' && typeof value === 'string') data.files.set(a, value);
		else if (kind === 'answer' && typeof a === 'string' && typeof b === 'string') {
			const answer = ModelAnswerSchema.safeParse(value);
			if (answer.success) mapOf(data.answers, a).set(b, answer.data);
			else data.unreadable++;
		} else if (kind === 'judgment' && typeof a === 'string' && typeof b === 'string') {
			const line = parseJudgmentLine(value);
			if (line) mapOf(data.judgments, a).set(b, line);
			else data.unreadable++;
		}
	}
	return data;
}

export function mapOf<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
	let inner = outer.get(key);
	if (!inner) outer.set(key, (inner = new Map()));
	return inner;
}

export async function saveState(state: EvalState, store: KeyValueStore = defaultEvalStore): Promise<void> {
	const parsed = EvalStateSchema.parse(state);
	await guard(() => store.set(STATE_KEY, parsed));
}

/** Input files (question.jsonl, judge prompts, references), replacing any of the same path. */
export async function putFiles(files: ReadonlyMap<string, string>, store: KeyValueStore = defaultEvalStore): Promise<void> {
	await guard(() => store.setMany([...files].map(([path, text]) => [fileKey(path), text] as const)));
}

/** Answer lines of one model, in one transaction; a later line for a question replaces the earlier one. */
export async function putAnswers(model: string, answers: readonly ModelAnswerLine[], store: KeyValueStore = defaultEvalStore): Promise<void> {
	await guard(() => store.setMany(answers.map((a) => [answerKey(model, qidKey(a.question_id)), a] as const)));
}

/** Judgment lines of one file, in one transaction, keyed by their match (a judgment of the same match replaces the earlier one). */
export async function putJudgments(path: string, lines: readonly JudgmentLine[], store: KeyValueStore = defaultEvalStore): Promise<void> {
	await guard(() => store.setMany(lines.map((j) => [judgmentStoreKey(path, judgmentKey(j)), j] as const)));
}

/** Removes one model's answers or one judgment file. */
export async function deleteEntries(what: { answersOf?: string; judgmentFile?: string; file?: string }, store: KeyValueStore = defaultEvalStore): Promise<void> {
	const doomed = (await guard(() => store.keys())).filter((key) => {
		if (what.file !== undefined && key === fileKey(what.file)) return true;
		let parts: unknown;
		try {
			parts = JSON.parse(key);
		} catch {
			return false;
		}
		if (!Array.isArray(parts)) return false;
		return (parts[0] === 'answer' && parts[1] === what.answersOf) || (parts[0] === 'judgment' && parts[1] === what.judgmentFile);
	});
	if (doomed.length) await guard(() => store.delMany(doomed));
}

/** Empties the workspace (a new bench replaces the old one). */
export async function clearWorkspace(store: KeyValueStore = defaultEvalStore): Promise<void> {
	const all = await guard(() => store.keys());
	if (all.length) await guard(() => store.delMany(all));
}
