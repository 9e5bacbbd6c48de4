// The leaderboard in real Chromium: battles imported through the file input are rated in this
// browser (models in order, vote counts), and "Export battles" downloads the same battles back.
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';

type Line = { model_a: string; model_b: string; winner: string; anony?: boolean; tstamp: number; battle_id?: string };

function battles(): Line[] {
	const out: Line[] = [];
	let t = 1_700_000_000;
	const add = (a: string, b: string, winner: string, n: number) => {
		for (let i = 0; i < n; i++) out.push({ model_a: a, model_b: b, winner, anony: true, tstamp: t++ });
	};
	add('alpha', 'beta', 'model_a', 6);
	add('alpha', 'beta', 'model_b', 1);
	add('beta', 'gamma', 'model_a', 5);
	add('gamma', 'beta', 'model_a', 2);
	add('gamma', 'alpha', 'model_b', 5);
	add('alpha', 'gamma', 'tie', 1);
	out[0].battle_id = 'kept-id-1';
	return out;
}

const key = (b: Line) => `${b.model_a}|${b.model_b}|${b.winner}|${b.tstamp}`;

test('leaderboard: import battles, models ranked with vote counts, export gives the same battles back', async ({ page, server }) => {
	await page.goto(server.url);
	await page.getByRole('link', { name: 'Leaderboard' }).click();
	await expect(page.getByRole('heading', { name: 'Leaderboard' })).toBeVisible();
	await expect(page.getByText('No votes yet')).toBeVisible();

	const seeded = battles();
	await page.getByLabel('Import battles').setInputFiles({
		name: 'battles.jsonl',
		mimeType: 'application/x-ndjson',
		buffer: Buffer.from(seeded.map((b) => JSON.stringify(b)).join('\n') + '\n')
	});
	await expect(page.getByTestId('import-notice')).toContainText(`Imported ${seeded.length} battle(s)`);

	const table = page.getByRole('table');
	await expect(table.getByRole('caption')).toContainText(`${seeded.length} anonymous battle(s)`);
	const rows = table.locator('tbody tr');
	await expect(rows.getByRole('rowheader')).toHaveText(['alpha', 'beta', 'gamma']);
	// Votes: battles each model took part in, ties included.
	await expect(rows.locator('td:last-child')).toHaveText(['13', '14', '13']);
	await expect(page.getByRole('img', { name: 'Pairwise win fraction heatmap' })).toBeVisible();

	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export battles' }).click();
	const download = await downloading;
	expect(download.suggestedFilename()).toBe('lumen-battles.jsonl');
	const exported = readFileSync(await download.path(), 'utf8')
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as Line);
	expect(exported.map(key).sort()).toEqual(seeded.map(key).sort());
	expect(exported.find((b) => b.tstamp === seeded[0].tstamp)?.battle_id).toBe('kept-id-1');
	expect(new Set(exported.map((b) => b.battle_id)).size).toBe(seeded.length);

	// Importing the export again adds nothing: battle ids travel with the file.
	await page.getByLabel('Import battles').setInputFiles({ name: 'again.jsonl', mimeType: 'application/x-ndjson', buffer: readFileSync(await download.path()) });
	await expect(page.getByTestId('import-notice')).toContainText(`Imported 0 battle(s); ${seeded.length} were already here.`);
});
