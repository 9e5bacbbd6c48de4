// Style control and categories on the leaderboard in real Chromium: battles with conv_metadata
// (the length-biased fixture) imported through the file input, the style-control toggle showing
// the coefficients and the rank change, category tabs, and an export that keeps every field.
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';

const fixture = readFileSync(new URL('../src/lib/rating/fixtures/style-battles.jsonl', import.meta.url), 'utf8').trim().split('\n').slice(0, 1500);
type Line = Record<string, unknown> & { tstamp: number };
const clean = fixture.map((line, i) => {
	const b = JSON.parse(line) as Line;
	// A category to switch to: every fifth battle is a multi-turn one. Every seventh carries the other
	// optional fields a battle may have (FastChat's question_id, judge and dedup_tag, our flags set false).
	const more = i % 7 === 0 ? { question_id: `q${i}`, judge: `arena_user_${i % 3}`, dedup_tag: { high_freq: i % 2 === 0, sampled: true }, is_code: false, identity_leak: false } : {};
	return { ...(i % 5 === 0 ? { ...b, turn: 2 } : b), ...more };
});
// Battles FastChat's cleaning drops: kept in the file and the export, never rated.
const flagged = (['identity_leak', 'answer_error', 'unfinished'] as const).map((flag, i) => ({
	...(JSON.parse(fixture[i]) as Line),
	tstamp: 1_800_000_000 + i,
	winner: 'model_b',
	is_code: true,
	[flag]: true
}));
const seeded: Line[] = [...clean, ...flagged];

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
	// 1,500 clean battles count; the three flagged ones (all coding) do not, so there is no Coding tab.
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
