// The built-in worker of `lumen serve`, run as a child process and kept running. In its own process
// the model's synchronous work (tokenizing a 500 KB prompt takes seconds) never stalls the coordinator's
// event loop, and a worker that crashes is started again instead of taking the coordinator down.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER_MAIN = fileURLToPath(new URL('./serve-worker-child.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
/** Restart delays after unexpected exits: quick at first, then backing off. */
const RESTART_MS = [500, 1_000, 5_000, 30_000];
/** A run this long counts as healthy: the next crash restarts quickly again. */
const HEALTHY_RUN_MS = 60_000;

export type BuiltInWorkerOptions = {
	coordinatorUrl: string;
	secret: string;
	model: string;
	workerId: string;
	threads?: number;
	log: (line: string) => void;
};

export type BuiltInWorker = {
	/** The worker's OpenAI base URL, once it printed it. */
	url: Promise<string>;
	/** Graceful: the worker deregisters and finishes in-flight requests (it has its own drain timeout). */
	stop(): Promise<void>;
};

export function startBuiltInWorker(o: BuiltInWorkerOptions): BuiltInWorker {
	let child: ChildProcess | null = null;
	let stopping = false;
	let crashes = 0;
	let resolveUrl!: (url: string) => void;
	let rejectUrl!: (err: Error) => void;
	const url = new Promise<string>((resolve, reject) => ((resolveUrl = resolve), (rejectUrl = reject)));
	let everStarted = false;

	function start() {
		const args = ['--import', TSX, WORKER_MAIN, '--coordinator', o.coordinatorUrl, '--model', o.model, '--worker-id', o.workerId, '--port', '0'];
		if (o.threads) args.push('--threads', String(o.threads));
		const startedAt = Date.now();
		// The secret goes through the environment, never the command line (other users can read that).
		// Detached (its own process group): a terminal's Ctrl-C reaches only us, and we stop it in order.
		const proc = spawn(process.execPath, args, { env: { ...process.env, LUMEN_WORKER_SECRET: o.secret }, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
		child = proc;
		o.log(`built-in worker started (pid ${proc.pid})`);
		let stdout = '';
		proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
			stdout += d;
			const m = /listening on (http:\/\/\S+)/.exec(stdout);
			if (m && !everStarted) {
				everStarted = true;
				resolveUrl(m[1]);
			}
		});
		proc.once('exit', (code, signal) => {
			child = null;
			if (stopping) return;
			if (!everStarted) return rejectUrl(new Error(`the built-in worker exited (${signal ?? code}) before it started; see its messages above`));
			crashes = Date.now() - startedAt > HEALTHY_RUN_MS ? 1 : crashes + 1;
			const delay = RESTART_MS[Math.min(crashes, RESTART_MS.length) - 1];
			o.log(`built-in worker exited unexpectedly (${signal ?? `code ${code}`}); starting it again in ${delay} ms`);
			setTimeout(() => {
				if (!stopping) start();
			}, delay).unref();
		});
	}
	start();

	async function stop() {
		stopping = true;
		const proc = child;
		if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
		await new Promise<void>((resolve) => {
			proc.once('exit', () => resolve());
			proc.kill('SIGTERM');
		});
	}

	return { url, stop };
}
