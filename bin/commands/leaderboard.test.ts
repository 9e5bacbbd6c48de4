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
		expect(r.stderr).toMatch(/1 non-anonymous/);
	});

	it('fails with a clear message when the file is missing', () => {
		const r = run(['leaderboard', '--battles', '/nonexistent/battles.jsonl']);
		expect(r.status).toBe(1);
		expect(r.stderr).toMatch(/cannot read battle file/);
	});
});
