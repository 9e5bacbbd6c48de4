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
