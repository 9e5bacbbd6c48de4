// /eval in real Chromium: lumen-tiny-a and lumen-tiny-b answer the built-in bench in this tab's worker (WASM);
// a scripted OpenAI-compatible judge started here gives fixed verdicts per model and category and checks what
// it is asked; the page is reloaded mid-judging and resumes without asking for a finished judgment again;
// FastChat's show_result numbers, the radar chart, the question browser, agreement, export and import.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { builtinJudgePrompts, lumenSample, needsReference, qidKey, type Question } from '#mtbench/index';
import { startScriptedJudge, type ScriptedJudge, type JudgeRequest, type JudgeCall } from '../bin/mtbench/scripted-judge';
import { test, expect } from './fixtures';

const MODELS = ['lumen-tiny-a', 'lumen-tiny-b'] as const;
const JUDGE = 'scripted-judge';
const KEY = 'judge-key';
const bench = lumenSample();
const systemPrompts = new Map(builtinJudgePrompts().map((p) => [p.name, p.system_prompt]));
const reference = new Map(bench.referenceAnswers.map((r) => [qidKey(r.question_id), r.choices[0].turns]));
const COLOURS = ['#2f6feb', '#d9480f'];

/** Each model's answers by question id, read from the page's own export once answering is done. */
let answers: Record<string, Map<string, string[]>> | null = null;
const verdictErrors: string[] = [];

const userText = (body: JudgeRequest) => body.messages.at(-1)!.content;
const isPairPrompt = (text: string) => text.includes('<answer_a>') || text.includes('<conversation_a>');
const isMultiTurn = (text: string) => text.includes('<conversation');

function questionIn(text: string): Question {
	const found = bench.questions.filter((q) => text.includes(`>\n${q.turns[0]}\n</`));
	if (found.length !== 1) throw new Error(`the judge prompt names ${found.length} questions`);
	return found[0];
}

/** Which model's answer sits in the prompt (as the single answer, or as assistant A). */
function modelIn(text: string, q: Question, role: 'single' | 'a'): string {
	if (!answers) throw new Error('the judge was asked before the answers were known');
	const multi = isMultiTurn(text);
	const tag = multi ? (role === 'single' ? 'assistant' : 'assistant_a') : role === 'single' ? 'answer' : 'answer_a';
	const hits = MODELS.filter((m) => (multi ? [0, 1] : [0]).every((t) => text.includes(`<${tag}>\n${answers![m].get(qidKey(q.question_id))![t]}\n</${tag}>`)));
	if (hits.length !== 1) throw new Error(`${hits.length} models' answers match the prompt of question ${q.question_id}`);
	return hits[0];
}

/**
 * Single: lumen-tiny-a scores 8 on turn 1 and 6 on turn 2, lumen-tiny-b 3 and 5, except no score at all for
 * its turn 2 of question 16. Pairwise: writing and roleplay are ties, math always "A" (so the swapped games
 * disagree: a tie), the rest a win for lumen-tiny-a wherever it is shown.
 */
function verdict(body: JudgeRequest): string {
	try {
		const text = userText(body);
		const q = questionIn(text);
		if (isPairPrompt(text)) {
			if (q.category === 'writing' || q.category === 'roleplay') return 'Both are as good. [[C]]';
			if (q.category === 'math') return 'The first, always. [[A]]';
			return modelIn(text, q, 'a') === 'lumen-tiny-a' ? 'Assistant A is better. [[A]]' : 'Assistant B is better. [[B]]';
		}
		const model = modelIn(text, q, 'single');
		const multi = isMultiTurn(text);
		if (model === 'lumen-tiny-b' && q.question_id === 16 && multi) return 'I cannot settle on a score.';
		return `Judged. Rating: [[${model === 'lumen-tiny-a' ? (multi ? 6 : 8) : multi ? 5 : 3}]]`;
	} catch (err) {
		verdictErrors.push((err as Error).message);
		throw err;
	}
}

