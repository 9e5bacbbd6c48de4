// End to end, offline, real processes: lumen-tiny-a and lumen-tiny-b (native onnx workers behind a real
// coordinator) answer the built-in bench through `lumen mtbench answer`; a scripted OpenAI-compatible judge
// grades them through `lumen mtbench judge` (single, then pairwise-all, resuming after lost lines); and
// `lumen mtbench show` prints the table its fixed verdicts imply. Files are checked for FastChat's fields.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordinatorWithOnnxWorkers, type CoordinatorWithOnnxWorker } from '../../coordinator/testing/processes';
import { ensureModels } from '../../scripts/model-builder/test-support';
import { PROJECT_ROOT } from '../../workers/native/test-support';
import { lumenSample, needsReference } from '#mtbench/index';
import { startScriptedJudge, type JudgeRequest, type ScriptedJudge } from './scripted-judge';

const MODELS = ['lumen-tiny-a', 'lumen-tiny-b'];
const bench = join(mkdtempSync(join(tmpdir(), 'lumen-mtbench-e2e-')), 'bench');
let served: CoordinatorWithOnnxWorker;
let judge: ScriptedJudge;
/** Each model's first-turn answer per question id, read from its answer file once answered. */
const firstTurn = new Map<string, Map<number, string>>();

function lumen(args: string[], timeoutMs = 180_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['bin/lumen.js', 'mtbench', ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
		child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
		const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`lumen mtbench ${args.join(' ')} timed out:\n${stderr}`))), timeoutMs);
		child.once('exit', (status) => (clearTimeout(timer), resolve({ status, stdout, stderr })));
	});
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const questions = lumenSample().questions;
const questionByFirstTurn = new Map(questions.map((q) => [q.turns[0], q]));

/**
 * The judge's fixed verdicts. Single: 8 for a first turn, 6 for a second, 5 and 3 when judged against a
 * reference. Pairwise: it recognises the models by their first-turn answers and prefers lumen-tiny-a on
 * general questions and lumen-tiny-b on reference-guided ones, whatever the position ([[C]] if they answered alike).
 */
function verdict(request: JudgeRequest): string {
	const user = request.messages.at(-1)!.content;
	const ref = user.includes('<reference');
	const multiTurn = user.includes('<conversation');
	if (!/<answer_a>|<conversation_a>/.test(user)) return `Scripted judgment. Score: [[${ref ? (multiTurn ? 3 : 5) : multiTurn ? 6 : 8}]]`;
	const question = questionByFirstTurn.get(/<(?:question|user)>\n([\s\S]*?)\n<\/(?:question|user)>/.exec(user)![1])!;
	const shownA = /<(answer_a|assistant_a)>\n([\s\S]*?)\n<\/\1>/.exec(user)![2];
	const [a, b] = MODELS.map((m) => firstTurn.get(m)!.get(question.question_id as number));
	if (a === b) return 'They are the same. [[C]]';
	const preferred = ref ? b : a;
	return shownA === preferred ? 'A is better. [[A]]' : 'B is better. [[B]]';
}

beforeAll(async () => {
	ensureModels();
	[served, judge] = await Promise.all([startCoordinatorWithOnnxWorkers(MODELS), startScriptedJudge({ verdict })]);
}, 180_000);

afterAll(async () => {
	await Promise.all([served?.stop(), judge?.close()]);
	rmSync(join(bench, '..'), { recursive: true, force: true });
});

