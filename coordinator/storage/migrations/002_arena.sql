-- Arena: one row per battle (paired here, or minted by the browser for its local models) and at
-- most one vote per battle, so a retried vote can never be counted twice.
CREATE TABLE arena_battles (
	battle_id TEXT PRIMARY KEY,
	model_a TEXT NOT NULL,
	model_b TEXT NOT NULL,
	anony INTEGER NOT NULL,               -- 1: anonymous pairing, 0: the person named both models
	origin TEXT NOT NULL,                 -- coordinator | browser (created from its first vote)
	created_at INTEGER NOT NULL           -- unix ms
);
CREATE INDEX arena_battles_created_at ON arena_battles (created_at);

-- FastChat's clean-battle fields; named (anony = 0) votes are kept but left out of the leaderboard.
CREATE TABLE arena_votes (
	battle_id TEXT PRIMARY KEY REFERENCES arena_battles (battle_id),
	model_a TEXT NOT NULL,
	model_b TEXT NOT NULL,
	winner TEXT NOT NULL CHECK (winner IN ('model_a', 'model_b', 'tie', 'tie (bothbad)')),
	anony INTEGER NOT NULL,
	tstamp REAL NOT NULL,                 -- seconds since the epoch, as the voter sent it
	turn INTEGER NOT NULL,
	received_at INTEGER NOT NULL          -- unix ms when the coordinator stored it
);
CREATE INDEX arena_votes_anony_tstamp ON arena_votes (anony, tstamp);
CREATE INDEX arena_votes_received_at ON arena_votes (received_at);
