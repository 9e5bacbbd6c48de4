// Style control and categories on the leaderboard in real Chromium: battles with conv_metadata
// (the length-biased fixture) imported through the file input, the style-control toggle showing
// the coefficients and the rank change, category tabs, and an export that keeps every field.
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';

const fixture = readFileSync(new URL('../src/lib/rating/fixtures/style-battles.jsonl', import.meta.url), 'utf8').trim().split('\n').slice(0, 1500);
type Line = Record<string, unknown> & { tstamp: number };
const seeded = fixture.map((line, i) => {
	const b = JSON.parse(line) as Line;
	// A category to switch to: every fifth battle is a multi-turn one.
	return i % 5 === 0 ? { ...b, turn: 2 } : b;
});

test('leaderboard: style control toggle with coefficients and rank change, category tabs, export keeps every field', async ({ page, server }) => {
	await page.goto(`${server.url}/leaderboard`);
	await expect(page.getByText('No votes yet')).toBeVisible();
	await page.getByLabel('Import battles').setInputFiles({
		name: 'style.jsonl',
		mimeType: 'application/x-ndjson',
		buffer: Buffer.from(seeded.map((b) => JSON.stringify(b)).join('\n') + '\n')
	});
	await expect(page.getByTestId('import-notice')).toContainText(`Imported ${seeded.length} battle(s)`);

	const tabs = page.getByRole('tablist', { name: 'Category' });
	await expect(tabs.getByRole('tab')).toHaveText(['Overall (1500)', 'Multi-Turn (300)', 'English (1500)']);
	const table = page.getByRole('table').first();
	const rows = table.locator('tbody tr');
	await expect(rows).toHaveCount(6);
	// Raw: the verbose charlie is first.
	await expect(rows.first().getByRole('rowheader')).toHaveText('charlie');

	await page.getByLabel('Style control').check();
	await expect(table.getByRole('caption')).toContainText('style-controlled ratings');
	await expect(table.locator('thead th')).toHaveText(['Rank', 'Model', 'Rating', '95% interval', 'Raw rank', 'Rank change', 'Raw rating', 'Votes']);
	await expect(rows.first().getByRole('rowheader')).toHaveText('alpha');
	const charlie = rows.filter({ has: page.getByRole('rowheader', { name: 'charlie' }) });
	await expect(charlie.locator('td').nth(3)).toHaveText('1'); // raw rank (the model is the row header, not a td)
	await expect(charlie.locator('td').nth(4)).toHaveText(/^↓\d$/);
	const coefficients = page.getByRole('region', { name: 'Style coefficients' });
	await expect(coefficients.getByRole('rowheader')).toHaveText(['length', 'header', 'list', 'bold']);
	const length = Number(await coefficients.locator('tbody tr').first().locator('td').first().textContent());
	expect(length).toBeGreaterThan(0.3);

	await tabs.getByRole('tab', { name: 'Multi-Turn (300)' }).click();
	await expect(tabs.getByRole('tab', { name: 'Multi-Turn (300)' })).toHaveAttribute('aria-selected', 'true');
	await expect(table.getByRole('caption')).toContainText('300 anonymous battle(s) in Multi-Turn, style-controlled ratings');

	const downloading = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Export battles' }).click();
	const exported = readFileSync(await (await downloading).path(), 'utf8')
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as Line);
	const byTime = new Map(exported.map((b) => [b.tstamp, b]));
	expect(exported).toHaveLength(seeded.length);
	for (const b of seeded) {
		const { battle_id, ...rest } = byTime.get(b.tstamp) as Line;
		expect(typeof battle_id).toBe('string');
		expect(rest).toEqual(b);
	}
});
