// Test helpers for browser workers: a real serving process (BrowserWorkerClient + the real runtime, see
// browser-worker-process.ts) and a raw WebSocket "tab" that speaks the protocol by hand, for the hostile cases.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { BROWSER_WORKER_PATH, BROWSER_WORKER_PROTOCOL, type HelloInput } from '#protocol/browser-worker';
import type { ServeStatus } from '#serve/browser-worker-client';
import { until } from './processes';

const ENTRY = fileURLToPath(new URL('./browser-worker-process.ts', import.meta.url));

export type BrowserWorkerProcess = {
	process: ChildProcess;
	/** The latest status it printed. */
	status(): ServeStatus | null;
	/** Every status it printed, in order. */
	history(): ServeStatus[];
	output(): string;
	waitFor(check: (s: ServeStatus) => boolean, timeoutMs?: number, what?: string): Promise<ServeStatus>;
	/** SIGKILL: the process dies as a closed tab does, without a goodbye. */
	kill(signal?: NodeJS.Signals): Promise<void>;
};

export async function spawnBrowserWorker(args: { coordinator: string; token: string; model?: string; speed?: number; label?: string }): Promise<BrowserWorkerProcess> {
	const argv = ['--import', 'tsx', ENTRY, '--coordinator', args.coordinator, '--token', args.token];
	if (args.model) argv.push('--model', args.model);
	if (args.speed) argv.push('--speed', String(args.speed));
	if (args.label) argv.push('--label', args.label);
	const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
	const statuses: ServeStatus[] = [];
	let output = '';
	let pending = '';
	child.stdout!.setEncoding('utf8').on('data', (d: string) => {
		output += d;
		pending += d;
		let i: number;
		while ((i = pending.indexOf('\n')) >= 0) {
			const line = pending.slice(0, i);
			pending = pending.slice(i + 1);
			const m = /^browser-worker status (.*)$/.exec(line);
			if (m) statuses.push(JSON.parse(m[1]) as ServeStatus);
		}
	});
	child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
	const worker: BrowserWorkerProcess = {
		process: child,
		status: () => statuses.at(-1) ?? null,
		history: () => [...statuses],
		output: () => output,
		async waitFor(check, timeoutMs = 60_000, what = 'a browser worker status') {
			await until(() => statuses.some(check) || child.exitCode !== null, timeoutMs, `${what}; output: ${output}`);
			const found = statuses.find(check);
			if (!found) throw new Error(`the browser worker exited (${child.exitCode}) before ${what}: ${output}`);
			return found;
		},
		kill: (signal = 'SIGKILL') =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null || child.signalCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill(signal);
			})
	};
	return worker;
}

type Frame = Record<string, unknown> & { type: string };

/** A hand-driven tab: opens the socket, records what the coordinator sends, and how the socket closed. */
export async function rawTab(coordinatorUrl: string) {
	const socket = new WebSocket(coordinatorUrl.replace(/^http/, 'ws') + BROWSER_WORKER_PATH);
	const frames: Frame[] = [];
	let closed: { code: number; reason: string } | null = null;
	socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
	const closing = new Promise<{ code: number; reason: string }>((resolve) =>
		socket.on('close', (code, reason) => {
			closed = { code, reason: reason.toString() };
			resolve(closed);
		})
	);
	socket.on('error', () => undefined);
	await new Promise<void>((resolve, reject) => {
		socket.once('open', () => resolve());
		socket.once('error', reject);
	});
	const tab = {
		socket,
		frames,
		closed: () => closed,
		/** Resolves with how the coordinator closed the socket (fails after `timeoutMs`). */
		closedWithin: (timeoutMs: number) =>
			Promise.race([closing, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs))]),
		send: (msg: unknown) => socket.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
		hello: (token: string, extra: Partial<HelloInput> & Record<string, unknown> = {}) =>
			tab.send({ type: 'hello', protocol: BROWSER_WORKER_PROTOCOL, token, models: [{ id: 'raw-model', capabilities: ['chat'] }], speed: 10, ...extra }),
		async frame(match: (f: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
			await until(() => frames.some(match), timeoutMs, `a frame from the coordinator (got ${JSON.stringify(frames)})`);
			return frames.find(match)!;
		},
		close: () => socket.terminate()
	};
	return tab;
}
