-- Arena data (issue 11 items 1 and 6): what each vote says about its battle, the conversation when the
-- voter agreed to share it and the operator logs them, and a fingerprint of the battle's prompts for
-- deduplication (never the prompts themselves).
ALTER TABLE arena_votes ADD COLUMN analysis TEXT;      -- JSON: language, conv_metadata, is_code and the flags, as the page computed them
ALTER TABLE arena_votes ADD COLUMN conversation TEXT;  -- JSON: {conversation_a, conversation_b}; only with consent and logging on
ALTER TABLE arena_battles ADD COLUMN prompt_hash TEXT; -- chained SHA-256 of the prompts let in by /api/arena/moderate
