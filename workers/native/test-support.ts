// Test helpers: spawn a real worker process and parse its URL line, and a tiny fake coordinator that
// records register/heartbeat/deregister calls (so worker tests do not depend on the real coordinator).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type SpawnedWorker = {
	url: string;
	proc: ChildProcess;
	stderr: () => string;
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	/** SIGKILLs the process if it is still running (for afterAll). */
	kill: () => Promise<void>;
};

export async function spawnWorker(args: string[], env: Record<string, string> = {}): Promise<SpawnedWorker> {
	const proc = spawn(process.execPath, ['--import', 'tsx', 'workers/native/main.ts', ...args], {
		cwd: PROJECT_ROOT,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let stderr = '';
	let stdout = '';
	proc.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
		proc.once('exit', (code, signal) => resolve({ code, signal }))
	);
	const url = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`worker printed no URL in 60 s; stderr:\n${stderr}`)), 60_000);
		proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
			stdout += d;
			const m = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(stdout.split('\n')[0]);
			if (m && stdout.includes('\n')) {
				clearTimeout(timer);
				resolve(m[1]);
			}
		});
		void exited.then(({ code }) => {
			clearTimeout(timer);
			reject(new Error(`worker exited (${code}) before printing its URL; stderr:\n${stderr}`));
		});
	});
	const kill = async () => {
		if (proc.exitCode === null && proc.signalCode === null) {
			proc.kill('SIGKILL');
			await exited;
		}
	};
	return { url, proc, stderr: () => stderr, exited, kill };
}

export type CoordinatorCall = { path: string; body: Record<string, unknown>; auth: string | undefined; at: number };

export type FakeCoordinator = {
	url: string;
	calls: CoordinatorCall[];
	/** What the next heartbeats answer; set false to make the worker register again. */
	known: boolean;
	waitFor(predicate: (call: CoordinatorCall) => boolean, timeoutMs?: number): Promise<CoordinatorCall>;
	close(): Promise<void>;
};

export async function startFakeCoordinator(heartbeatIntervalMs = 100, port = 0): Promise<FakeCoordinator> {
	const calls: CoordinatorCall[] = [];
	const waiters = new Set<() => void>();
	const fake: FakeCoordinator = {
		url: '',
		calls,
		known: true,
		waitFor(predicate, timeoutMs = 10_000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const found = calls.find(predicate);
					if (!found) return;
					waiters.delete(check);
					clearTimeout(timer);
					resolve(found);
				};
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`no matching coordinator call in ${timeoutMs} ms; saw ${calls.map((c) => c.path).join(', ')}`));
				}, timeoutMs);
				waiters.add(check);
				check();
			});
		},
		close: () => new Promise((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		})
	};
	const server: Server = createServer((req, res) => {
		let text = '';
		req.setEncoding('utf8').on('data', (d: string) => (text += d));
		req.on('end', () => {
			const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
			calls.push({ path: req.url ?? '', body, auth: req.headers.authorization, at: Date.now() });
			for (const w of [...waiters]) w();
			const answer =
				req.url === '/workers/register'
					? { worker_id: body.worker_id, heartbeat_interval_ms: heartbeatIntervalMs, expiry_ms: heartbeatIntervalMs * 3 }
					: req.url === '/workers/heartbeat'
						? { known: fake.known }
						: { ok: true };
			res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
		});
	});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return fake;
}

/** GET /health of a worker whose API URL ends in /v1. */
export async function health(workerUrl: string): Promise<{ queue_length: number; running: number; waiting: number; status: string }> {
	const res = await fetch(workerUrl.replace(/\/v1$/, '') + '/health');
	return (await res.json()) as { queue_length: number; running: number; waiting: number; status: string };
}

export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5000, stepMs = 20): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
		await new Promise((r) => setTimeout(r, stepMs));
	}
}
