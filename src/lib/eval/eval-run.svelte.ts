// Runs an MT-bench evaluation from the /eval page: every answering model answers what it has not answered
// yet, then the judge plays every match not yet judged. Each answer and judgment is stored the moment it is
// finished (Workspace), so Cancel, a reload or a closed tab loses at most the calls in flight, and running
// again (Resume) skips everything on file. Progress counts, an estimate of the time left, retries shown.
import type { EngineState } from '$lib/chat/engine-state.svelte';
import { buildMatches, benchPaths, countJudgeCalls, generateAnswers, judge, loadBench, openAIChat, type ChatFn } from '$lib/mtbench';
import { LumenError, stopped, toLumenError, type LumenErrorData } from '$lib/protocol/errors';
import { OpenAIClient } from '$lib/protocol/openai-client';
import { engineChat } from './engine-chat';
import { planRun } from './plan';
import { translate } from '$lib/i18n';
import type { Workspace } from './workspace';
import type { EngineRef } from './workspace-store';

/** What a run needs of an EngineState: the app's EngineState, or a fake in unit tests. */
export type EngineSlot = Pick<EngineState, 'caps' | 'init' | 'models' | 'select' | 'load' | 'cancelLoad' | 'route' | 'chatEngine' | 'error'>;

export type RunProgress = {
	phase: 'answering' | 'judging';
	done: number;
	total: number;
	/** What `done` and `total` count. */
	unit: 'questions' | 'judge calls';
	detail: string;
	/** Estimated time left, from this session's pace; null until something has finished. */
	etaMs: number | null;
};

export class EvalRun {
	running = $state(false);
	progress = $state<RunProgress | null>(null);
	error = $state<LumenErrorData | null>(null);
	/** The retry a run is waiting on, so a slow or failing server is never silent. */
	retry = $state<string | null>(null);
	notice = $state<string | null>(null);
	private controller: AbortController | null = null;

	constructor(
		private readonly ws: Workspace,
		private readonly slots: { answers: EngineSlot; judge: EngineSlot },
		private readonly now: () => number = () => performance.now()
	) {}

	/** A run was stopped (Cancel, a reload, a closed tab) before it finished: Resume continues it. */
	get interrupted(): boolean {
		return !this.running && (this.ws.phase === 'answering' || this.ws.phase === 'judging');
	}

	/**
	 * Answers, then judges. Everything already on file is skipped, so starting again after a stop is a resume.
	 * Never throws: a failure ends up in `error`, a cancel in `notice`.
	 */
	async run(): Promise<void> {
		if (this.running) return;
		const problem = planRun(this.ws).problem;
		if (problem) {
			this.error = problem;
			return;
		}
		const controller = new AbortController();
		this.controller = controller;
		this.running = true;
		this.error = this.notice = this.retry = null;
		try {
			let answered = 0;
			if (this.ws.phase !== 'judging') {
				await this.ws.setPhase('answering');
				answered = await this.answerAll(controller.signal);
			}
			await this.ws.setPhase('judging');
			const judged = await this.judgeAll(controller.signal);
			await this.ws.setPhase('done');
			this.notice = translate('evalRun.finished', { answered, judged });
		} catch (err) {
			const error = toLumenError(err);
			if (controller.signal.aborted || error.code === 'aborted') this.notice = translate('evalRun.stopped');
			else this.error = error.toData();
		} finally {
			this.running = false;
			this.retry = null;
			if (this.controller === controller) this.controller = null;
		}
	}

	cancel(): void {
		this.controller?.abort(stopped());
		this.slots.answers.cancelLoad();
		this.slots.judge.cancelLoad();
	}

	/** Resolves with the number of answers written. */
	private async answerAll(signal: AbortSignal): Promise<number> {
		const { settings } = this.ws;
		const questions = this.ws.questions;
		const work = settings.answerers.map((ref) => ({ ref, left: this.ws.unanswered(ref.id).length })).filter((w) => w.left > 0);
		const total = work.reduce((n, w) => n + w.left, 0);
		const clock = this.clock();
		let before = 0;
		let written = 0;
		const failures: string[] = [];
		for (const [i, { ref, left: count }] of work.entries()) {
			const which = work.length > 1 ? translate('evalRun.which', { n: i + 1, of: work.length }) : '';
			this.report({ phase: 'answering', done: before, total, unit: 'questions', detail: translate('evalRun.loading', { model: `${ref.id}${which}` }), etaMs: null });
			const chat = await this.chatFor(ref, this.slots.answers, signal);
			clock(before, total);
			const summary = await generateAnswers({
				questions,
				model: ref.id,
				chat,
				answered: this.ws.answeredIds(ref.id),
				appendAnswer: (answer) => this.ws.appendAnswer(ref.id, answer),
				maxNewTokens: settings.maxNewTokens,
				parallel: settings.parallel,
				onRetry: (r) => this.onRetry(r),
				onProgress: (p) => {
					this.retry = null;
					const done = before + p.done;
					this.report({ phase: 'answering', done, total, unit: 'questions', detail: translate('evalRun.answered', { model: `${ref.id}${which}`, done: p.done, total: p.total }), etaMs: clock(done, total) });
				},
				signal
			});
			written += summary.written;
			failures.push(...summary.failed.map((f) => `${ref.id}, question ${f.questionId}: ${f.error.message}`));
			before += count;
		}
		if (failures.length)
			throw new LumenError('generation_failed', `${failures.length} question(s) could not be answered (first: ${failures[0]}). Resume to try them again.`, true);
		return written;
	}

