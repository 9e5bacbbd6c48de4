// The worker secret made by default: strong, kept across restarts in a 0600 file, never overwritten.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWorkerSecret, resolveWorkerSecret, workerSecretFile } from './worker-secret';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDb = () => {
	const dir = mkdtempSync(join(tmpdir(), 'lumen-secret-'));
	dirs.push(dir);
	return join(dir, 'nested', 'lumen.db');
};

describe('resolveWorkerSecret', () => {
	it('uses the configured secret and writes nothing', () => {
		const db = tempDb();
		expect(resolveWorkerSecret('configured', db)).toEqual({ secret: 'configured', source: 'config' });
		expect(() => statSync(workerSecretFile(db))).toThrow();
	});

	it('makes a 256-bit secret in a 0600 file beside the database, and reads the same one on restart', () => {
		const db = tempDb();
		const first = resolveWorkerSecret(undefined, db);
		expect(first).toMatchObject({ source: 'file', created: true, file: workerSecretFile(db) });
		expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(statSync(workerSecretFile(db)).mode & 0o777).toBe(0o600);
		expect(resolveWorkerSecret(undefined, db)).toMatchObject({ secret: first.secret, created: false, tightened: false });
	});

	it('resets a secret file readable by others to 0600 and says so', () => {
		const db = tempDb();
		const { secret } = resolveWorkerSecret(undefined, db);
		chmodSync(workerSecretFile(db), 0o644);
		const again = resolveWorkerSecret(undefined, db);
		expect(again).toMatchObject({ secret, tightened: true });
		expect(statSync(workerSecretFile(db)).mode & 0o777).toBe(0o600);
		expect(describeWorkerSecret(again, 'http://c:8000').join('\n')).toContain('reset');
	});

	it('refuses an empty secret file with what to do', () => {
		const db = tempDb();
		resolveWorkerSecret(undefined, db);
		writeFileSync(workerSecretFile(db), '\n');
		expect(() => resolveWorkerSecret(undefined, db)).toThrow(/empty\. Delete it .* or set LUMEN_WORKER_SECRET/);
	});

	it('makes a secret for this run only when the database is in memory', () => {
		const a = resolveWorkerSecret(undefined, ':memory:');
		expect(a.source).toBe('memory');
		expect(a.secret).not.toBe(resolveWorkerSecret(undefined, ':memory:').secret);
	});

	it('tells the operator how to add a worker without printing the secret', () => {
		const db = tempDb();
		const ws = resolveWorkerSecret(undefined, db);
		const text = describeWorkerSecret(ws, 'http://c:8000').join('\n');
		expect(text).not.toContain(ws.secret);
		expect(text).toContain(`LUMEN_WORKER_SECRET="$(cat ${workerSecretFile(db)})" node bin/lumen.js worker --coordinator http://c:8000`);
		expect(readFileSync(workerSecretFile(db), 'utf8')).toBe(`${ws.secret}\n`);
	});
});
