// The bench this page works on, held in memory and written through to IndexedDB (workspace-store.ts):
// every change is stored before it shows, so what the page shows after a reload is what it showed before.
// `revision` changes with every write, so anything the page derives from the workspace (in `$derived`) follows it.
import {
	benchPaths,
	builtinBenchFiles,
	judgmentKey,
	lumenSample,
	parseJsonl,
	QuestionSchema,
	qidKey,
	reorgAnswers,
	toJsonl,
	type BenchFiles,
	type ModelAnswer,
	type ModelAnswerLine,
	type PairJudgment,
	type Question,
	type SingleJudgment
} from '$lib/mtbench';
import type { KeyValueStore } from '$lib/storage/kv';
import type { BenchImport } from './bench-import';
import { Revision } from './revision.svelte';
import {
	DEFAULT_SETTINGS,
	EVAL_STATE_VERSION,
	clearWorkspace,
	defaultEvalStore,
	deleteEntries,
	loadWorkspace,
	mapOf,
	putAnswers,
	putFiles,
	putJudgments,
	saveState,
	type EvalState,
	type JudgmentLine,
	type Phase,
	type RunSettings,
	type WorkspaceData
} from './workspace-store';

export type BenchSource = EvalState['bench'];
export type ExportEntry = { path: string; lines: number };

export class Workspace {
	private readonly changes = new Revision();
	private data: WorkspaceData;
	private parsedQuestions: Question[] = [];

	private constructor(
		data: WorkspaceData,
		private readonly store: KeyValueStore
	) {
		this.data = data;
		this.parseQuestions();
	}

	/** The stored workspace; on a first visit, the built-in bench. */
	static async open(store: KeyValueStore = defaultEvalStore): Promise<Workspace> {
		const ws = new Workspace(await loadWorkspace(store), store);
		if (!ws.data.state || !ws.data.files.has(benchPaths.questions)) await ws.useBuiltin();
		return ws;
	}

	/** Changes with every write: read it inside `$derived` to follow the workspace. */
	get revision(): number {
		return this.changes.value;
	}

	get state(): EvalState {
		void this.changes.value;
		return this.data.state!;
	}
	get settings(): RunSettings {
		return this.state.settings;
	}
	get phase(): Phase {
		return this.state.phase;
	}
	get questions(): Question[] {
		void this.changes.value;
		return this.parsedQuestions;
	}
	/** Records that could not be read back from IndexedDB and were left out. */
	get unreadable(): number {
		return this.data.unreadable;
	}

	/** Models with at least one answer, by name. */
	get answerModels(): string[] {
		void this.changes.value;
		return [...this.data.answers.keys()].sort();
	}

	answeredIds(model: string): string[] {
		void this.changes.value;
		return [...(this.data.answers.get(model)?.keys() ?? [])];
	}

	/** The questions `model` has not answered yet. */
	unanswered(model: string): Question[] {
		const answers = this.answersOf(model);
		return this.questions.filter((q) => !answers.has(qidKey(q.question_id)));
	}

	answersOf(model: string): ReadonlyMap<string, ModelAnswerLine> {
		void this.changes.value;
		return this.data.answers.get(model) ?? new Map();
	}

	/** Judgment files by path (model_judgment/<judge>_single.jsonl, …_pair.jsonl). */
	get judgmentFiles(): string[] {
		void this.changes.value;
		return [...this.data.judgments.keys()].filter((p) => (this.data.judgments.get(p)?.size ?? 0) > 0).sort();
	}

	judgmentsIn(path: string): JudgmentLine[] {
		void this.changes.value;
		return [...(this.data.judgments.get(path)?.values() ?? [])];
	}

	/** The texts loadBench reads (answers as JSON lines, one per question). */
	benchFiles(): BenchFiles {
		const references: Record<string, string> = {};
		for (const [path, text] of this.data.files) if (path.startsWith(`${benchPaths.references}/`)) references[baseName(path)] = text;
		const answers: Record<string, string> = {};
		for (const [model, byId] of this.data.answers) answers[model] = toJsonl([...byId.values()]);
		const judgePrompts = this.data.files.get(benchPaths.judgePrompts);
		return { questions: this.data.files.get(benchPaths.questions) ?? '', answers, references, ...(judgePrompts !== undefined ? { judgePrompts } : {}) };
	}

	/** Every file of the bench folder, with FastChat's paths and its number of lines: what Export offers. */
	exportList(): ExportEntry[] {
		void this.changes.value;
		const inputs = [...this.data.files].sort(([a], [b]) => a.localeCompare(b)).map(([path, text]) => ({ path, lines: countLines(text) }));
		const answers = this.answerModels.map((model) => ({ path: benchPaths.answer(model), lines: this.data.answers.get(model)!.size }));
		const judgments = this.judgmentFiles.map((path) => ({ path, lines: this.data.judgments.get(path)!.size }));
		return [...inputs, ...answers, ...judgments];
	}

