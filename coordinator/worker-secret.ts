// Secure by default: a registered worker receives users' prompts, so the coordinator's entry points never
// run without a worker secret. Unless one is configured, a strong one is made and kept in a 0600 file
// beside the database (restarts keep it); the operator is told where it is, never shown the secret itself.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export type WorkerSecret =
	| { secret: string; source: 'config' }
	/** `created` false: read from an earlier run's file; `tightened`: its permissions were loosened and got reset to 0600. */
	| { secret: string; source: 'file'; file: string; created: boolean; tightened: boolean }
	/** The database lives in memory, so there is nowhere to keep a secret: this run only. */
	| { secret: string; source: 'memory' };

const isMemoryDb = (path: string) => path === ':memory:' || path.startsWith('file::memory:');
const newSecret = () => randomBytes(32).toString('base64url');

export function workerSecretFile(databasePath: string): string {
	return join(dirname(resolve(databasePath)), 'worker-secret');
}

function readSecretFile(file: string): { secret: string; tightened: boolean } {
	const secret = readFileSync(file, 'utf8').trim();
	if (!secret) throw new Error(`The worker secret file ${file} is empty. Delete it to have a new secret made, or set LUMEN_WORKER_SECRET.`);
	const loose = (statSync(file).mode & 0o077) !== 0;
	if (loose) chmodSync(file, 0o600);
	return { secret, tightened: loose };
}

/** The configured secret, else the one in `<database dir>/worker-secret`, made on first use. */
export function resolveWorkerSecret(configured: string | undefined, databasePath: string): WorkerSecret {
	if (configured) return { secret: configured, source: 'config' };
	if (isMemoryDb(databasePath)) return { secret: newSecret(), source: 'memory' };
	const file = workerSecretFile(databasePath);
	mkdirSync(dirname(file), { recursive: true });
	const secret = newSecret();
	try {
		// 'wx': never overwrite a secret that workers already use (another process may have just made it).
		writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
		return { secret, source: 'file', file, created: true, tightened: false };
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`Cannot write the worker secret file ${file}: ${(err as Error).message}`, { cause: err });
	}
	return { ...readSecretFile(file), source: 'file', file, created: false };
}

/**
 * What the operator reads at start-up: where the secret is and the command that adds a worker, with the
 * secret passed by reference. Logs are often collected and shared; the file is readable by its owner only.
 */
export function describeWorkerSecret(ws: WorkerSecret, coordinatorUrl: string): string[] {
	if (ws.source === 'config') return ['Workers register with the secret from LUMEN_WORKER_SECRET.'];
	if (ws.source === 'memory')
		return ['The database is in memory, so this run made a worker secret it does not keep: set LUMEN_WORKER_SECRET to add workers.'];
	return [
		`Worker secret ${ws.created ? 'created in' : 'read from'} ${ws.file} (mode 0600${ws.tightened ? ', permissions were too open and have been reset' : ''}); workers without it are refused.`,
		`Add a worker: LUMEN_WORKER_SECRET="$(cat ${ws.file})" node bin/lumen.js worker --coordinator ${coordinatorUrl} --model lumen-tiny-b`
	];
}
