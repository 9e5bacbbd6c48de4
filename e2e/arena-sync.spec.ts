// Votes reach a real coordinator: one cast online arrives, one cast while the browser is offline
// arrives after reconnection, and each arrives exactly once (the outbox retries, the server dedupes);
// the leaderboard page counts them.
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { startServer, type AppServer } from './server';

let coordinator: AppServer;

test.beforeAll(async () => {
	// The coordinator serves the built app and the arena API on one origin; votes for in-browser models need no worker.
	coordinator = await startServer({ LUMEN_WEB_DIR: 'build', LUMEN_DB: ':memory:' });
});

test.afterAll(async () => {
	await coordinator?.stop();
});

async function serverVotes(): Promise<{ model_a: string; model_b: string; winner: string; anony: boolean }[]> {
	const res = await fetch(`${coordinator.url}/api/arena/battles.jsonl`);
	expect(res.status).toBe(200);
	return (await res.text())
		.split('\n')
		.filter((l) => l.trim())
		.map((l) => JSON.parse(l));
}

async function battle(page: Page, vote: 'A is better' | 'Tie', beforeVote?: () => Promise<void>) {
	await page.getByRole('textbox', { name: 'Message' }).fill('Which of you is better?');
	await page.getByRole('button', { name: 'Send' }).click();
	await expect(page.getByRole('button', { name: vote, exact: true })).toBeEnabled({ timeout: 120_000 });
	await beforeVote?.();
	await page.getByRole('button', { name: vote, exact: true }).click();
	await expect(page.getByRole('region', { name: 'Model A', exact: true }).getByRole('heading')).toHaveText(/^Model A: lumen-tiny-/);
}

test('arena votes sync to the coordinator, and a vote cast offline arrives exactly once after reconnecting', async ({ page, context }) => {
	await page.goto(`${coordinator.url}/settings`);
	await page.getByLabel('Coordinator URL').fill(coordinator.url);
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();

	await page.goto(`${coordinator.url}/arena?device=wasm&models=lumen-tiny-a,lumen-tiny-b`);
	await page.getByLabel('Max new tokens').fill('8');
	await page.getByLabel('Temperature').fill('0');

	// Online: the vote is sent right away.
	await battle(page, 'A is better');
	await expect.poll(async () => (await serverVotes()).length, { timeout: 30_000 }).toBe(1);
	expect((await serverVotes())[0]).toMatchObject({ winner: 'model_a', anony: true });

	// Offline: the vote waits in the outbox; nothing reaches the server.
	await page.getByRole('button', { name: 'New round' }).click();
	await battle(page, 'Tie', () => context.setOffline(true));
	await page.waitForTimeout(3_000);
	expect((await serverVotes()).length, 'nothing can arrive while the browser is offline').toBe(1);

	// Back online: the vote arrives, once.
	await context.setOffline(false);
	await expect.poll(async () => (await serverVotes()).length, { timeout: 45_000 }).toBe(2);
	await page.waitForTimeout(3_000);
	const votes = await serverVotes();
	expect(votes).toHaveLength(2);
	expect(votes.map((v) => v.winner).sort()).toEqual(['model_a', 'tie']);
	for (const v of votes) expect([v.model_a, v.model_b].sort()).toEqual(['lumen-tiny-a', 'lumen-tiny-b']);

	// The coordinator's leaderboard counts both anonymous votes.
	const board = (await (await fetch(`${coordinator.url}/api/arena/leaderboard?bootstrap=10`)).json()) as { rows: { model: string; votes: number }[] };
	expect(board.rows.map((r) => [r.model, r.votes]).sort()).toEqual([
		['lumen-tiny-a', 2],
		['lumen-tiny-b', 2]
	]);

	// This browser's leaderboard page shows the same two battles.
	await page.goto(`${coordinator.url}/leaderboard`);
	const table = page.getByRole('table');
	for (const model of ['lumen-tiny-a', 'lumen-tiny-b']) {
		const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: model, exact: true }) });
		await expect(row.getByRole('cell').last()).toHaveText('2');
	}
});
