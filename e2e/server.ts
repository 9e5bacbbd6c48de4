// Starts the real server and names the browser: shared by e2e fixtures and benchmarks
// (no @playwright/test here, so a benchmark can import it).
import { spawn, type ChildProcess } from 'node:child_process';

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
		// Safe to call twice: after SIGKILL, exitCode stays null (signalCode is set) and 'exit' has already fired.
		stop: () =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null || child.signalCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill('SIGKILL');
			})
	};
}
