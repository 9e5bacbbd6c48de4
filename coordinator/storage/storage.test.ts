import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, readMigrations } from './db';
import { createRequestLog, type RequestLogRow } from './request-log';

const dirs: string[] = [];
const tempDir = () => {
	const d = mkdtempSync(join(tmpdir(), 'lumen-db-'));
	dirs.push(d);
	return d;
};
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const row = (over: Partial<RequestLogRow> = {}): RequestLogRow => ({
	created_at: 1_700_000_000_000,
	endpoint: 'chat/completions',
	model: 'tiny',
	worker_id: 'w1',
	params: { temperature: 0.5, max_tokens: 16 },
	stream: true,
	status: 200,
	error_code: null,
	finish_reason: 'stop',
	prompt_tokens: 12,
	completion_tokens: 16,
	completion_chunks: 16,
	latency_ms: 321.5,
	ttft_ms: 20.25,
	client_hash: 'abc',
	...over
});

describe('migrations', () => {
	it('applies the numbered files in order, once, and records them', () => {
		const db = openDatabase(':memory:');
		const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
		expect(versions.length).toBe(readMigrations().length);
		expect(migrate(db)).toEqual([]);
		expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'request_log'").get()).toBeTruthy();
	});

	it('applies only the migrations added since the last run, in version order', () => {
		const dir = tempDir();
		writeFileSync(join(dir, '002_second.sql'), 'CREATE TABLE b (x INTEGER);');
		writeFileSync(join(dir, '001_first.sql'), 'CREATE TABLE a (x INTEGER);');
		const db = openDatabase(':memory:', readMigrations(dir));
		writeFileSync(join(dir, '010_tenth.sql'), 'ALTER TABLE b ADD COLUMN y TEXT;');
		expect(migrate(db, readMigrations(dir))).toEqual([10]);
	});

	it('rolls a failing migration back entirely and does not record it', () => {
		const dir = tempDir();
		writeFileSync(join(dir, '001_bad.sql'), 'CREATE TABLE ok (x INTEGER); CREATE TABLE broken (;');
		const db = openDatabase(':memory:', []);
		expect(() => migrate(db, readMigrations(dir))).toThrow();
		expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok'").get()).toBeUndefined();
		expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: 0 });
	});

	it('refuses a migration file that is not named NNN_name.sql', () => {
		const dir = tempDir();
		writeFileSync(join(dir, 'init.sql'), 'SELECT 1;');
		expect(() => readMigrations(dir)).toThrow(/NNN_name/);
	});

	it('creates the database directory and uses WAL', () => {
		const path = join(tempDir(), 'nested', 'lumen.db');
		const db = openDatabase(path);
		expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
		db.close();
	});
});

describe('request log', () => {
	it('stores rows, queued until a flush, and reads them back newest first', () => {
		const log = createRequestLog(openDatabase(':memory:'), { flushMs: 60_000 });
		log.append(row({ model: 'a' }));
		log.append(row({ model: 'b', stream: false, ttft_ms: null, params: {} }));
		expect(log.recent()).toEqual([row({ model: 'b', stream: false, ttft_ms: null, params: {} }), row({ model: 'a' })]);
	});

	it('flushes on its own once the queue is full', () => {
		const db = openDatabase(':memory:');
		const log = createRequestLog(db, { flushMs: 60_000, maxQueue: 3 });
		for (let i = 0; i < 3; i++) log.append(row());
		expect(db.prepare('SELECT COUNT(*) AS n FROM request_log').get()).toEqual({ n: 3 });
	});

	it('never lets one unserialisable row break a flush: it is stored without its params, the others intact', () => {
		const log = createRequestLog(openDatabase(':memory:'), { flushMs: 60_000 });
		let deep: unknown = 1;
		for (let i = 0; i < 100_000; i++) deep = [deep];
		const circular: Record<string, unknown> = {};
		circular.self = circular;
		log.append(row({ model: 'before' }));
		log.append(row({ model: 'deep', params: { extra: deep } }));
		log.append(row({ model: 'circular', params: circular }));
		log.append(row({ model: 'after' }));
		expect(() => log.flush()).not.toThrow();
		const rows = log.recent();
		expect(rows.map((r) => r.model)).toEqual(['after', 'circular', 'deep', 'before']);
		expect(rows[1].params).toEqual({ unserialisable: true });
		expect(rows[2].params).toEqual({ unserialisable: true });
		expect(rows[0].params).toEqual(row().params);
	});

	it('hashes client ids with a salt that is stable per database and differs between databases', () => {
		const path = join(tempDir(), 'a.db');
		const first = createRequestLog(openDatabase(path)).hashClient('sk-key');
		const again = createRequestLog(openDatabase(path)).hashClient('sk-key');
		const other = createRequestLog(openDatabase(':memory:')).hashClient('sk-key');
		expect(first).toMatch(/^[0-9a-f]{64}$/);
		expect(again).toBe(first);
		expect(other).not.toBe(first);
		expect(first).not.toContain('sk-key');
	});
});
