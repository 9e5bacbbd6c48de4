// The /eval run over a real Workspace (fake-indexeddb) with scripted engines in the app's slots: it answers,
// then judges, storing each line as it is made; a cancel keeps what was finished, and a run on the reopened
// workspace (a reload) asks the judge only for what was not judged yet.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '$lib/engine/capabilities';
import { remoteOnlyModel } from '$lib/engine/picker';
import type { Route } from '$lib/engine/router';
import type { Engine } from '$lib/engine/types';
import type { ChatCompletionChunk, ChatCompletionRequest } from '$lib/protocol/openai';
import { freshStore } from '$lib/storage/test-utils';
import { EvalRun, type EngineSlot } from './eval-run.svelte';
import { Workspace } from './workspace';

type Reply = (request: ChatCompletionRequest) => Promise<string> | string;

/** An app slot whose engine answers with `reply`: what EngineState offers the run, without a worker. */
function slot(ids: string[], reply: Reply, where: Route['where'] = 'remote'): EngineSlot & { loads: string[] } {
	const loads: string[] = [];
	const engine = {
		async *chat(request: ChatCompletionRequest): AsyncGenerator<ChatCompletionChunk> {
			const content = await reply(request);
			yield { id: 'x', object: 'chat.completion.chunk', created: 0, model: request.model, choices: [{ index: 0, delta: { content }, finish_reason: 'stop' }] };
		}
	} as unknown as Engine;
	let picked = '';
	return {
		loads,
		caps: {} as Capabilities,
		init: async () => undefined,
		models: ids.map((id) => remoteOnlyModel(id)),
		select: (id: string) => void (picked = id),
		load: async () => (loads.push(picked), true),
		cancelLoad: () => undefined,
		route: { where, whereReason: { id: 'route.local' }, device: 'wasm', dtype: 'fp32', reasons: [] },
		chatEngine: engine,
		error: null
	};
}

const verdict: Reply = (r) => (String(r.messages.at(-1)!.content).includes('<answer_a>') ? '[[A]]' : 'Rating: [[7]]');

async function setUp(store = freshStore('eval')) {
	const ws = await Workspace.open(store);
	await ws.updateSettings({ answerers: [{ kind: 'app', id: 'a' }, { kind: 'app', id: 'b' }], judge: { kind: 'app', id: 'judge' }, parallel: 4, maxNewTokens: 8 });
	return { ws, store };
}

describe('EvalRun', () => {
	it('answers with every model, then judges every match, and reports progress with counts', async () => {
		const { ws } = await setUp();
		const answers = slot(['a', 'b'], (r) => `${r.model} answers ${r.messages.length} messages, max ${r.max_tokens}`);
		// The clock moves 1 s per reading, so the estimate of the time left is a known figure.
		let clock = 0;
		const etas: (number | null)[] = [];
		const judge = slot(['judge'], (r) => (etas.push(run.progress?.etaMs ?? null), verdict(r)));
		const run: EvalRun = new EvalRun(ws, { answers, judge }, () => (clock += 1000));
		await run.run();
		expect(run.error).toBeNull();
		expect(run.notice).toBe('Finished: 32 answer(s) and 64 judgment(s) written in this run.');
		expect(ws.phase).toBe('done');
		expect(answers.loads).toEqual(['a', 'b']);
		expect(ws.answersOf('b').get('1')?.choices[0].turns).toEqual(['b answers 1 messages, max 8', 'b answers 3 messages, max 8']);
		expect(ws.judgmentsIn('model_judgment/judge_single.jsonl')).toHaveLength(64);
		expect(run.progress).toMatchObject({ phase: 'judging', done: 64, total: 64, unit: 'judge calls', etaMs: 0 });
		expect(etas.filter((e) => e !== null && e > 0).length).toBeGreaterThan(50);
	});

	it('a cancel keeps what was finished; a run on the reopened workspace asks only for what is left', async () => {
		const { ws, store } = await setUp();
		const userText = (r: ChatCompletionRequest) => String(r.messages.at(-1)!.content);
		let calls = 0;
		const run: EvalRun = new EvalRun(ws, {
			// Distinct answers, so every match's prompt is distinct too.
			answers: slot(['a', 'b'], (r) => `${r.model} says ok`),
			judge: slot(['judge'], (r) => {
				if (++calls === 10) run.cancel();
				return verdict(r);
			})
		});
		await run.run();
		expect(run.notice).toMatch(/^Stopped\. Resume continues/);
		expect(run.interrupted).toBe(true);
		const judgedBefore = new Set(ws.judgmentsIn('model_judgment/judge_single.jsonl').map((j) => j.user_prompt));
		expect(judgedBefore.size).toBeGreaterThanOrEqual(5);
		expect(judgedBefore.size).toBeLessThan(10);

		// As after a reload: a new page opens the stored workspace and resumes.
		const reopened = await Workspace.open(store);
		expect(reopened.phase).toBe('judging');
		const asked: string[] = [];
		const answers = slot(['a', 'b'], () => 'never asked');
		const resumed = new EvalRun(reopened, { answers, judge: slot(['judge'], (r) => (asked.push(userText(r)), verdict(r))) });
		expect(resumed.interrupted).toBe(true);
		await resumed.run();
		expect(resumed.notice).toBe(`Finished: 0 answer(s) and ${64 - judgedBefore.size} judgment(s) written in this run.`);
		expect(answers.loads).toEqual([]);
		expect(asked).toHaveLength(64 - judgedBefore.size);
		expect(asked.filter((prompt) => judgedBefore.has(prompt))).toEqual([]);
		expect(reopened.judgmentsIn('model_judgment/judge_single.jsonl')).toHaveLength(64);
	});

	it('does not start a setup that cannot run, and says why', async () => {
		const ws = await Workspace.open(freshStore('eval'));
		const run = new EvalRun(ws, { answers: slot([], () => ''), judge: slot([], () => '') });
		await run.run();
		expect(run.error).toMatchObject({ code: 'bad_request', message: 'Add a model that answers, or import model answers.' });
		expect(ws.phase).toBe('setup');
	});

	it('a model this app does not offer is an error, not another model loaded in its place', async () => {
		const { ws } = await setUp();
		const run = new EvalRun(ws, { answers: slot(['a'], () => 'ok'), judge: slot(['judge'], verdict) });
		await run.run();
		expect(run.error).toMatchObject({ code: 'model_not_found', message: expect.stringMatching(/^b is not available/) });
		expect(ws.phase).toBe('answering');
	});
});