/** What every judge call must look like: the key, temperature 0, the right prompt, the reference where one is needed. */
function checkAsked(call: JudgeCall) {
	const { body } = call;
	expect(call.authorization).toBe(`Bearer ${KEY}`);
	expect(body).toMatchObject({ model: JUDGE, temperature: 0, max_tokens: 2048, stream: true });
	const text = userText(body);
	const q = questionIn(text);
	const multi = isMultiTurn(text);
	const ref = needsReference(q.category);
	const name = isPairPrompt(text)
		? `${ref ? 'pair-math-v1' : 'pair-v2'}${multi ? '-multi-turn' : ''}`
		: `${ref ? 'single-math-v1' : 'single-v1'}${multi ? '-multi-turn' : ''}`;
	expect(body.messages).toHaveLength(2);
	expect(body.messages[0]).toEqual({ role: 'system', content: systemPrompts.get(name) });
	if (ref) expect(text).toContain(`<reference>\n${reference.get(qidKey(q.question_id))![0]}\n</reference>`);
	else expect(text).not.toContain('<reference>');
}

const callKey = (c: JudgeCall) => JSON.stringify(c.body.messages);

async function download(page: Page, path: string): Promise<string> {
	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: `Download ${path}`, exact: true }).click();
	const file = await downloading;
	expect(file.suggestedFilename()).toBe(path.slice(path.lastIndexOf('/') + 1));
	return readFileSync((await file.path())!, 'utf8');
}

const lines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

async function setNumber(page: Page, label: string, value: number) {
	const input = page.getByLabel(label, { exact: true });
	await input.fill(String(value));
	await input.press('Tab');
	await expect(input).toHaveValue(String(value));
}

async function useJudge(page: Page, judge: ScriptedJudge) {
	await page.getByRole('radiogroup', { name: 'Judge model: where it runs' }).getByLabel('OpenAI-compatible URL').check();
	await page.getByLabel('Judge model server URL').fill(judge.url);
	await page.getByLabel('Judge model API key').fill(KEY);
	await page.getByLabel('Judge model name').fill(JUDGE);
	await page.getByRole('button', { name: 'Use as judge' }).click();
	await expect(page.getByTestId('judge')).toContainText(`${JUDGE} at ${judge.url}`);
}

const rowsOf = (page: Page) => page.getByTestId('results-table').locator('tbody tr');

let judge: ScriptedJudge;
test.beforeAll(async () => {
	judge = await startScriptedJudge({ verdict });
});
test.afterAll(async () => {
	await judge?.close();
});

