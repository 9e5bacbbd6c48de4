// Opens the coordinator's SQLite database (WAL) and brings its schema up to date by applying the
// numbered SQL files in ./migrations in order, each once, recorded in `schema_migrations`.
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Db = Database.Database;

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export type Migration = { version: number; name: string; sql: string };

/** `001_init.sql` → version 1; files that do not follow the pattern are a mistake, not something to skip. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
	const migrations = readdirSync(dir)
		.filter((f) => f.endsWith('.sql'))
		.map((file) => {
			const m = /^(\d+)_([\w-]+)\.sql$/.exec(file);
			if (!m) throw new Error(`Migration file ${file} must be named NNN_name.sql`);
			return { version: Number(m[1]), name: m[2], sql: readFileSync(join(dir, file), 'utf8') };
		})
		.sort((a, b) => a.version - b.version);
	migrations.forEach((m, i) => {
		if (i > 0 && m.version === migrations[i - 1].version) throw new Error(`Two migrations share version ${m.version}`);
	});
	return migrations;
}

/** Applies pending migrations, each in its own transaction; returns the versions applied now. */
export function migrate(db: Db, migrations: Migration[] = readMigrations()): number[] {
	db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	)`);
	const applied = new Set(
		db
			.prepare('SELECT version FROM schema_migrations')
			.all()
			.map((r) => (r as { version: number }).version)
	);
	const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
	const done: number[] = [];
	for (const m of migrations) {
		if (applied.has(m.version)) continue;
		db.transaction(() => {
			db.exec(m.sql);
			record.run(m.version, m.name, Date.now());
		})();
		done.push(m.version);
	}
	return done;
}

export function openDatabase(path: string, migrations?: Migration[]): Db {
	if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
	const db = new Database(path);
	db.pragma('journal_mode = WAL');
	// WAL + NORMAL: a crash may lose the last few log rows, never corrupt the file; far fewer fsyncs.
	db.pragma('synchronous = NORMAL');
	db.pragma('foreign_keys = ON');
	db.pragma('busy_timeout = 5000');
	migrate(db, migrations);
	return db;
}
