// The request log repository: rows are queued in memory and written in one transaction per flush,
// so the token path never waits on SQLite. Client ids are hashed with a per-database salt.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from './db';

export const RequestLogRowSchema = z.object({
	created_at: z.number().int(),
	endpoint: z.string(),
	model: z.string().nullable(),
	worker_id: z.string().nullable(),
	params: z.record(z.string(), z.unknown()),
	stream: z.boolean(),
	status: z.number().int(),
	error_code: z.string().nullable(),
	finish_reason: z.string().nullable(),
	prompt_tokens: z.number().int().nullable(),
	completion_tokens: z.number().int().nullable(),
	completion_chunks: z.number().int().nullable(),
	latency_ms: z.number(),
	ttft_ms: z.number().nullable(),
	client_hash: z.string()
});
export type RequestLogRow = z.infer<typeof RequestLogRowSchema>;

type StoredRow = Omit<RequestLogRow, 'params' | 'stream'> & { id: number; params: string; stream: number };
type QueuedRow = Omit<RequestLogRow, 'params' | 'stream'> & { params: string; stream: number };

/** Serialised when queued, so a row that cannot be (too deep, circular) never breaks a whole flush. */
function serialise(params: Record<string, unknown>): string {
	try {
		return JSON.stringify(params);
	} catch {
		return '{"unserialisable":true}';
	}
}

/** The database's salt, created on first use. */
function saltOf(db: Db): string {
	const row = db.prepare("SELECT value FROM meta WHERE key = 'client_salt'").get() as { value: string } | undefined;
	if (row) return row.value;
	const salt = randomBytes(16).toString('hex');
	db.prepare("INSERT INTO meta (key, value) VALUES ('client_salt', ?)").run(salt);
	return salt;
}

export function createRequestLog(db: Db, options: { flushMs?: number; maxQueue?: number } = {}) {
	const salt = saltOf(db);
	const insert = db.prepare(`INSERT INTO request_log
		(created_at, endpoint, model, worker_id, params, stream, status, error_code, finish_reason,
		 prompt_tokens, completion_tokens, completion_chunks, latency_ms, ttft_ms, client_hash)
		VALUES (@created_at, @endpoint, @model, @worker_id, @params, @stream, @status, @error_code, @finish_reason,
		 @prompt_tokens, @completion_tokens, @completion_chunks, @latency_ms, @ttft_ms, @client_hash)`);
	const writeAll = db.transaction((rows: QueuedRow[]) => {
		for (const r of rows) insert.run(r);
	});
	const maxQueue = options.maxQueue ?? 500;
	let queue: QueuedRow[] = [];
	let timer: NodeJS.Timeout | null = null;

	function flush() {
		if (timer) clearTimeout(timer);
		timer = null;
		if (queue.length === 0) return;
		const rows = queue;
		queue = [];
		try {
			writeAll(rows);
		} catch (err) {
			// Runs from a timer: throwing would take the whole server down over a log row.
			console.error(`request log: could not write ${rows.length} row(s): ${(err as Error).message}`);
		}
	}

	function append(row: RequestLogRow) {
		queue.push({ ...row, params: serialise(row.params), stream: row.stream ? 1 : 0 });
		if (queue.length >= maxQueue) flush();
		else timer ??= setTimeout(flush, options.flushMs ?? 250);
	}

	/** Stable per database, unlinkable across databases; never stores the key or IP itself. */
	const hashClient = (id: string) => createHash('sha256').update(salt).update('\0').update(id).digest('hex');

	function recent(limit = 100): RequestLogRow[] {
		flush();
		const rows = db.prepare('SELECT * FROM request_log ORDER BY id DESC LIMIT ?').all(limit) as StoredRow[];
		return rows.map(({ id: _id, ...r }) => ({ ...r, params: JSON.parse(r.params), stream: r.stream === 1 }));
	}

	return { append, flush, hashClient, recent };
}

export type RequestLog = ReturnType<typeof createRequestLog>;
