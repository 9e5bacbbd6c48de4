-- Arena integrity (issue 11): who asked for a battle and voted (salted hashes, never addresses),
-- what the battle's prompts have used of its limits, and why a stored vote is left off the board.
ALTER TABLE arena_battles ADD COLUMN voter_hash TEXT;            -- who was issued the battle id
ALTER TABLE arena_battles ADD COLUMN turns INTEGER NOT NULL DEFAULT 0;        -- prompts let in by /api/arena/moderate
ALTER TABLE arena_battles ADD COLUMN prompt_chars INTEGER NOT NULL DEFAULT 0; -- their characters
ALTER TABLE arena_battles ADD COLUMN identity_leak INTEGER NOT NULL DEFAULT 0; -- a prompt named a model or maker

ALTER TABLE arena_votes ADD COLUMN voter_hash TEXT;              -- salted hash of address + the browser's anonymous id
ALTER TABLE arena_votes ADD COLUMN address_hash TEXT;            -- salted hash of the address alone
ALTER TABLE arena_votes ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;  -- 0: its battle id was never issued here
-- NULL: counted on the board; else why not: unverified | identity_leak | answer_error | unfinished
ALTER TABLE arena_votes ADD COLUMN excluded TEXT;
CREATE INDEX arena_votes_voter ON arena_votes (voter_hash, received_at);
CREATE INDEX arena_votes_address ON arena_votes (address_hash, received_at);
