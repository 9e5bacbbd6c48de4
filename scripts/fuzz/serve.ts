// Starts the system under fuzz as users run it: `lumen serve` (coordinator + a real onnx worker) on an
// ephemeral port with a throw-away database, no LUMEN_WORKER_SECRET (the secure default) and the built
// web app (or a stand-in when build/ is missing). Its output goes to a log file, not into memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerSecretFile } from '../../coordinator/worker-secret';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Without a build, a two-file app keeps the static file server (and its path handling) under fuzz. */
function standInApp(dir: string): string {
	const web = join(dir, 'web');
	mkdirSync(join(web, '_app'), { recursive: true });
	writeFileSync(join(web, 'index.html'), '<!doctype html><title>Lumen Chat (stand-in for the fuzz)</title>');
	writeFileSync(join(web, '_app', 'app.js'), 'export {};');
	return web;
}

export type ServedLumen = {
	url: string;
	port: number;
	secret: string;
	secretFile: string;
	logFile: string;
	/** build/, or a stand-in app in the temp dir when the app was not built. */
	webDir: string;
	process: ChildProcess;
	alive(): boolean;
	/** Kills the process; the temp dir (database, log) is removed unless `keepLog`. */
	stop(options?: { keepLog?: boolean }): Promise<void>;
};

export async function startLumenServe(model: string): Promise<ServedLumen> {
	const dir = mkdtempSync(join(tmpdir(), 'lumen-fuzz-'));
	const db = join(dir, 'lumen.db');
	const logFile = join(dir, 'serve.log');
	const log = createWriteStream(logFile);
	const webDir = existsSync(join(PROJECT_ROOT, 'build', 'index.html')) ? join(PROJECT_ROOT, 'build') : standInApp(dir);
	const args = ['bin/lumen.js', 'serve', '--port', '0', '--threads', '1', '--model', model, '--web-dir', webDir];
	const child = spawn(process.execPath, args, {
		cwd: PROJECT_ROOT,
		env: { ...process.env, LUMEN_DB: db, LUMEN_WORKER_SECRET: '', PORT: '', HOST: '127.0.0.1', LUMEN_CONFIG: '' },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let head = '';
	const ready = new Promise<string>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`lumen serve was not ready in 120 s; see ${logFile}`)), 120_000);
		const onData = (d: Buffer) => {
			// Output still in the pipe can arrive after stop() has ended the log; it is dropped, not written.
			if (!log.writableEnded) log.write(d);
			if (head.length < 20_000) head += d.toString();
			const url = /Lumen Chat on (http:\/\/\S+) /.exec(head)?.[1];
			if (url && /\bready\b/.test(head)) {
				clearTimeout(timer);
				resolve(url);
			}
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`lumen serve exited (${code}) before it was ready:\n${head}`))));
	});
	const url = await ready;
	const secretFile = workerSecretFile(db);
	const stop = ({ keepLog = false } = {}) =>
		new Promise<void>((resolve) => {
			const done = () => {
				log.end();
				if (!keepLog) rmSync(dir, { recursive: true, force: true });
				resolve();
			};
			// 'close' (not 'exit') fires once stdout and stderr are drained, so no chunk follows log.end().
			if (child.stdout!.destroyed && child.stderr!.destroyed) return done();
			child.once('close', done);
			child.kill('SIGKILL');
		});
	return {
		url,
		port: Number(new URL(url).port),
		secret: readFileSync(secretFile, 'utf8').trim(),
		secretFile,
		logFile,
		webDir,
		process: child,
		alive: () => child.exitCode === null && child.signalCode === null,
		stop
	};
}
