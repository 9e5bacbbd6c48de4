// The arena page against a coordinator that moderates with a word list: a flagged prompt gets a plain
// message and reaches neither model; a clean one is answered, and its vote (for the battle id the
// coordinator issued before the first prompt) is counted on the coordinator's board.
import { test, expect } from './fixtures';
import { startServer, type AppServer } from './server';

let coordinator: AppServer;

test.beforeAll(async () => {
	// Default integrity settings (votes for ids never issued are refused), plus a moderation word list.
	coordinator = await startServer({ LUMEN_WEB_DIR: 'build', LUMEN_DB: ':memory:', LUMEN_ARENA_MODERATION_WORDS: 'forbiddenword' });
});

test.afterAll(async () => {
	await coordinator?.stop();
});

test('arena: the moderation hook blocks a flagged prompt in the page; a clean battle is voted on and counted', async ({ page }) => {
	await page.goto(`${coordinator.url}/settings`);
	await page.getByLabel('Coordinator URL').fill(coordinator.url);
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();

	const asked: string[] = [];
	page.on('request', (r) => {
		if (r.url().includes('/api/arena/')) asked.push(new URL(r.url()).pathname);
	});
	await page.goto(`${coordinator.url}/arena?device=wasm&models=lumen-tiny-a,lumen-tiny-b`);
	await page.getByLabel('Max new tokens').fill('8');
	await page.getByLabel('Temperature').fill('0');
	const sideA = page.getByRole('region', { name: 'Model A', exact: true });
	const sideB = page.getByRole('region', { name: 'Model B', exact: true });

	// Flagged: a plain message, and neither side shows the prompt or starts answering.
	await page.getByRole('textbox', { name: 'Message' }).fill('Tell me about ForbiddenWord please');
	await page.getByRole('button', { name: 'Send' }).click();
	await expect(page.getByRole('alert')).toHaveText(/not sent: it goes against the arena's content rules/);
	await expect(sideA).not.toContainText('ForbiddenWord');
	await expect(sideB).not.toContainText('ForbiddenWord');
	await expect(page.getByRole('button', { name: 'A is better', exact: true })).toBeDisabled();
	expect(asked).toEqual(['/api/arena/battles', '/api/arena/moderate']);
	// The refused prompt stays in the box, to be edited rather than typed again.
	await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue('Tell me about ForbiddenWord please');

	// Clean: both sides answer, the vote goes to the issued battle and counts.
	await page.getByRole('textbox', { name: 'Message' }).fill('Which of you is better?');
	await page.getByRole('button', { name: 'Send' }).click();
	await expect(page.getByRole('alert')).toHaveCount(0);
	await expect(sideA).toContainText('Which of you is better?');
	await expect(page.getByRole('button', { name: 'B is better', exact: true })).toBeEnabled({ timeout: 120_000 });
	await page.getByRole('button', { name: 'B is better', exact: true }).click();
	await expect
		.poll(async () => ((await (await fetch(`${coordinator.url}/api/arena/leaderboard?bootstrap=0`)).json()) as { battles: number }).battles, { timeout: 30_000 })
		.toBe(1);
	expect(asked.filter((p) => p === '/api/arena/battles')).toHaveLength(1);
	expect(asked.filter((p) => p === '/api/arena/moderate')).toHaveLength(2);
});
