import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeLeaderboard, toJsonl } from '#rating/index';
import { generateBattles } from '#rating/synthetic';
import { runLeaderboard } from './run-leaderboard';

const dir = mkdtempSync(join(tmpdir(), 'lumen-leaderboard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { battles } = generateBattles({ models: 5, battles: 3000, seed: 31, anonymousShare: 0.95 });
const jsonl = join(dir, 'battles.jsonl');
writeFileSync(jsonl, toJsonl(battles));

function sink() {
	let text = '';
	return { write: (s: string) => (text += s), get text() { return text; } };
}

describe('runLeaderboard', () => {
	it('prints the FastChat-style leaderboard as JSON', async () => {
		const out = sink();
		const err = sink();
		await runLeaderboard({ battles: jsonl, bootstrap: 30, json: true, seed: 2 }, out, err);
		const printed = JSON.parse(out.text) as Array<{ model: string; rating: number; ci: [number, number]; elo: number; votes: number }>;
		const expected = computeLeaderboard(battles, { bootstrapRounds: 30, seed: 2 });
		expect(printed).toHaveLength(5);
		printed.forEach((row, i) => {
			expect(Object.keys(row)).toEqual(['model', 'rating', 'ci', 'elo', 'votes']);
			expect(row.model).toBe(expected[i].model);
			expect(row.rating).toBeCloseTo(expected[i].rating, 2);
			expect(row.ci[0]).toBeCloseTo(expected[i].ci[0], 2);
			expect(row.ci[1]).toBeCloseTo(expected[i].ci[1], 2);
			expect(row.elo).toBeCloseTo(expected[i].elo, 2);
			expect(row.votes).toBe(expected[i].votes);
		});
		expect(err.text).toMatch(/^Left out \d+ battle\(s\) that are named \(anony: false\) or flagged \(identity_leak, answer_error, unfinished\); \d+ counted\.\n$/);
	});

	it('prints a readable table by default', async () => {
		const out = sink();
		await runLeaderboard({ battles: jsonl, bootstrap: 10 }, out, sink());
		const lines = out.text.trimEnd().split('\n');
		expect(lines[0]).toMatch(/^Rank\s+Model\s+Rating\s+95% CI\s+Elo\s+Votes$/);
		expect(lines).toHaveLength(6);
		expect(lines[1]).toMatch(/^\s*1\s+model-\d\d\s+\d{3,4}\s+\+\d+\/-\d+\s+\d{3,4}\s+\d+$/);
	});

	it('reads a JSON array file and skips bad entries with a note', async () => {
		const file = join(dir, 'battles.json');
		writeFileSync(file, JSON.stringify([...battles.slice(0, 500), { model_a: 'x', winner: 'model_a' }]));
		const out = sink();
		const err = sink();
		const rows = await runLeaderboard({ battles: file, bootstrap: 0, json: true }, out, err);
		expect(rows.reduce((s, r) => s + r.votes, 0)).toBe(2 * battles.slice(0, 500).filter((b) => b.anony !== false).length);
		expect(err.text).toContain('Skipped 1 bad line(s)');
		expect(err.text).toContain('line 501: item 501: model_b:');
	});

	it('anchors a model when asked, and says so when it is absent', async () => {
		const rows = await runLeaderboard({ battles: jsonl, bootstrap: 5, anchor: 'model-01', anchorRating: 1114 }, sink(), sink());
		expect(rows.find((r) => r.model === 'model-01')?.rating).toBeCloseTo(1114, 9);
		const err = sink();
		await runLeaderboard({ battles: jsonl, bootstrap: 0, anchor: 'nobody', anchorRating: 1114 }, sink(), err);
		expect(err.text).toContain('Anchor model "nobody" has no counted battles');
		await expect(runLeaderboard({ battles: jsonl, anchor: 'model-01' }, sink(), sink())).rejects.toThrow(/--anchor-rating/);
	});

	it('explains a missing file', async () => {
		await expect(runLeaderboard({ battles: join(dir, 'nope.jsonl') }, sink(), sink())).rejects.toThrow(/cannot read battle file .*nope\.jsonl/);
	});
});
