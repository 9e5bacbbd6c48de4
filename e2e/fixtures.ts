// Shared e2e fixtures: our real server on an ephemeral port, and Debian's Chromium with an on-disk
// profile (realistic storage limits, survives a browser restart).
import { test as base, chromium, type BrowserContext, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-quic',
	'--enable-unsafe-webgpu'
];

export const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type AppServer = { url: string; process: ChildProcess; stop(): Promise<void> };

/** Starts `coordinator/main.ts` serving build/ on a free port; resolves once it listens. */
export async function startServer(env: Record<string, string> = {}): Promise<AppServer> {
	const child = spawn(process.execPath, ['--import', 'tsx', 'coordinator/main.ts'], {
		env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const url = await new Promise<string>((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
		const onData = (d: Buffer) => {
			out += d.toString();
			const m = out.match(/http:\/\/[^\s:]+:(\d+)/);
			if (m) {
				clearTimeout(timer);
				resolve(`http://127.0.0.1:${m[1]}`);
			}
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
		child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
	});
	return {
		url,
		process: child,
		stop: () =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill('SIGKILL');
			})
	};
}

export async function launchProfile(dir: string): Promise<BrowserContext> {
	return chromium.launchPersistentContext(dir, { executablePath, headless: true, args: CHROMIUM_ARGS });
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
	context: async ({ profileDir }, use) => {
		const context = await launchProfile(profileDir);
		await use(context);
		await context.close();
	},
	page: async ({ context }, use) => {
		const page = context.pages()[0] ?? (await context.newPage());
		await use(page);
	}
});

export { expect } from '@playwright/test';
