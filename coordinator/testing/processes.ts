// Test and bench helpers: start stub workers as real child processes and a coordinator on an
// ephemeral port with short heartbeat timings. Everything talks over real loopback sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { startCoordinator, type RunningCoordinator } from '../server';
import type { CoordinatorConfigInput } from '../config';

const STUB = fileURLToPath(new URL('./stub-worker.ts', import.meta.url));
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export type StubProcess = {
	url: string;
	workerId: string;
	process: ChildProcess;
	/** Every stdout line so far. */
	lines: string[];
	waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
	stats(): Promise<{ requests: number; active: number; aborted: number; completed: number }>;
	kill(signal?: NodeJS.Signals): Promise<void>;
};

export type StubArgs = {
	coordinator?: string;
	secret?: string;
	model?: string | string[];
	tokens?: number;
	intervalMs?: number;
	firstTokenMs?: number;
	fail?: string;
	embeddings?: boolean;
	workerId?: string;
	heartbeatMs?: number;
	speed?: number;
	apiKey?: string;
};

export async function spawnStub(args: StubArgs = {}): Promise<StubProcess> {
	const argv = ['--import', 'tsx', STUB, '--port', '0'];
	const add = (flag: string, v: string | number | undefined) => v !== undefined && argv.push(flag, String(v));
	add('--coordinator', args.coordinator);
	add('--secret', args.secret);
	for (const m of [args.model ?? []].flat()) add('--model', m);
	add('--tokens', args.tokens);
	add('--interval-ms', args.intervalMs);
	add('--first-token-ms', args.firstTokenMs);
	add('--fail', args.fail);
	add('--worker-id', args.workerId);
	add('--heartbeat-ms', args.heartbeatMs);
	add('--speed', args.speed);
	add('--api-key', args.apiKey);
	if (args.embeddings) argv.push('--embeddings');
	const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
	const lines: string[] = [];
	const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
	let buffered = '';
	let stderr = '';
	child.stdout!.on('data', (d: Buffer) => {
		buffered += d.toString();
		let i: number;
		while ((i = buffered.indexOf('\n')) >= 0) {
			const line = buffered.slice(0, i);
			buffered = buffered.slice(i + 1);
			lines.push(line);
			for (const w of [...waiters]) {
				if (!w.pattern.test(line)) continue;
				waiters.splice(waiters.indexOf(w), 1);
				w.resolve(line);
			}
		}
	});
	child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));

	function waitForLine(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
		const seen = lines.find((l) => pattern.test(l));
		if (seen) return Promise.resolve(seen);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`stub: no line matching ${pattern} in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
			waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
			child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`stub exited (${code}) before ${pattern}: ${stderr}`))));
		});
	}

	const first = await waitForLine(/listening on (http:\/\/\S+)/, 30_000);
	const [, workerId, url] = /^stub worker (\S+) listening on (\S+)$/.exec(first)!;
	return {
		url,
		workerId,
		process: child,
		lines,
		waitForLine,
		stats: async () => (await fetch(url.replace(/\/v1$/, '/stats'))).json(),
		kill: (signal = 'SIGKILL') =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null || child.signalCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill(signal);
			})
	};
}

export type CoordinatorProcess = {
	url: string;
	process: ChildProcess;
	/** Everything written to stdout and stderr so far. */
	stdout(): string;
	stderr(): string;
	kill(signal?: NodeJS.Signals): Promise<void>;
};

/**
 * The coordinator as its own process (`coordinator/main.ts`) on an ephemeral port, for tests where
 * sharing the test's event loop would hide timing (uploads racing a close) or where its logs matter.
 */
export async function spawnCoordinator(env: Record<string, string>): Promise<CoordinatorProcess> {
	const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
		env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LUMEN_HEARTBEAT_INTERVAL_MS: '200', LUMEN_HEARTBEAT_EXPIRY_MS: '800', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let stdout = '';
	let stderr = '';
	child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
	const url = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`coordinator printed no URL in 30 s; stderr: ${stderr}`)), 30_000);
		child.stdout!.setEncoding('utf8').on('data', (d: string) => {
			stdout += d;
			const m = /coordinator on (http:\/\/\S+?) /.exec(stdout);
			if (m) {
				clearTimeout(timer);
				resolve(m[1]);
			}
		});
		child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`coordinator exited (${code}): ${stderr}`))));
	});
	return {
		url,
		process: child,
		stdout: () => stdout,
		stderr: () => stderr,
		kill: (signal = 'SIGKILL') =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null || child.signalCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill(signal);
			})
	};
}

/** A coordinator on port 0 with an in-memory database and heartbeats short enough for tests. */
export function startTestCoordinator(overrides: Partial<CoordinatorConfigInput> = {}): Promise<RunningCoordinator> {
	return startCoordinator(
		{
			port: 0,
			database_path: ':memory:',
			heartbeat_interval_ms: 200,
			heartbeat_expiry_ms: 800,
			upstream_discovery_interval_ms: 500,
			...overrides
		},
		{ log: () => undefined }
	);
}

/** Polls until `check` returns true or the time runs out. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

const LUMEN = fileURLToPath(new URL('../../bin/lumen.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type LumenProcess = {
	/** `lumen serve`: the server root (the OpenAI API is under `/v1`); `lumen worker`: its OpenAI base URL. */
	url: string;
	process: ChildProcess;
	stdout(): string;
	stderr(): string;
	/** SIGTERM and wait: `lumen serve` then stops its built-in worker in order. */
	stop(): Promise<void>;
};

/**
 * Runs `node bin/lumen.js <args>` (`serve` or `worker`) and waits until it is ready: `serve` prints its URL
 * and then "ready" (its built-in worker registered), `worker` prints its URL line.
 */
export async function spawnLumen(args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<LumenProcess> {
	const serve = args[0] === 'serve';
	const child = spawn(process.execPath, [LUMEN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
	child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const pattern = serve ? /Lumen Chat on (http:\/\/\S+)/ : /listening on (http:\/\/\S+)/;
	await until(() => (serve ? /^ready$/m.test(stderr) : pattern.test(stdout)) || child.exitCode !== null, timeoutMs, `lumen ${args[0]} to start`);
	const url = pattern.exec(stdout)?.[1];
	if (!url || child.exitCode !== null) throw new Error(`lumen ${args.join(' ')} did not start:\n${stdout}\n${stderr}`);
	return {
		url,
		process: child,
		stdout: () => stdout,
		stderr: () => stderr,
		stop: async () => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill('SIGTERM');
			await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		}
	};
}

export type CoordinatorWithOnnxWorker = {
	coordinator: RunningCoordinator;
	/** The official openai client pointed at the coordinator's /v1. */
	client: OpenAI;
	/** Everything the worker has printed so far (stdout and stderr). */
	output(): string;
	stop(): Promise<void>;
};

/**
 * A test coordinator with one real native onnx worker process registered to it (lumen-tiny-a by default,
 * one ONNX Runtime thread), as the integration tests of the real serving path need.
 */
export function startCoordinatorWithOnnxWorker(model = 'lumen-tiny-a', workerArgs: string[] = ['--threads', '1']): Promise<CoordinatorWithOnnxWorker> {
	return startCoordinatorWithOnnxWorkers([model], workerArgs);
}

/** A test coordinator with one native onnx worker process per model (started side by side). */
export async function startCoordinatorWithOnnxWorkers(models: string[], workerArgs: string[] = ['--threads', '1']): Promise<CoordinatorWithOnnxWorker> {
	const secret = 'onnx-test-secret';
	const coordinator = await startTestCoordinator({ worker_secret: secret, heartbeat_interval_ms: 1_000, heartbeat_expiry_ms: 5_000 });
	let output = '';
	const workers = models.map((model) => {
		const worker = spawn(
			process.execPath,
			['--import', 'tsx', 'workers/native/main.ts', '--coordinator', coordinator.url, '--model', model, '--port', '0', '--secret', secret, ...workerArgs],
			{ stdio: ['ignore', 'pipe', 'pipe'] }
		);
		worker.stdout!.on('data', (d: Buffer) => (output += d.toString()));
		worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));
		return worker;
	});
	const stop = async () => {
		await Promise.all(
			workers.map(async (worker) => {
				if (worker.exitCode !== null || worker.signalCode !== null) return;
				const exited = new Promise((r) => worker.once('exit', r));
				worker.kill('SIGKILL');
				await exited;
			})
		);
		await coordinator.close({ graceMs: 0 });
	};
	try {
		await until(() => models.every((m) => coordinator.registry.modelIds().includes(m)), 90_000, `the onnx workers to register (${output})`);
	} catch (err) {
		await stop();
		throw err;
	}
	return { coordinator, client: new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: 'unused', maxRetries: 0 }), output: () => output, stop };
}
