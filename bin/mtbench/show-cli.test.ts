// Compatibility with FastChat's files: judgment files written here exactly as FastChat's gen_judgment.py writes
// them (Python's json.dumps spacing, the judge as a [model, prompt] pair, every field) are read by
// `lumen mtbench show`, run as a real process, and give the numbers worked out by hand in the comments.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../workers/native/test-support';

const dir = mkdtempSync(join(tmpdir(), 'lumen-mtbench-show-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Python's json.dumps: ", " and ": " separators (values here are strings, numbers and arrays of strings). */
function pyDumps(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
	if (typeof value === 'object' && value !== null) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pyDumps(v)}`).join(', ')}}`;
	return JSON.stringify(value);
}

function single(question_id: number, model: string, score: number, turn: number): string {
	const judge = turn === 1 ? 'single-v1' : 'single-v1-multi-turn';
	return pyDumps({ question_id, model, judge: ['gpt-4', judge], user_prompt: `[Question]\nq${question_id}`, judgment: `Fine. Rating: [[${score}]]`, score, turn, tstamp: 1687221894.2 });
}
function pair(question_id: number, model_1: string, model_2: string, g1_winner: string, g2_winner: string): string {
	return pyDumps({
		question_id,
		model_1,
		model_2,
		g1_winner,
		g2_winner,
		judge: ['gpt-4', 'pair-v2'],
		g1_user_prompt: 'p1',
		g1_judgment: 'j1',
		g2_user_prompt: 'p2',
		g2_judgment: 'j2',
		turn: 1,
		tstamp: 1687222000.5
	});
}

const singleFile = join(dir, 'gpt-4_single.jsonl');
writeFileSync(
	singleFile,
	[
		single(81, 'vicuna-13b', 8, 1),
		single(82, 'vicuna-13b', 6.5, 1),
		single(83, 'vicuna-13b', 9, 1),
		single(81, 'vicuna-13b', 5, 2),
		single(82, 'vicuna-13b', -1, 2),
		single(81, 'alpaca-13b', 4, 1),
		single(82, 'alpaca-13b', 3, 1),
		single(81, 'alpaca-13b', 2, 2),
		single(82, 'alpaca-13b', 1, 2),
		single(81, 'llama-13b', -1, 1)
	].join('\n') + '\n'
);
const pairFile = join(dir, 'gpt-4_pair.jsonl');
writeFileSync(
	pairFile,
	[
		pair(81, 'vicuna-13b', 'gpt-3.5-turbo', 'model_1', 'model_1'),
		pair(82, 'vicuna-13b', 'gpt-3.5-turbo', 'model_2', 'model_2'),
		pair(83, 'vicuna-13b', 'gpt-3.5-turbo', 'model_1', 'tie'),
		pair(84, 'vicuna-13b', 'gpt-3.5-turbo', 'tie', 'tie'),
		pair(81, 'alpaca-13b', 'gpt-3.5-turbo', 'model_2', 'model_2'),
		pair(82, 'alpaca-13b', 'gpt-3.5-turbo', 'error', 'model_1'),
		pair(83, 'alpaca-13b', 'gpt-3.5-turbo', 'model_1', 'model_1'),
		pair(84, 'alpaca-13b', 'gpt-3.5-turbo', 'model_1', 'model_1'),
		pair(81, 'alpaca-13b', 'vicuna-13b', 'model_1', 'model_1')
	].join('\n') + '\n'
);

function show(...args: string[]) {
	const r = spawnSync(process.execPath, ['bin/lumen.js', 'mtbench', 'show', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
	return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lumen mtbench show on FastChat-format judgment files', () => {
	it('the test files are in Python json.dumps form', () => {
		expect(single(81, 'm', 8, 1)).toBe(
			'{"question_id": 81, "model": "m", "judge": ["gpt-4", "single-v1"], "user_prompt": "[Question]\\nq81", "judgment": "Fine. Rating: [[8]]", "score": 8, "turn": 1, "tstamp": 1687221894.2}'
		);
	});

	it('single --json: mean of turn 1, turn 2 and all scores, -1 left out', () => {
		const r = show('--input-file', singleFile, '--mode', 'single', '--json');
		expect(r.stderr).toBe('');
		expect(r.status).toBe(0);
		// vicuna: (8 + 6.5 + 9) / 3, 5, (8 + 6.5 + 9 + 5) / 4 = 7.125; alpaca: 3.5, 1.5, 2.5; llama has only -1.
		expect(JSON.parse(r.stdout)).toEqual({
			mode: 'single',
			rows: [
				{ model: 'vicuna-13b', turn1: 23.5 / 3, turn2: 5, average: 7.125 },
				{ model: 'alpaca-13b', turn1: 3.5, turn2: 1.5, average: 2.5 }
			]
		});
	});

	it('single as a table', () => {
		const r = show('--input-file', singleFile, '--mode', 'single');
		expect(r.stdout).toBe(
			`Mode: single\nInput file: ${singleFile}\n\n` +
				'model        turn1   turn2  average\n' +
				'vicuna-13b  7.8333  5.0000   7.1250\n' +
				'alpaca-13b  3.5000  1.5000   2.5000\n'
		);
	});

	it('pairwise-baseline --json: only pairs with the baseline, inconsistent games a tie, errors dropped, no baseline row', () => {
		const r = show('--input-file', pairFile, '--mode', 'pairwise-baseline', '--baseline-model', 'gpt-3.5-turbo', '--json');
		expect(r.status).toBe(0);
		// alpaca: lines 5 (loss), 7 and 8 (wins), 6 dropped; vicuna: 1 win, 1 loss, 2 ties (line 3 disagrees, line 4 tie).
		expect(JSON.parse(r.stdout)).toEqual({
			mode: 'pairwise-baseline',
			rows: [
				{ model: 'alpaca-13b', win: 2, loss: 1, tie: 0, win_rate: 2 / 3, loss_rate: 1 / 3, win_rate_adjusted: 2 / 3 },
				{ model: 'vicuna-13b', win: 1, loss: 1, tie: 2, win_rate: 0.25, loss_rate: 0.25, win_rate_adjusted: 0.5 }
			]
		});
	});

	it('pairwise-all --json: every pair counts and every model has a row', () => {
		const r = show('--input-file', pairFile, '--mode', 'pairwise-all', '--json');
		// alpaca 3-1-0; gpt-3.5-turbo 2-3-2 (adjusted 3/7); vicuna 1-2-2 (the alpaca pair is a loss; adjusted 2/5).
		expect(JSON.parse(r.stdout)).toEqual({
			mode: 'pairwise-all',
			rows: [
				{ model: 'alpaca-13b', win: 3, loss: 1, tie: 0, win_rate: 0.75, loss_rate: 0.25, win_rate_adjusted: 0.75 },
				{ model: 'gpt-3.5-turbo', win: 2, loss: 3, tie: 2, win_rate: 2 / 7, loss_rate: 3 / 7, win_rate_adjusted: 3 / 7 },
				{ model: 'vicuna-13b', win: 1, loss: 2, tie: 2, win_rate: 0.2, loss_rate: 0.4, win_rate_adjusted: 0.4 }
			]
		});
	});

	it('refuses bad input with a reason: a bad line (named), a missing baseline, a missing file, an unknown mode', () => {
		const bad = join(dir, 'bad.jsonl');
		writeFileSync(bad, single(81, 'm', 8, 1) + '\n' + '{"question_id": 82, "model": "m", "turn": 1}\n');
		let r = show('--input-file', bad, '--mode', 'single');
		expect(r.status).toBe(1);
		expect(r.stderr).toMatch(/bad\.jsonl line 2: judge: .*Fix or remove that line\./);
		r = show('--input-file', pairFile, '--mode', 'pairwise-baseline');
		expect(r.stderr).toContain('pairwise-baseline needs --baseline-model');
		r = show('--input-file', join(dir, 'missing.jsonl'), '--mode', 'single');
		expect(r.stderr).toMatch(/The judgment file .*missing\.jsonl does not exist/);
		r = show('--input-file', singleFile, '--mode', 'pairs');
		expect(r.status).toBe(1);
		expect(r.stderr).toMatch(/Allowed choices are single, pairwise-baseline, pairwise-all/);
	});
});
