-- Per-database facts (the salt that makes client hashes unlinkable across deployments).
CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- One row per /v1 request the coordinator answered. Message content is never stored, only parameters.
CREATE TABLE request_log (
	id INTEGER PRIMARY KEY,
	created_at INTEGER NOT NULL,          -- unix ms when the request arrived
	endpoint TEXT NOT NULL,               -- chat/completions | completions | embeddings
	model TEXT,
	worker_id TEXT,
	params TEXT NOT NULL DEFAULT '{}',    -- JSON: sampling parameters, stream flag
	stream INTEGER NOT NULL DEFAULT 0,
	status INTEGER NOT NULL,
	error_code TEXT,
	finish_reason TEXT,
	prompt_tokens INTEGER,
	completion_tokens INTEGER,
	completion_chunks INTEGER,            -- content events relayed (a token count when usage is missing)
	latency_ms REAL NOT NULL,
	ttft_ms REAL,
	client_hash TEXT NOT NULL             -- SHA-256 of salt + API key (or IP), hex
);
CREATE INDEX request_log_created_at ON request_log (created_at);
CREATE INDEX request_log_model ON request_log (model, created_at);