	/** One file's text as FastChat writes it: answers one per question in id order, judgments in the order they were made. */
	exportText(path: string): string {
		const input = this.data.files.get(path);
		if (input !== undefined) return input;
		const model = this.answerModels.find((m) => benchPaths.answer(m) === path);
		if (model !== undefined) return toJsonl(reorgAnswers([...this.data.answers.get(model)!.values()]));
		return toJsonl(this.judgmentsIn(path).sort((a, b) => (a.tstamp ?? 0) - (b.tstamp ?? 0)));
	}

	/** Starts over on the built-in bench, keeping the run settings. */
	async useBuiltin(): Promise<void> {
		await this.replace({ name: lumenSample().name, source: 'builtin' }, { files: new Map(Object.entries(builtinBenchFiles())), answers: new Map(), judgments: new Map() });
	}

	/** A new bench replaces everything stored (settings are kept, except which models were left out). */
	async replace(bench: BenchSource, content: Pick<BenchImport, 'files' | 'answers' | 'judgments'>): Promise<void> {
		const settings: RunSettings = { ...(this.data.state?.settings ?? DEFAULT_SETTINGS), skipModels: [] };
		await clearWorkspace(this.store);
		this.data = { state: null, files: new Map(), answers: new Map(), judgments: new Map(), unreadable: 0 };
		await this.add(content);
		await this.writeState({ version: EVAL_STATE_VERSION, bench, settings, phase: 'setup', updatedAt: Date.now() });
	}

	/** Adds imported files to this bench: a file of the same path (or a model's answer to the same question) is replaced. */
	async add(content: Pick<BenchImport, 'files' | 'answers' | 'judgments'>): Promise<void> {
		if (content.files.size) await putFiles(content.files, this.store);
		for (const [model, lines] of content.answers) await putAnswers(model, lines, this.store);
		for (const [path, lines] of content.judgments) await putJudgments(path, lines, this.store);
		for (const [path, text] of content.files) this.data.files.set(path, text);
		for (const [model, lines] of content.answers) for (const a of lines) mapOf(this.data.answers, model).set(qidKey(a.question_id), a);
		for (const [path, lines] of content.judgments) for (const j of lines) mapOf(this.data.judgments, path).set(judgmentKey(j), j);
		this.parseQuestions();
		this.changes.bump();
	}

	/** Written before it is shown: a reload after this returns never asks for this answer again. */
	async appendAnswer(model: string, answer: ModelAnswer): Promise<void> {
		await putAnswers(model, [answer], this.store);
		mapOf(this.data.answers, model).set(qidKey(answer.question_id), answer);
		this.changes.bump();
	}

	async appendJudgment(path: string, line: SingleJudgment | PairJudgment): Promise<void> {
		await putJudgments(path, [line], this.store);
		mapOf(this.data.judgments, path).set(judgmentKey(line), line);
		this.changes.bump();
	}

	async removeAnswers(model: string): Promise<void> {
		await deleteEntries({ answersOf: model }, this.store);
		this.data.answers.delete(model);
		this.changes.bump();
	}

	async removeJudgments(path: string): Promise<void> {
		await deleteEntries({ judgmentFile: path }, this.store);
		this.data.judgments.delete(path);
		this.changes.bump();
	}

	async updateSettings(patch: Partial<RunSettings>): Promise<void> {
		await this.writeState({ ...this.state, settings: { ...this.state.settings, ...patch }, updatedAt: Date.now() });
	}

	async setPhase(phase: Phase): Promise<void> {
		if (this.state.phase === phase) return;
		await this.writeState({ ...this.state, phase, updatedAt: Date.now() });
	}

	private async writeState(state: EvalState): Promise<void> {
		await saveState(state, this.store);
		this.data.state = state;
		this.changes.bump();
	}

	private parseQuestions(): void {
		const text = this.data.files.get(benchPaths.questions);
		try {
			this.parsedQuestions = text === undefined ? [] : parseJsonl(text, QuestionSchema, benchPaths.questions);
		} catch {
			// Files are checked when they are imported; one that no longer parses counts as no questions.
			this.parsedQuestions = [];
		}
	}
}

function countLines(text: string): number {
	return text.split('\n').filter((l) => l.trim() !== '').length;
}

function baseName(path: string): string {
	return path.slice(path.lastIndexOf('/') + 1).replace(/\.jsonl$/, '');
}
