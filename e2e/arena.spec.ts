// The arena for real: two tiny models in two Web Workers answer side by side, votes open only when
// both are done, names are revealed after the vote, and every vote lands in IndexedDB (`lumen-votes`).
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

const MODELS = ['lumen-tiny-a', 'lumen-tiny-b'];
const VOTES = [
	{ label: 'A is better', winner: 'model_a' },
	{ label: 'B is better', winner: 'model_b' },
	{ label: 'Tie', winner: 'tie' },
	{ label: 'Both are bad', winner: 'tie (bothbad)' }
] as const;

type StoredVote = { battle_id: string; model_a: string; model_b: string; winner: string; anony: boolean; tstamp: number; turn: number };

const side = (page: Page, label: 'Model A' | 'Model B') => page.getByRole('region', { name: label, exact: true });
const voteButtons = (page: Page) => VOTES.map((v) => page.getByRole('button', { name: v.label, exact: true }));

async function expectVoting(page: Page, enabled: boolean) {
	for (const button of voteButtons(page)) await (enabled ? expect(button).toBeEnabled({ timeout: 120_000 }) : expect(button).toBeDisabled());
}

/**
 * Sends one message to both sides and watches every DOM change until both answers are done: votes must
 * stay closed while either side is still answering. Returns whether both answered at once and how many
 * distinct lengths each answer showed.
 */
async function sendAndWait(page: Page, text: string): Promise<{ together: boolean; a: number; b: number }> {
	await page.evaluate((labels) => {
		const w = window as unknown as { __arena: { votedEarly: boolean; together: boolean; a: Set<number>; b: Set<number> }; __arenaObserver?: MutationObserver };
		w.__arenaObserver?.disconnect();
		const state = { votedEarly: false, together: false, a: new Set<number>(), b: new Set<number>() };
		w.__arena = state;
		const check = () => {
			const stop = [...document.querySelectorAll('button')].find((el) => el.textContent?.trim() === 'Stop');
			const votes = [...document.querySelectorAll('[aria-label="Vote"] button')] as HTMLButtonElement[];
			if (stop && !(stop as HTMLButtonElement).disabled && votes.some((v) => !v.disabled)) state.votedEarly = true;
			let busy = 0;
			for (const [key, label] of [['a', labels[0]], ['b', labels[1]]] as const) {
				const last = [...document.querySelectorAll(`section[aria-label="${label}"] [data-role="assistant"]`)].at(-1);
				if (last?.getAttribute('aria-busy') !== 'true') continue;
				busy++;
				state[key].add(last.getAttribute('data-raw')?.length ?? 0);
			}
			if (busy === 2) state.together = true;
		};
		w.__arenaObserver = new MutationObserver(check);
		w.__arenaObserver.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
	}, ['Model A', 'Model B']);
	await page.getByRole('textbox', { name: 'Message' }).fill(text);
	await page.getByRole('button', { name: 'Send' }).click();
	await expectVoting(page, true);
	await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled();
	const seen = await page.evaluate(() => {
		const w = window as unknown as { __arena: { votedEarly: boolean; together: boolean; a: Set<number>; b: Set<number> }; __arenaObserver?: MutationObserver };
		w.__arenaObserver?.disconnect();
		return { votedEarly: w.__arena.votedEarly, together: w.__arena.together, a: w.__arena.a.size, b: w.__arena.b.size };
	});
	expect(seen.votedEarly, 'a vote button was enabled while an answer was still coming').toBe(false);
	return { together: seen.together, a: seen.a, b: seen.b };
}

/** The model name a side shows after the vote ("Model A: lumen-tiny-a"). */
async function revealedName(page: Page, label: 'Model A' | 'Model B'): Promise<string> {
	const heading = side(page, label).getByRole('heading');
	await expect(heading).toHaveText(new RegExp(`^${label}: `));
	return (await heading.innerText()).slice(`${label}: `.length);
}

async function storedVotes(page: Page): Promise<StoredVote[]> {
	return page.evaluate(
		() =>
			new Promise<StoredVote[]>((resolve, reject) => {
				const open = indexedDB.open('lumen-votes');
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const req = open.result.transaction('votes').objectStore('votes').getAll();
					req.onerror = () => reject(req.error);
					// Records may wrap the vote with its sync state ({ vote, sync }) or be the vote itself.
					req.onsuccess = () => resolve(req.result.map((r: { vote?: StoredVote } & StoredVote) => r.vote ?? r));
				};
			})
	);
}