describe('lumen mtbench, end to end', () => {
	it('answers the built-in bench with both tiny models through the coordinator, in FastChat’s answer format', async () => {
		const runs = await Promise.all(MODELS.map((model) => lumen(['answer', '--bench-dir', bench, '--model', model, '--coordinator', served.coordinator.url, '--max-new-token', '8', '--parallel', '2'])));
		for (const r of runs) expect(r.status, r.stderr).toBe(0);
		expect(runs[0].stderr + runs[1].stderr).toContain('wrote the built-in lumen-sample bench');
		expect(runs[0].stderr).toMatch(/answer lumen-tiny-a: 16\/16 \(100%\), 0 failed/);
		for (const model of MODELS) {
			const answers = lines(join(bench, 'model_answer', `${model}.jsonl`));
			expect(answers.map((a) => a.question_id)).toEqual(questions.map((q) => q.question_id));
			for (const a of answers) {
				expect(Object.keys(a).sort()).toEqual(['answer_id', 'choices', 'model_id', 'question_id', 'tstamp']);
				expect(a).toMatchObject({ model_id: model, choices: [{ index: 0, turns: [expect.any(String), expect.any(String)] }] });
			}
			firstTurn.set(model, new Map(answers.map((a) => [a.question_id as number, (a.choices as { turns: string[] }[])[0].turns[0]])));
		}
		const again = await lumen(['answer', '--bench-dir', bench, '--model', 'lumen-tiny-a', '--coordinator', served.coordinator.url]);
		expect(again.stderr).toContain('0 of 16 questions to answer (16 already in');
	});

	it('judges single grading, shows the cost first, resumes after lost lines, and show prints the expected means', async () => {
		const args = ['judge', '--bench-dir', bench, '--judge-model', 'scripted-judge', '--judge-url', judge.url, '--mode', 'single', '--parallel', '4'];
		const r = await lumen(args);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stderr).toContain('cost: 64 judge calls, 4 at a time');
		expect(r.stderr).toMatch(/judge: 64\/64 \(100%\) calls, 64\/64 matches written, 0 failed/);
		expect(judge.requests).toHaveLength(64);
		expect(judge.requests.every((q) => q.model === 'scripted-judge' && q.temperature === 0 && q.max_tokens === 2048)).toBe(true);
		// 6 reference-guided questions × 2 turns × 2 models saw a reference answer.
		expect(judge.requests.filter((q) => q.messages.at(-1)!.content.includes('<reference')).length).toBe(6 * 2 * 2);
		expect(judge.peakConcurrency()).toBeLessThanOrEqual(4);

		const file = join(bench, 'model_judgment', 'scripted-judge_single.jsonl');
		const written = lines(file);
		for (const j of written) expect(Object.keys(j).sort()).toEqual(['judge', 'judgment', 'model', 'question_id', 'score', 'tstamp', 'turn', 'user_prompt']);
		// Lose the last 10 lines (as if the run had been stopped): only those are judged again.
		writeFileSync(file, readFileSync(file, 'utf8').trim().split('\n').slice(0, -10).join('\n') + '\n');
		const resumed = await lumen(args);
		expect(resumed.stderr).toContain('cost: 10 judge calls');
		expect(judge.requests).toHaveLength(74);
		expect(lines(file)).toHaveLength(64);

		const shown = await lumen(['show', '--input-file', file, '--mode', 'single', '--json']);
		// Turn 1: (10 general × 8 + 6 reference × 5) / 16 = 6.875; turn 2: (10 × 6 + 6 × 3) / 16 = 4.875; all: 188 / 32 = 5.875.
		expect(JSON.parse(shown.stdout)).toEqual({
			mode: 'single',
			rows: MODELS.map((model) => ({ model, turn1: 6.875, turn2: 4.875, average: 5.875 }))
		});
	});

	it('judges pairwise-all with swapped positions, and show prints the expected table', async () => {
		const before = judge.requests.length;
		const r = await lumen(['judge', '--bench-dir', bench, '--judge-model', 'scripted-judge', '--judge-url', judge.url, '--mode', 'pairwise-all', '--parallel', '8']);
		expect(r.status, r.stderr).toBe(0);
		expect(r.stderr).toContain('32 matches, 0 already judged');
		expect(r.stderr).toContain('cost: 64 judge calls, 8 at a time');
		expect(judge.requests.length - before).toBe(64);
		const file = join(bench, 'model_judgment', 'scripted-judge_pair.jsonl');
		for (const j of lines(file))
			expect(Object.keys(j).sort()).toEqual(['g1_judgment', 'g1_user_prompt', 'g1_winner', 'g2_judgment', 'g2_user_prompt', 'g2_winner', 'judge', 'model_1', 'model_2', 'question_id', 'tstamp', 'turn']);

		// Expected from the verdict rule alone: each question gives two matches (turn 1, turn 2); tiny-a wins general
		// ones, tiny-b reference-guided ones, a tie where their first answers are the same.
		const count = { a: { win: 0, loss: 0, tie: 0 }, b: { win: 0, loss: 0, tie: 0 } };
		for (const q of questions) {
			const same = firstTurn.get(MODELS[0])!.get(q.question_id as number) === firstTurn.get(MODELS[1])!.get(q.question_id as number);
			const [w, l] = needsReference(q.category) ? (['b', 'a'] as const) : (['a', 'b'] as const);
			for (let turn = 0; turn < 2; turn++) {
				if (same) {
					count.a.tie++;
					count.b.tie++;
				} else {
					count[w].win++;
					count[l].loss++;
				}
			}
		}
		// The two random-weight models answer differently, so the table has wins and losses, not only ties.
		expect(count.a.win + count.b.win).toBeGreaterThan(0);
		const row = (model: string, c: { win: number; loss: number; tie: number }) => ({
			model,
			...c,
			win_rate: c.win / 32,
			loss_rate: c.loss / 32,
			win_rate_adjusted: (c.win + 0.5 * c.tie) / 32
		});
		const expected = [row(MODELS[0], count.a), row(MODELS[1], count.b)].sort((x, y) => y.win_rate_adjusted - x.win_rate_adjusted || x.model.localeCompare(y.model));
		const shown = await lumen(['show', '--input-file', file, '--mode', 'pairwise-all', '--json']);
		expect(JSON.parse(shown.stdout)).toEqual({ mode: 'pairwise-all', rows: expected });
		const table = await lumen(['show', '--input-file', file, '--mode', 'pairwise-all']);
		expect(table.stdout).toMatch(/model\s+win\s+loss\s+tie\s+win_rate\s+loss_rate\s+win_rate_adjusted\n/);
		expect(table.stdout).toContain(`${expected[0].model}  `);
	});
});