	/** Resolves with the number of judgments written. */
	private async judgeAll(signal: AbortSignal): Promise<number> {
		const { settings } = this.ws;
		const plan = planRun(this.ws);
		if (plan.problem) throw LumenError.fromData(plan.problem);
		const judgeRef = settings.judge!;
		const matches = buildMatches(loadBench(this.ws.benchFiles(), { judgeModel: judgeRef.id }), {
			mode: settings.mode,
			judgeModel: judgeRef.id,
			models: plan.models,
			baselineModel: settings.baselineModel
		});
		const path = benchPaths.judgment(judgeRef.id, settings.mode);
		const existing = this.ws.judgmentsIn(path);
		const cost = countJudgeCalls(matches, existing);
		if (cost.calls === 0) return 0;
		const clock = this.clock();
		const skipped = cost.skipped ? translate('evalRun.skipped', { count: cost.skipped }) : '';
		this.report({ phase: 'judging', done: 0, total: cost.calls, unit: 'judge calls', detail: translate('evalRun.loadingJudge', { model: judgeRef.id }), etaMs: null });
		const chat = await this.chatFor(judgeRef, this.slots.judge, signal);
		clock(0, cost.calls);
		const summary = await judge({
			matches,
			chat,
			existing,
			appendJudgment: (line) => this.ws.appendJudgment(path, line),
			parallel: settings.parallel,
			maxTokens: settings.judgeMaxTokens,
			onRetry: (r) => this.onRetry(r),
			onProgress: (p) => {
				this.retry = null;
				this.report({
					phase: 'judging',
					done: p.doneCalls,
					total: p.totalCalls,
					unit: 'judge calls',
					detail: translate('evalRun.judged', { done: p.doneMatches, total: p.totalMatches }) + skipped,
					etaMs: clock(p.doneCalls, p.totalCalls)
				});
			},
			signal
		});
		if (summary.failed.length)
			throw new LumenError('generation_failed', `${summary.failed.length} match(es) could not be judged (first: ${summary.failed[0].error.message}). Resume to try them again.`, true);
		return summary.written;
	}

	/** The ChatFn of a model: one of this app's (loaded into its slot first) or one behind an OpenAI-compatible URL. */
	private async chatFor(ref: EngineRef, slot: EngineSlot, signal: AbortSignal): Promise<ChatFn> {
		if (ref.kind === 'url') return openAIChat(new OpenAIClient({ url: ref.url, apiKey: ref.apiKey, keyHint: `Check the API key given for ${ref.id}.` }), ref.id);
		if (!slot.caps) await slot.init();
		if (!slot.models.some((m) => m.id === ref.id))
			throw new LumenError('model_not_found', `${ref.id} is not available: it is neither a model of this browser nor one the coordinator in Settings serves.`, false);
		slot.select(ref.id);
		const stop = () => slot.cancelLoad();
		signal.addEventListener('abort', stop, { once: true });
		try {
			if (!(await slot.load())) {
				if (signal.aborted) throw stopped();
				throw LumenError.fromData(slot.error ?? { code: 'model_load_failed', message: `${ref.id} did not load. Try again.`, retryable: true });
			}
		} finally {
			signal.removeEventListener('abort', stop);
		}
		// A model in this tab's worker generates one answer at a time; the coordinator takes calls in parallel.
		return engineChat(slot.chatEngine, ref.id, { oneAtATime: slot.route?.where === 'local' });
	}

	private onRetry({ attempt, delayMs, error }: { attempt: number; delayMs: number; error: LumenError }): void {
		this.retry = translate('evalRun.retry', { attempt, seconds: Math.round(delayMs / 1000), error: error.message });
	}

	private report(progress: RunProgress): void {
		this.progress = progress;
	}

	/** Time left at this session's pace, measured from the first call (work done before a reload is not counted). */
	private clock(): (done: number, total: number) => number | null {
		let start: { at: number; done: number } | null = null;
		return (done, total) => {
			const at = this.now();
			if (!start) start = { at, done };
			const finished = done - start.done;
			return finished > 0 ? ((at - start.at) / finished) * (total - done) : null;
		};
	}
}
