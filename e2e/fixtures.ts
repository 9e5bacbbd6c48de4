// Shared e2e fixtures: our real server on an ephemeral port, and Debian's Chromium with an on-disk
// profile (realistic storage limits, survives a browser restart).
import { test as base, chromium, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, executablePath, startServer, type AppServer } from './server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `locale` sets navigator.languages, which picks the interface's language: English unless a test asks otherwise. */
export async function launchProfile(dir: string, locale = 'en-US'): Promise<BrowserContext> {
	return chromium.launchPersistentContext(dir, { executablePath, headless: true, args: CHROMIUM_ARGS, locale });
}

type Fixtures = { profileDir: string; context: BrowserContext; page: Page };
type WorkerFixtures = { server: AppServer };

export const test = base.extend<Fixtures, WorkerFixtures>({
	server: [
		async ({}, use) => {
			const server = await startServer();
			await use(server);
			await server.stop();
		},
		{ scope: 'worker' }
	],
	profileDir: async ({}, use) => {
		const dir = mkdtempSync(join(tmpdir(), 'lumen-profile-'));
		await use(dir);
		rmSync(dir, { recursive: true, force: true });
	},
	// Playwright's own `locale` option (test.use({ locale: 'zh-CN' })); unset means en-US.
	context: async ({ profileDir, locale }, use) => {
		const context = await launchProfile(profileDir, locale ?? 'en-US');
		await use(context);
		await context.close();
	},
	page: async ({ context }, use) => {
		const page = context.pages()[0] ?? (await context.newPage());
		await use(page);
	}
});

export { expect } from '@playwright/test';

/**
 * Starts recording, inside the page, every length the chat's newest answer takes while it streams (aria-busy), from
 * a MutationObserver: it sees each render, where polling from the test sees only as many as its round trips allow
 * on a busy machine. Call before sending; the returned function stops and gives the distinct lengths seen.
 */
export async function watchStreamedLengths(page: Page): Promise<() => Promise<number[]>> {
	await page.evaluate(() => {
		const w = window as unknown as { __streamed?: { lengths: Set<number>; observer: MutationObserver } };
		w.__streamed?.observer.disconnect();
		const lengths = new Set<number>();
		const observer = new MutationObserver(() => {
			const last = [...document.querySelectorAll('[data-role="assistant"]')].at(-1);
			const n = last?.getAttribute('aria-busy') === 'true' ? (last.getAttribute('data-raw')?.length ?? 0) : 0;
			if (n > 0) lengths.add(n);
		});
		observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
		w.__streamed = { lengths, observer };
	});
	return () =>
		page.evaluate(() => {
			const w = window as unknown as { __streamed: { lengths: Set<number>; observer: MutationObserver } };
			w.__streamed.observer.disconnect();
			return [...w.__streamed.lengths];
		});
}
