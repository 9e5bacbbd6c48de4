// The /eval workspace in IndexedDB: a first visit gets the built-in bench; every answer, judgment, setting
// and phase written is there again when the page is opened anew; export gives FastChat's files.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { lumenSample, parseJsonl, ModelAnswerSchema, type ModelAnswer, type SingleJudgment } from '$lib/mtbench';
import { freshStore } from '$lib/storage/test-utils';
import { Workspace } from './workspace';

const answer = (model: string, qid: number, text = 'hi', tstamp = 1): ModelAnswer => ({ question_id: qid, answer_id: `${model}-${qid}`, model_id: model, choices: [{ index: 0, turns: [text, text] }], tstamp });
const single = (model: string, qid: number, turn: number, score: number, tstamp = 1): SingleJudgment => ({
	question_id: qid,
	model,
	judge: ['gpt-4', 'single-v1'],
	user_prompt: 'p',
	judgment: `[[${score}]]`,
	score,
	turn,
	tstamp
});

describe('Workspace', () => {
	it('starts on the built-in bench with the default settings', async () => {
		const ws = await Workspace.open(freshStore('eval'));
		expect(ws.state.bench).toEqual({ name: 'lumen-sample', source: 'builtin' });
		expect(ws.questions).toHaveLength(lumenSample().questions.length);
		expect(ws.phase).toBe('setup');
		expect(ws.settings).toMatchObject({ mode: 'single', answerers: [], judge: null, maxNewTokens: 1024 });
		expect(ws.exportList().map((f) => f.path)).toEqual(['judge_prompts.jsonl', 'question.jsonl', 'reference_answer/lumen-reference.jsonl']);
	});

	it('keeps answers, judgments, settings and the phase across a reopen, and bumps its revision on each write', async () => {
		const store = freshStore('eval');
		const ws = await Workspace.open(store);
		const before = ws.revision;
		await ws.appendAnswer('m', answer('m', 2));
		await ws.appendAnswer('m', answer('m', 1));
		await ws.appendJudgment('model_judgment/gpt-4_single.jsonl', single('m', 1, 1, 7));
		await ws.updateSettings({ mode: 'pairwise-all', judge: { kind: 'url', id: 'gpt-4', url: 'https://api.example/v1', apiKey: 'k' } });
		await ws.setPhase('judging');
		expect(ws.revision).toBeGreaterThan(before);

		const again = await Workspace.open(store);
		expect(again.answeredIds('m').sort()).toEqual(['1', '2']);
		expect(again.unanswered('m')).toHaveLength(lumenSample().questions.length - 2);
		expect(again.judgmentsIn('model_judgment/gpt-4_single.jsonl')).toEqual([single('m', 1, 1, 7)]);
		expect(again.settings.judge).toEqual({ kind: 'url', id: 'gpt-4', url: 'https://api.example/v1', apiKey: 'k' });
		expect(again.phase).toBe('judging');
	});

	it('exports answers one per question in id order (the last written wins) and judgments in the order made', async () => {
		const ws = await Workspace.open(freshStore('eval'));
		await ws.appendAnswer('org/m', answer('org/m', 10, 'first'));
		await ws.appendAnswer('org/m', answer('org/m', 2));
		await ws.appendAnswer('org/m', answer('org/m', 10, 'second'));
		await ws.appendJudgment('model_judgment/j_single.jsonl', single('org/m', 10, 1, 3, 20));
		await ws.appendJudgment('model_judgment/j_single.jsonl', single('org/m', 2, 1, 4, 10));
		const list = ws.exportList();
		expect(list).toContainEqual({ path: 'model_answer/org_m.jsonl', lines: 2 });
		expect(list).toContainEqual({ path: 'model_judgment/j_single.jsonl', lines: 2 });
		const answers = parseJsonl(ws.exportText('model_answer/org_m.jsonl'), ModelAnswerSchema, 'x');
		expect(answers.map((a) => [a.question_id, a.choices[0].turns[0]])).toEqual([
			[2, 'hi'],
			[10, 'second']
		]);
		expect(ws.exportText('model_judgment/j_single.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l).question_id)).toEqual([2, 10]);
	});

	it('a new bench replaces answers and judgments but keeps the settings; imports add to the bench', async () => {
		const store = freshStore('eval');
		const ws = await Workspace.open(store);
		await ws.updateSettings({ maxNewTokens: 8 });
		await ws.appendAnswer('m', answer('m', 1));
		const questions = '{"question_id":"a","category":"math","turns":["1+1?"]}\n';
		await ws.replace({ name: 'mine', source: 'files' }, { files: new Map([['question.jsonl', questions]]), answers: new Map(), judgments: new Map() });
		await ws.add({ files: new Map(), answers: new Map([['x', [answer('x', 1)]]]), judgments: new Map() });
		const again = await Workspace.open(store);
		expect(again.state.bench).toEqual({ name: 'mine', source: 'files' });
		expect(again.questions.map((q) => q.question_id)).toEqual(['a']);
		expect(again.answerModels).toEqual(['x']);
		expect(again.settings.maxNewTokens).toBe(8);
		expect(again.phase).toBe('setup');
	});

	it('removes one model’s answers or one judgment file', async () => {
		const store = freshStore('eval');
		const ws = await Workspace.open(store);
		await ws.appendAnswer('a', answer('a', 1));
		await ws.appendAnswer('b', answer('b', 1));
		await ws.appendJudgment('model_judgment/j_single.jsonl', single('a', 1, 1, 5));
		await ws.removeAnswers('a');
		await ws.removeJudgments('model_judgment/j_single.jsonl');
		const again = await Workspace.open(store);
		expect(again.answerModels).toEqual(['b']);
		expect(again.judgmentFiles).toEqual([]);
	});

	it('leaves out and counts a stored record it cannot read', async () => {
		const store = freshStore('eval');
		const ws = await Workspace.open(store);
		await ws.appendAnswer('m', answer('m', 1));
		await store.set(JSON.stringify(['answer', 'm', '2']), { question_id: 2, choices: 'not a list' });
		const again = await Workspace.open(store);
		expect(again.answeredIds('m')).toEqual(['1']);
		expect(again.unreadable).toBe(1);
	});
});
