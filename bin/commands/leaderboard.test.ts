// `lumen leaderboard` as a real process on a FastChat-format battle file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../workers/native/test-support';

const run = (args: string[]) => spawnSync(process.execPath, ['bin/lumen.js', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });

function battleFile(lines: object[]): string {
	const file = join(mkdtempSync(join(tmpdir(), 'lumen-battles-')), 'battles.jsonl');
	writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
	return file;
}

describe('lumen leaderboard', () => {
	it('prints Bradley-Terry ratings with intervals as JSON, counting only anonymous battles', () => {
		const battle = (a: string, b: string, winner: string, anony = true) => ({ model_a: a, model_b: b, winner, anony, tstamp: 1, turn: 1 });
		const file = battleFile([
			battle('x', 'y', 'model_a'),
			battle('x', 'y', 'model_a'),
			battle('y', 'x', 'model_b'),
			battle('y', 'x', 'model_a'),
			battle('y', 'x', 'model_a', false)
		]);
		const r = run(['leaderboard', '--battles', file, '--bootstrap', '50', '--json']);
		expect(r.status, r.stderr).toBe(0);
		const rows = JSON.parse(r.stdout) as { model: string; rating: number; ci: [number, number]; elo: number; votes: number }[];
		expect(rows.map((row) => row.model)).toEqual(['x', 'y']);
		// x won 3 of 4: the Bradley-Terry gap is 400·log10(3), centred on 1000.
		expect(rows[0].rating - rows[1].rating).toBeCloseTo(400 * Math.log10(3), 1);
		expect(rows[0].rating + rows[1].rating).toBeCloseTo(2000, 1);
		expect(rows[0].votes).toBe(4);
		expect(rows[0].ci[0]).toBeLessThanOrEqual(rows[0].rating);
		expect(rows[0].ci[1]).toBeGreaterThanOrEqual(rows[0].rating);
		expect(r.stderr).toMatch(/Left out 1 battle\(s\) that are named/);
	});

	it('--style-control prints the style-controlled board beside the raw rank, with the coefficients', () => {
		const file = 'src/lib/rating/fixtures/style-battles.jsonl';
		const json = run(['leaderboard', '--battles', file, '--style-control', '--bootstrap', '20', '--json']);
		expect(json.status, json.stderr).toBe(0);
		const board = JSON.parse(json.stdout) as {
			rows: { model: string; rating: number; ci: [number, number]; votes: number; rank: number; raw_rating: number; raw_rank: number; rank_change: number }[];
			coefficients: { name: string; value: number; ci: [number, number] }[];
		};
		expect(board.rows.map((r) => r.model)).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot']);
		const charlie = board.rows.find((r) => r.model === 'charlie');
		expect(charlie?.raw_rank).toBe(1);
		expect(charlie?.rank_change).toBe((charlie?.raw_rank ?? 0) - (charlie?.rank ?? 0));
		expect(charlie?.rank_change).toBeLessThan(0);
		expect(board.coefficients.map((c) => c.name)).toEqual(['length', 'header', 'list', 'bold']);
		expect(board.coefficients[0].value).toBeGreaterThan(0.3);

		const table = run(['leaderboard', '--battles', file, '--style-control', '--bootstrap', '5']);
		expect(table.status, table.stderr).toBe(0);
		const lines = table.stdout.split('\n');
		expect(lines[0]).toMatch(/^Rank \(SC\)\s+Raw rank\s+Δ\s+Model\s+Rating \(SC\)\s+95% CI\s+Raw rating\s+Votes$/);
		expect(table.stdout).toMatch(/\n\s*\d+\s+1\s+↓\d+\s+charlie\s+\d{3,4}\s/);
		expect(table.stdout).toMatch(/Style coefficients[^\n]*\n\s+length\s+\+0\.\d{3} \[/);
	});

	it('--category, --exclude-model and --exclude-ties choose the battles', () => {
		const meta = (user: number) => ({
			sum_user_tokens: user,
			sum_assistant_a_tokens: 10,
			sum_assistant_b_tokens: 12,
			context_a_tokens: user,
			context_b_tokens: user,
			header_count_a: { h1: 0 },
			header_count_b: { h1: 1 },
			list_count_a: { ordered: 0, unordered: 0 },
			list_count_b: { ordered: 1, unordered: 0 },
			bold_count_a: { '**': 0, __: 0 },
			bold_count_b: { '**': 0, __: 0 }
		});
		const b = (a: string, bb: string, winner: string, turn: number, language: string) => ({ model_a: a, model_b: bb, winner, anony: true, tstamp: 1, turn, language, conv_metadata: meta(20) });
		const file = battleFile([
			b('x', 'y', 'model_a', 1, 'English'),
			b('x', 'y', 'tie', 2, 'English'),
			b('y', 'z', 'model_a', 2, 'German'),
			b('z', 'x', 'model_b', 1, 'German'),
			b('z', 'x', 'tie (bothbad)', 3, 'German')
		]);
		const models = (args: string[]) => {
			const r = run(['leaderboard', '--battles', file, '--bootstrap', '0', '--json', ...args]);
			expect(r.status, r.stderr).toBe(0);
			return { rows: JSON.parse(r.stdout) as { model: string; votes: number }[], stderr: r.stderr };
		};
		const multi = models(['--category', 'multiturn']);
		expect(multi.rows.map((r) => `${r.model}:${r.votes}`).sort()).toEqual(['x:2', 'y:2', 'z:2']);
		expect(multi.stderr).toContain('Kept 3 of 5 battle(s) (category multiturn)');
		expect(models(['--category', 'german']).rows.map((r) => r.model).sort()).toEqual(['x', 'y', 'z']);
		expect(models(['--exclude-model', 'z', '--exclude-model', 'y']).rows).toEqual([]);
		const noTies = models(['--exclude-ties', '--exclude-model', 'y']);
		expect(noTies.rows.map((r) => `${r.model}:${r.votes}`).sort()).toEqual(['x:1', 'z:1']);

		const unknown = run(['leaderboard', '--battles', file, '--category', 'hard_6']);
		expect(unknown.status).toBe(1);
		expect(unknown.stderr).toMatch(/unknown category "hard_6".*This file offers: full \(5\), multiturn \(3\), long_user \(0\), coding \(0\)/);
		const empty = run(['leaderboard', '--battles', file, '--category', 'french']);
		expect(empty.status).toBe(1);
		expect(empty.stderr).toMatch(/no battle .* is in category "french".*german \(3\), english \(2\)/);
		const styleless = run(['leaderboard', '--battles', battleFile([{ model_a: 'x', model_b: 'y', winner: 'model_a' }]), '--style-control']);
		expect(styleless.status).toBe(1);
		expect(styleless.stderr).toMatch(/has conv_metadata.*drop --style-control/);
	});

	it('fails with a clear message when the file is missing', () => {
		const r = run(['leaderboard', '--battles', '/nonexistent/battles.jsonl']);
		expect(r.status).toBe(1);
		expect(r.stderr).toMatch(/cannot read battle file/);
	});
});