test('anonymous battle: both sides stream, votes open when both finish, names revealed after each vote type, votes stored', async ({ page, server }) => {
	await page.goto(`${server.url}/arena?device=wasm&models=${MODELS.join(',')}`);
	await page.getByLabel('Max new tokens').fill('32');
	await page.getByLabel('Temperature').fill('0');

	const expected: Omit<StoredVote, 'battle_id' | 'tstamp'>[] = [];
	for (const [round, vote] of VOTES.entries()) {
		if (round > 0) {
			await page.getByRole('button', { name: 'New round' }).click();
			for (const label of ['Model A', 'Model B'] as const) await expect(side(page, label).locator('[data-role]')).toHaveCount(0);
		}
		// Names hidden before the vote, and votes closed with nothing to judge.
		for (const label of ['Model A', 'Model B'] as const) await expect(side(page, label).getByRole('heading')).toHaveText(label);
		await expect(page.getByText(/lumen-tiny/)).toHaveCount(0);
		await expectVoting(page, false);

		const lengths = await sendAndWait(page, `Hello from round ${round + 1}`);
		if (round === 0) {
			// Both answers grew in front of the person (several distinct lengths each), at the same time.
			expect(lengths.together, 'both sides were answering at once').toBe(true);
			expect(lengths.a).toBeGreaterThan(1);
			expect(lengths.b).toBeGreaterThan(1);
			await page.getByLabel('Max new tokens').fill('8');
		}
		for (const label of ['Model A', 'Model B'] as const) {
			await expect(side(page, label).locator('[data-role="user"]')).toHaveCount(1);
			await expect(side(page, label).locator('[data-role="assistant"]')).toHaveCount(1);
			expect((await side(page, label).locator('[data-role="assistant"]').getAttribute('data-raw'))?.length ?? 0).toBeGreaterThan(0);
		}
		let turn = 1;
		if (round === 0) {
			// Multi-turn: each side continues its own conversation; Regenerate redoes both last answers.
			await sendAndWait(page, 'And a second message.');
			turn = 2;
			const before = await side(page, 'Model B').locator('[data-role="assistant"]').count();
			await page.getByRole('button', { name: 'Regenerate' }).click();
			await expectVoting(page, true);
			await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled();
			for (const label of ['Model A', 'Model B'] as const) {
				await expect(side(page, label).locator('[data-role="user"]')).toHaveCount(2);
				await expect(side(page, label).locator('[data-role="assistant"]')).toHaveCount(before);
			}
			await expect(page.getByText(/lumen-tiny/)).toHaveCount(0);
		}

		await page.getByRole('button', { name: vote.label, exact: true }).click();
		const a = await revealedName(page, 'Model A');
		const b = await revealedName(page, 'Model B');
		expect(MODELS).toContain(a);
		expect(MODELS).toContain(b);
		expect(a).not.toBe(b);
		await expectVoting(page, false);
		await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled();
		expected.push({ model_a: a, model_b: b, winner: vote.winner, anony: true, turn });
	}

	await expect.poll(async () => (await storedVotes(page)).length).toBe(VOTES.length);
	const stored = (await storedVotes(page)).sort((x, y) => x.tstamp - y.tstamp);
	expect(new Set(stored.map((v) => v.battle_id)).size).toBe(VOTES.length);
	expect(stored.map(({ model_a, model_b, winner, anony, turn }) => ({ model_a, model_b, winner, anony, turn }))).toEqual(expected);
	for (const v of stored) expect(Math.abs(v.tstamp - Date.now() / 1000)).toBeLessThan(600);
});

test('side by side: the person picks both models, names are shown, the vote is stored as not anonymous', async ({ page, server }) => {
	await page.goto(`${server.url}/arena/side-by-side?device=wasm`);
	await page.getByRole('combobox', { name: 'Model A' }).selectOption('lumen-tiny-b');
	await page.getByRole('combobox', { name: 'Model B' }).selectOption('lumen-tiny-a');
	await page.getByLabel('Max new tokens').fill('8');
	await expect(side(page, 'Model A').getByRole('heading')).toHaveText('Model A: lumen-tiny-b');
	await expect(side(page, 'Model B').getByRole('heading')).toHaveText('Model B: lumen-tiny-a');
	await expectVoting(page, false);

	await sendAndWait(page, 'Compare yourselves.');
	await page.getByRole('button', { name: 'Tie', exact: true }).click();
	await expectVoting(page, false);

	await expect.poll(async () => (await storedVotes(page)).length).toBe(1);
	const [vote] = await storedVotes(page);
	expect(vote).toMatchObject({ model_a: 'lumen-tiny-b', model_b: 'lumen-tiny-a', winner: 'tie', anony: false, turn: 1 });
});

test('chat → arena → chat: leaving a page ends its model workers, so visits do not pile them up', async ({ page, server }) => {
	// Only our model workers: ONNX Runtime's own thread workers come and go with them.
	const modelWorkers = () => page.workers().filter((w) => /(transformers|webllm)-worker/.test(w.url())).length;
	const nav = page.getByRole('navigation', { name: 'Main' });
	const answer = async (text: string) => {
		await page.getByRole('textbox', { name: 'Message' }).fill(text);
		await page.getByRole('button', { name: 'Send' }).click();
		await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled({ timeout: 120_000 });
	};

	await page.goto(`${server.url}/`);
	await page.getByLabel('Model', { exact: true }).selectOption('lumen-tiny-a');
	await page.getByRole('button', { name: 'Settings' }).click();
	await page.getByLabel('Max new tokens').fill('4');
	await answer('Hello, chat.');
	await expect(page.getByTestId('model-ready')).toBeVisible();
	expect(modelWorkers(), 'the chat page runs one model worker').toBe(1);

	// In-app navigation (no reload): the chat's worker must end, the arena starts one per side.
	await nav.getByRole('link', { name: 'Arena' }).click();
	await expect.poll(modelWorkers, { message: 'the chat worker ends when the page is left' }).toBe(0);
	await page.getByLabel('Max new tokens').fill('4');
	await expect(page.getByRole('button', { name: 'New round' })).toBeEnabled();
	await answer('Hello, arena.');
	expect(modelWorkers(), 'one worker per arena side').toBe(2);

	await nav.getByRole('link', { name: 'Chat' }).click();
	await expect.poll(modelWorkers, { message: 'both arena workers end when the arena is left' }).toBe(0);
	await page.getByRole('button', { name: 'Settings' }).click();
	await page.getByLabel('Max new tokens').fill('4');
	await answer('Back again.');
	await expect(page.getByTestId('model-ready')).toBeVisible();
	expect(modelWorkers(), 'back on chat: one worker, not three').toBe(1);
});
