// End-to-end tests: the real built app, served by our own server, in Debian's Chromium.
// Each test file starts what it needs (see e2e/fixtures.ts), so servers can be killed mid-test.
import { defineConfig } from '@playwright/test';

export default defineConfig({
	testDir: 'e2e',
	timeout: 180_000,
	expect: { timeout: 30_000 },
	fullyParallel: false,
	workers: 1,
	retries: 0,
	reporter: [['list']],
	use: { trace: 'retain-on-failure', locale: 'en-US' }
});