test('local models answer the built-in bench, a scripted judge grades it (single, then pairwise-all), a reload mid-judging resumes', async ({ page, server }) => {
	test.setTimeout(480_000);
	judge.answerUpTo(0);
	await page.goto(`${server.url}/eval?device=wasm`);
	await expect(page.getByTestId('bench-summary')).toContainText('lumen-sample (built in): 16 questions in 8 categories');

	for (const model of MODELS) {
		await page.getByRole('combobox', { name: 'Answering model', exact: true }).selectOption(model);
		await page.getByRole('button', { name: 'Add model' }).click();
		await expect(page.getByRole('button', { name: `Remove ${model}` })).toBeVisible();
	}
	await useJudge(page, judge);
	await setNumber(page, 'Parallel calls', 2);
	await setNumber(page, 'Max new tokens', 8);
	// The cost, before anything runs: 2 models × 16 questions × 2 turns to answer, one judge call per model, question and turn.
	const cost = page.getByTestId('cost');
	await expect(cost).toHaveAttribute('data-answer-calls', '64');
	await expect(cost).toHaveAttribute('data-judge-calls', '64');
	await expect(cost).toContainText('64 judge call(s) for 64 match(es); judgments go to model_judgment/scripted-judge_single.jsonl');

	await page.getByRole('button', { name: 'Start' }).click();
	const progress = page.getByTestId('run-progress');
	await expect(progress).toHaveAttribute('data-phase', 'answering', { timeout: 60_000 });
	await expect(progress).toHaveAttribute('data-total', '32');
	// Judging starts once both models have answered; the judge holds every call until the test knows the answers.
	await expect.poll(() => judge.calls.length, { timeout: 300_000 }).toBeGreaterThan(0);
	answers = {};
	for (const model of MODELS) {
		const file = lines(await download(page, `model_answer/${model}.jsonl`));
		expect(file.map((a) => a.question_id)).toEqual(bench.questions.map((q) => q.question_id));
		for (const a of file) expect(a).toMatchObject({ model_id: model, answer_id: expect.any(String), tstamp: expect.any(Number), choices: [{ index: 0 }] });
		answers[model] = new Map(file.map((a) => [qidKey(a.question_id as number), (a.choices as { turns: string[] }[])[0].turns]));
	}
	for (const q of bench.questions) {
		const [a, b] = MODELS.map((m) => answers![m].get(qidKey(q.question_id))!);
		expect(a, `both models' turns for question ${q.question_id}`).toHaveLength(2);
		expect(a, `the judge tells the models apart by their answers to question ${q.question_id}`).not.toEqual(b);
	}

	// Answer 20 judge calls, hold the rest, and reload once those 20 judgments are stored.
	judge.answerUpTo(20);
	await expect(progress).toHaveAttribute('data-phase', 'judging');
	await expect(progress).toHaveAttribute('data-done', '20', { timeout: 60_000 });
	await expect.poll(() => judge.calls.length).toBe(22);
	const beforeReload = judge.calls.map((c) => ({ key: callKey(c), answered: c.answered }));
	await page.reload();
	await expect(page.getByTestId('interrupted')).toHaveText(/stopped while judging/);
	await expect(page.getByRole('row', { name: /model_judgment\/scripted-judge_single\.jsonl/ }).getByRole('cell').first()).toHaveText('20');
	judge.answerUpTo(Infinity);
	await page.getByRole('button', { name: 'Resume' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Finished' })).toHaveText('Finished: 0 answer(s) and 44 judgment(s) written in this run.', { timeout: 120_000 });

	// Nothing judged before the reload was asked again; the two calls held at the reload were asked once more.
	const asked = new Map<string, number>();
	for (const c of judge.calls) asked.set(callKey(c), (asked.get(callKey(c)) ?? 0) + 1);
	expect(asked.size).toBe(64);
	expect(beforeReload.filter((c) => c.answered)).toHaveLength(20);
	for (const c of beforeReload.filter((c) => c.answered)) expect(asked.get(c.key)).toBe(1);
	for (const c of beforeReload.filter((c) => !c.answered)) expect(asked.get(c.key)).toBe(2);
	expect(judge.calls).toHaveLength(66);
	// Every answer was on file, so the resumed run started no model worker at all.
	expect(page.workers().filter((w) => /(transformers|webllm)-worker/.test(w.url()))).toHaveLength(0);
	judge.calls.forEach(checkAsked);
	expect(verdictErrors).toEqual([]);

	// FastChat's show_result: means per turn, the unparsed score (-1) left out.
	await expect(page.getByTestId('results-table')).toHaveAttribute('data-mode', 'single');
	await expect(rowsOf(page)).toHaveText([/^lumen-tiny-a\s*8\.00\s*6\.00\s*7\.00$/, /^lumen-tiny-b\s*3\.00\s*5\.00\s*3\.97$/]);

	// The radar chart: eight category axes, one polygon per model, drawn in the model's colour.
	const radar = page.getByTestId('radar-chart');
	await expect(page.getByRole('img', { name: /Radar chart of mean score/ })).toBeVisible();
	await expect(radar).toHaveAttribute('data-axes', JSON.stringify(['writing', 'roleplay', 'reasoning', 'math', 'coding', 'extraction', 'stem', 'humanities']));
	const polygons = JSON.parse((await radar.getAttribute('data-polygons'))!) as { model: string; colour: string; points: { x: number; y: number }[] }[];
	expect(polygons.map((p) => [p.model, p.colour, p.points.length])).toEqual([
		['lumen-tiny-a', COLOURS[0], 8],
		['lumen-tiny-b', COLOURS[1], 8]
	]);
	const pixels = await radar.evaluate((canvas: HTMLCanvasElement, polys) => {
		const ctx = canvas.getContext('2d')!;
		const scale = canvas.width / canvas.clientWidth;
		return polys.map((p) => p.points.map(({ x, y }) => [...ctx.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data]));
	}, polygons);
	const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
	const distance = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
	pixels.forEach((points, i) =>
		points.forEach((px) => {
			expect(px[3], 'an opaque vertex').toBe(255);
			expect(distance(px, rgb(COLOURS[i])), `vertex of ${MODELS[i]} in its colour`).toBeLessThan(distance(px, rgb(COLOURS[1 - i])));
		})
	);
	await expect(page.getByTestId('radar-table').locator('tbody tr').last()).toHaveText(/^humanities\s*7\.00\s*3\.67$/);

	// The per-question browser: question, both answers, the reference and each judgment, side by side.
	await page.getByRole('combobox', { name: 'Question', exact: true }).selectOption('7');
	await page.getByRole('combobox', { name: 'Turn', exact: true }).selectOption('2');
	const panels = page.getByTestId('question-panels');
	await expect(panels.getByRole('article', { name: 'Question' })).toContainText(bench.questions[6].turns[1]);
	await expect(panels.getByRole('article', { name: 'Reference answer' })).toContainText(reference.get('7')![1]);
	await expect(panels.getByRole('article', { name: 'Answer of lumen-tiny-a' })).toContainText('Judge: score 6');
	await expect(panels.getByRole('article', { name: 'Answer of lumen-tiny-b' })).toContainText('Judge: score 5');

	// Pairwise, all pairs, on the same answers: only the judge is asked (2 games per pair, 16 questions × 2 turns).
	await page.getByRole('combobox', { name: 'Mode', exact: true }).selectOption('pairwise-all');
	await expect(cost).toHaveAttribute('data-judge-calls', '64');
	await expect(cost).toHaveAttribute('data-answer-calls', '0');
	await page.getByRole('button', { name: 'Start' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Finished' })).toHaveText('Finished: 0 answer(s) and 32 judgment(s) written in this run.', { timeout: 120_000 });
	judge.calls.slice(66).forEach(checkAsked);
	expect(judge.calls).toHaveLength(130);
	await expect(page.getByTestId('results-table')).toHaveAttribute('data-mode', 'pairwise-all');
	// 32 pairs: 12 ties (writing and roleplay agreed ties, math's swapped games disagree), 20 wins for lumen-tiny-a.
	await expect(rowsOf(page)).toHaveText([/^lumen-tiny-a\s*20\s*0\s*12\s*0\.625\s*0\.000\s*0\.813$/, /^lumen-tiny-b\s*0\s*20\s*12\s*0\.000\s*0\.625\s*0\.188$/]);
	await expect(page.getByRole('img', { name: /Radar chart of adjusted win rate/ })).toBeVisible();

	// The judgment file as FastChat writes it, and agreement of that judge with itself.
	const pairText = await download(page, 'model_judgment/scripted-judge_pair.jsonl');
	const pairs = lines(pairText);
	expect(pairs).toHaveLength(32);
	for (const j of pairs)
		expect(Object.keys(j).sort()).toEqual(['g1_judgment', 'g1_user_prompt', 'g1_winner', 'g2_judgment', 'g2_user_prompt', 'g2_winner', 'judge', 'model_1', 'model_2', 'question_id', 'tstamp', 'turn']);
	await page.getByLabel('Second judgment file').setInputFiles({ name: 'other_pair.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(pairText) });
	await expect(page.getByTestId('agreement-table').locator('tbody tr')).toHaveText([/^1\s*16 of 16 \(100\.0%\)\s*10 of 10 \(100\.0%\)$/, /^2\s*16 of 16 \(100\.0%\)\s*10 of 10 \(100\.0%\)$/]);

	// Usable on a phone: nothing wider than the screen.
	await page.setViewportSize({ width: 375, height: 800 });
	await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

});

test('a bench by URL: an unreachable server is an error that says what to do; files from a server and from disk are taken in', async ({ page, server }) => {
	await page.goto(server.url);
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Eval' }).click();
	await expect(page.getByRole('heading', { name: 'Eval', level: 1 })).toBeVisible();
	await expect(page.getByTestId('bench-summary')).toContainText('lumen-sample');
	await page.getByText('From URLs').click();
	await page.getByLabel('Questions URL').fill('http://127.0.0.1:1/mt_bench/question.jsonl');
	await page.getByLabel('Judge prompts URL').fill('');
	await page.getByLabel('Reference answers URL').fill('');
	await page.getByRole('button', { name: 'Download bench' }).click();
	await expect(page.getByRole('alert')).toHaveText(/^Could not download http:\/\/127\.0\.0\.1:1\/mt_bench\/question\.jsonl \(.+\)\. You may be offline/);
	await expect(page.getByTestId('bench-summary')).toContainText('lumen-sample');

	const first = bench.questions.slice(0, 4);
	const files = { 'my_bench/question.jsonl': first.map((q) => JSON.stringify(q)).join('\n') + '\n' };
	const served = await startScriptedJudge({ verdict: () => '', files });
	try {
		await page.getByLabel('Questions URL').fill(`${served.root}/files/my_bench/question.jsonl`);
		await page.getByRole('button', { name: 'Download bench' }).click();
		await expect(page.getByTestId('bench-notice')).toHaveText('New bench my_bench: question.jsonl.');
		await expect(page.getByTestId('bench-summary')).toContainText('my_bench (from URLs): 4 questions in 2 categories');
	} finally {
		await served.close();
	}

	// Loose files from disk: a model's answers and a judgment file, added to this bench and shown as results.
	const answer = (model: string, q: Question) => ({ question_id: q.question_id, answer_id: `${model}-${q.question_id}`, model_id: model, choices: [{ index: 0, turns: q.turns.map(() => `${model} says hi`) }], tstamp: 1 });
	const judgment = (model: string, q: Question, turn: number, score: number) => ({ question_id: q.question_id, model, judge: ['gpt-4', 'single-v1'], user_prompt: 'p', judgment: `[[${score}]]`, score, turn, tstamp: 1 });
	const jsonl = (xs: object[]) => Buffer.from(xs.map((x) => JSON.stringify(x)).join('\n') + '\n');
	await page.getByLabel('Import files').setInputFiles([
		{ name: 'vicuna.jsonl', mimeType: 'application/x-ndjson', buffer: jsonl(first.map((q) => answer('vicuna', q))) },
		{ name: 'gpt-4_single.jsonl', mimeType: 'application/x-ndjson', buffer: jsonl(first.flatMap((q, i) => [judgment('vicuna', q, 1, i + 1), judgment('vicuna', q, 2, 10)])) }
	]);
	await expect(page.getByTestId('bench-notice')).toHaveText('Added to my_bench: answers of 1 model (vicuna), 1 judgment file.');
	await expect(rowsOf(page)).toHaveText([/^vicuna\s*2\.50\s*10\.00\s*6\.25$/]);

	// A bad line is refused with its file and line named, and nothing of that import is kept.
	await page.getByLabel('Import files').setInputFiles({ name: 'broken.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from('{"question_id":1,"choices":[]}\n') });
	await expect(page.getByRole('alert')).toHaveText(/^broken\.jsonl line 1: choices: .*Fix or remove that line\.$/);
	await expect(page.getByTestId('bench-summary')).toContainText('answers from 1 model(s)');
});
