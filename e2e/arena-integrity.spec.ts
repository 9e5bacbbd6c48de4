// The arena page against a coordinator that moderates with a word list and keeps shared conversations:
// a flagged prompt gets a plain message and reaches neither model; a clean one is answered, and its
// vote (for the battle id the coordinator issued before the first prompt) is counted on the
// coordinator's board, carrying what the page computed at vote time (language, conv_metadata), and,
// because the person ticked the consent box, its conversation reaches the clean release.
import { test, expect } from './fixtures';
import { startServer, type AppServer } from './server';

let coordinator: AppServer;

test.beforeAll(async () => {
	// Default integrity settings (votes for ids never issued are refused), plus a moderation word list.
	coordinator = await startServer({ LUMEN_WEB_DIR: 'build', LUMEN_DB: ':memory:', LUMEN_ARENA_MODERATION_WORDS: 'forbiddenword', LUMEN_ARENA_LOG_CONVERSATIONS: '1' });
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
	const prompt = 'Which of you is better at explaining how the tides of the ocean work?';
	await page.getByRole('textbox', { name: 'Message' }).fill(prompt);
	await page.getByRole('button', { name: 'Send' }).click();
	await expect(page.getByRole('alert')).toHaveCount(0);
	await expect(sideA).toContainText(prompt);
	await expect(page.getByRole('button', { name: 'B is better', exact: true })).toBeEnabled({ timeout: 120_000 });
	// This coordinator keeps conversations its voters share: the page asks, unticked until the person agrees.
	const consent = page.getByRole('checkbox', { name: /Share this battle's conversation/ });
	await expect(consent).not.toBeChecked();
	await consent.check();
	await page.getByRole('button', { name: 'B is better', exact: true }).click();
	await expect
		.poll(async () => ((await (await fetch(`${coordinator.url}/api/arena/leaderboard?bootstrap=0`)).json()) as { battles: number }).battles, { timeout: 30_000 })
		.toBe(1);
	const [released] = (await (await fetch(`${coordinator.url}/api/arena/battles.jsonl?clean=1`)).text())
		.trim()
		.split('\n')
		.map((l) => JSON.parse(l) as Record<string, unknown> & { conversation_a: { role: string; content: string }[]; conv_metadata: Record<string, unknown> });
	expect([released.model_a, released.model_b].sort()).toEqual(['lumen-tiny-a', 'lumen-tiny-b']);
	expect(released).toMatchObject({ winner: 'model_b', turn: 1, anony: true, language: 'English' });
	expect(released.conversation_a[0]).toEqual({ role: 'user', content: prompt });
	expect(released.conversation_a).toHaveLength(2);
	expect(released.conv_metadata.sum_user_tokens).toBeGreaterThan(10);
	expect(released.judge).toMatch(/^arena_user_/);
	// The stored vote carries what the page computed before sending (the operator's export has no conversation).
	const [stored] = (await (await fetch(`${coordinator.url}/api/arena/battles.jsonl`)).text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
	expect(stored).toMatchObject({ language: 'English', is_code: false });
	expect(stored).toHaveProperty('conv_metadata.sum_assistant_a_tokens');
	expect(stored).not.toHaveProperty('conversation_a');
	expect(asked.filter((p) => p === '/api/arena/battles')).toHaveLength(1);
	expect(asked.filter((p) => p === '/api/arena/moderate')).toHaveLength(2);
});
