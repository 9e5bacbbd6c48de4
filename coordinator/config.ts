// Coordinator configuration: one zod schema (defaults included) fed by an optional JSON file and
// then the environment, so `startCoordinator` callers may pass a partial object and get the same defaults.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PAIRING_POLICIES, type PairingRules } from '#rating/pairing';
import { clientAddressResolver } from './client-address';

export const DispatchPolicySchema = z.enum(['lottery', 'shortest_queue']);
export type DispatchPolicy = z.infer<typeof DispatchPolicySchema>;

export const UpstreamSchema = z.object({
	/** OpenAI base URL, ending in `/v1` (the coordinator appends `/models`, `/chat/completions`, …). */
	url: z.url().transform((u) => u.replace(/\/+$/, '')),
	api_key: z.string().min(1).optional(),
	name: z.string().min(1).optional(),
	/** Models of this upstream that read images (`image_url` parts); `true` for all. Its own metadata counts too. */
	vision_models: z.union([z.literal(true), z.array(z.string().min(1))]).optional()
});
export type Upstream = z.infer<typeof UpstreamSchema>;

export const CoordinatorConfigSchema = z.object({
	port: z.number().int().min(0).max(65535).default(8000),
	host: z.string().min(1).default('127.0.0.1'),
	/**
	 * Workers send it as `Authorization: Bearer …` to register. Unset means anyone may register, so the
	 * entry points (`lumen serve`, main.ts) never leave it unset: see worker-secret.ts.
	 */
	worker_secret: z.string().min(1).optional(),
	/**
	 * Operator-issued tokens a browser tab sends to serve a model over the WebSocket at /workers/browser.
	 * Separate from the worker secret and the API keys; none means no tab may join.
	 */
	join_tokens: z.array(z.string().min(8, 'a join token must be at least 8 characters')).default([]),
	/** Browser workers send a status at least this often; silence for the expiry removes them at once. */
	browser_heartbeat_interval_ms: z.number().int().positive().default(5_000),
	browser_heartbeat_expiry_ms: z.number().int().positive().default(15_000),
	/** Largest WebSocket frame a tab may send; a larger one disconnects it. */
	browser_max_message_bytes: z.number().int().positive().default(4 * 1024 * 1024),
	/** Messages per second a tab may send (bursts of twice that); more disconnect it. */
	browser_max_messages_per_second: z.number().positive().default(2_000),
	/** Client API keys for `/v1/*` and `GET /workers`; empty means the API is open. */
	api_keys: z.array(z.string().min(1)).default([]),
	/** `*` or exact origins; the browser app may live on another origin than the coordinator. */
	cors_origins: z.array(z.string().min(1)).default(['*']),
	body_limit_bytes: z.number().int().positive().default(1024 * 1024),
	/**
	 * Which reverse proxies in front of the coordinator to believe about the client's address (X-Forwarded-For):
	 * a number of hops, or addresses / subnets / `loopback`, `linklocal`, `uniquelocal` (proxy-addr's names).
	 * 0 (the default) believes no header: the socket's address is the client's. Rate limits, arena caps and hashed logs use it.
	 */
	trust_proxy: z.union([z.number().int().nonnegative(), z.array(z.string().min(1)).min(1)]).default(0),
	/** Requests per minute per API key (or client IP without a key) on `/v1/*`; 0 turns it off. */
	rate_limit_per_minute: z.number().int().nonnegative().default(0),
	heartbeat_interval_ms: z.number().int().positive().default(45_000),
	heartbeat_expiry_ms: z.number().int().positive().default(90_000),
	/** How long a worker that failed a request is skipped by dispatch. */
	failure_cooldown_ms: z.number().int().nonnegative().default(10_000),
	dispatch_policy: DispatchPolicySchema.default('shortest_queue'),
	upstreams: z.array(UpstreamSchema).default([]),
	upstream_discovery_interval_ms: z.number().int().positive().default(30_000),
	/** Longest wait for a worker's response headers or between two body chunks. */
	upstream_timeout_ms: z.number().int().positive().default(300_000),
	database_path: z.string().min(1).default('./data/lumen.db'),
	web_app_dir: z.string().min(1).optional(),
	log_requests: z.boolean().default(false),
	/** How anonymous arena battles pick their two models (src/lib/rating/pairing.ts). */
	arena_pairing: z.enum(PAIRING_POLICIES).default('weighted'),
	/** Model → sampling weight (FastChat's SAMPLING_WEIGHTS); unlisted models weigh 1, 0 never drawn. Multiplies the worker-speed weight. */
	arena_sampling_weights: z.record(z.string().min(1), z.number().finite().nonnegative('a sampling weight must be 0 or more')).default({}),
	/** Model → models it is preferentially paired with (FastChat's BATTLE_TARGETS): they take about half its rival draws. */
	arena_battle_targets: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
	/** New models whose weight is multiplied by 5 (FastChat's SAMPLING_BOOST_MODELS). */
	arena_sampling_boost_models: z.array(z.string().min(1)).default([]),
	/** Models never drawn for a battle (FastChat's OUTAGE_MODELS), even while served. */
	arena_outage_models: z.array(z.string().min(1)).default([]),

	// Arena integrity (issue 11): who may vote, how often, and what enters a public battle.
	/** A vote for a battle id this coordinator never issued: `refuse` it (400), or `keep` it marked unverified and off the board. */
	arena_unverified_votes: z.enum(['refuse', 'keep']).default('refuse'),
	/** Salt of the voter hash (client address + the browser's anonymous id). Unset: a random one per start, so daily caps reset on restart. */
	arena_voter_salt: z.string().min(8, 'the voter salt must be at least 8 characters').optional(),
	/** Votes one voter (address + browser id) may cast in 24 hours; 0 turns the cap off. */
	arena_votes_per_day: z.number().int().nonnegative().default(100),
	/** Votes one client address may cast in 24 hours, whatever browser ids it sends; 0 turns the cap off. */
	arena_votes_per_day_per_address: z.number().int().nonnegative().default(1_000),
	/** Votes per minute per voter (bursts of that many); 0 turns it off. */
	arena_votes_per_minute: z.number().int().nonnegative().default(10),
	/** Battle ids and moderation checks per minute per client address; 0 turns it off. */
	arena_battles_per_minute: z.number().int().nonnegative().default(60),
	/** Significance of the anomalous-voter test (arena-anomaly.ts); a flagged voter's votes leave the board. 0 turns it off. */
	arena_anomaly_alpha: z.number().min(0).max(1).default(0.05),
	/** FastChat's CONVERSATION_TURN_LIMIT, INPUT_CHAR_LEN_LIMIT and blind-mode limit (characters of all messages in a battle). */
	arena_max_turns: z.number().int().positive().default(50),
	arena_max_prompt_chars: z.number().int().positive().default(12_000),
	arena_max_battle_chars: z.number().int().positive().default(30_000),
	/** Keep the conversations of voters who agree to share them (the arena asks; off by default). They appear in GET /api/arena/battles.jsonl?clean=1. */
	arena_log_conversations: z.boolean().default(false),
	/** deduplication.py's percentile: prompts counted more often than this quantile of per-prompt counts are tagged high_freq in the release. */
	arena_dedup_percentile: z.number().gt(0).lt(1).default(0.9999),
	/** An OpenAI-compatible moderation endpoint (its `/v1` base or the full `/v1/moderations` URL); unset: the word list. */
	moderation_url: z.url().optional(),
	moderation_api_key: z.string().min(1).optional(),
	moderation_model: z.string().min(1).optional(),
	/** Used without a moderation URL: a prompt containing one of these (case-insensitive) is flagged. */
	moderation_words: z.array(z.string().min(1)).default([])
});
export type CoordinatorConfig = z.infer<typeof CoordinatorConfigSchema>;
export type CoordinatorConfigInput = z.input<typeof CoordinatorConfigSchema>;

/** A readable one-line summary of what is wrong, naming each bad key. */
function describe(error: z.ZodError, source: string): string {
	const problems = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
	return `Invalid coordinator config (${source}): ${problems.join('; ')}`;
}

export function parseConfig(input: unknown, source = 'options'): CoordinatorConfig {
	const result = CoordinatorConfigSchema.safeParse(input);
	if (!result.success) throw new Error(describe(result.error, source));
	if (result.data.heartbeat_expiry_ms <= result.data.heartbeat_interval_ms)
		throw new Error(`Invalid coordinator config (${source}): heartbeat_expiry_ms must exceed heartbeat_interval_ms`);
	try {
		clientAddressResolver(result.data.trust_proxy);
	} catch (err) {
		throw new Error(`Invalid coordinator config (${source}): trust_proxy: ${(err as Error).message}`, { cause: err });
	}
	if (result.data.browser_heartbeat_expiry_ms <= result.data.browser_heartbeat_interval_ms)
		throw new Error(`Invalid coordinator config (${source}): browser_heartbeat_expiry_ms must exceed browser_heartbeat_interval_ms`);
	return result.data;
}

type Env = Record<string, string | undefined>;

const list = (v: string) =>
	v
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);

/** "1"/"true" and "0"/"false"; anything else is passed on for the schema to refuse by name. */
const bool = (v: string): unknown => (v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : v);

/** Env names map to config keys; numbers and lists are converted here and validated by the schema. */
const ENV: Record<string, [keyof CoordinatorConfig, (v: string) => unknown]> = {
	PORT: ['port', Number],
	HOST: ['host', String],
	LUMEN_WORKER_SECRET: ['worker_secret', String],
	LUMEN_API_KEYS: ['api_keys', list],
	LUMEN_JOIN_TOKENS: ['join_tokens', list],
	LUMEN_BROWSER_HEARTBEAT_INTERVAL_MS: ['browser_heartbeat_interval_ms', Number],
	LUMEN_BROWSER_HEARTBEAT_EXPIRY_MS: ['browser_heartbeat_expiry_ms', Number],
	LUMEN_BROWSER_MAX_MESSAGE_BYTES: ['browser_max_message_bytes', Number],
	LUMEN_BROWSER_MAX_MESSAGES_PER_SECOND: ['browser_max_messages_per_second', Number],
	LUMEN_CORS_ORIGINS: ['cors_origins', list],
	LUMEN_BODY_LIMIT_BYTES: ['body_limit_bytes', Number],
	LUMEN_RATE_LIMIT_PER_MINUTE: ['rate_limit_per_minute', Number],
	LUMEN_TRUST_PROXY: ['trust_proxy', (v) => (/^\s*\d+\s*$/.test(v) ? Number(v) : list(v))],
	LUMEN_HEARTBEAT_INTERVAL_MS: ['heartbeat_interval_ms', Number],
	LUMEN_HEARTBEAT_EXPIRY_MS: ['heartbeat_expiry_ms', Number],
	LUMEN_DISPATCH_POLICY: ['dispatch_policy', String],
	LUMEN_UPSTREAMS: ['upstreams', (v) => JSON.parse(v)],
	LUMEN_DB: ['database_path', String],
	LUMEN_WEB_DIR: ['web_app_dir', String],
	LUMEN_LOG_REQUESTS: ['log_requests', bool],
	LUMEN_ARENA_PAIRING: ['arena_pairing', String],
	LUMEN_ARENA_SAMPLING_WEIGHTS: ['arena_sampling_weights', (v) => JSON.parse(v)],
	LUMEN_ARENA_BATTLE_TARGETS: ['arena_battle_targets', (v) => JSON.parse(v)],
	LUMEN_ARENA_SAMPLING_BOOST_MODELS: ['arena_sampling_boost_models', list],
	LUMEN_ARENA_OUTAGE_MODELS: ['arena_outage_models', list],
	// Arena integrity
	LUMEN_ARENA_UNVERIFIED_VOTES: ['arena_unverified_votes', String],
	LUMEN_ARENA_VOTER_SALT: ['arena_voter_salt', String],
	LUMEN_ARENA_VOTES_PER_DAY: ['arena_votes_per_day', Number],
	LUMEN_ARENA_VOTES_PER_DAY_PER_ADDRESS: ['arena_votes_per_day_per_address', Number],
	LUMEN_ARENA_VOTES_PER_MINUTE: ['arena_votes_per_minute', Number],
	LUMEN_ARENA_BATTLES_PER_MINUTE: ['arena_battles_per_minute', Number],
	LUMEN_ARENA_ANOMALY_ALPHA: ['arena_anomaly_alpha', Number],
	LUMEN_ARENA_MAX_TURNS: ['arena_max_turns', Number],
	LUMEN_ARENA_MAX_PROMPT_CHARS: ['arena_max_prompt_chars', Number],
	LUMEN_ARENA_MAX_BATTLE_CHARS: ['arena_max_battle_chars', Number],
	LUMEN_ARENA_LOG_CONVERSATIONS: ['arena_log_conversations', bool],
	LUMEN_ARENA_DEDUP_PERCENTILE: ['arena_dedup_percentile', Number],
	LUMEN_MODERATION_URL: ['moderation_url', String],
	LUMEN_MODERATION_API_KEY: ['moderation_api_key', String],
	LUMEN_MODERATION_MODEL: ['moderation_model', String],
	LUMEN_ARENA_MODERATION_WORDS: ['moderation_words', list]
};

/** The arena pairing settings of a config, as pairing.ts takes them (the coordinator adds `active`). */
export function arenaPairingRules(config: CoordinatorConfig): PairingRules {
	return {
		policy: config.arena_pairing,
		weights: config.arena_sampling_weights,
		targets: config.arena_battle_targets,
		boost: config.arena_sampling_boost_models,
		outage: config.arena_outage_models
	};
}

/** Defaults, then the JSON file named by `LUMEN_CONFIG` (if any), then individual env variables. */
export function loadConfig(env: Env = process.env): CoordinatorConfig {
	let fromFile: Record<string, unknown> = {};
	const file = env.LUMEN_CONFIG;
	if (file) {
		try {
			fromFile = JSON.parse(readFileSync(file, 'utf8'));
		} catch (err) {
			throw new Error(`Cannot read coordinator config ${file}: ${(err as Error).message}`, { cause: err });
		}
		if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile))
			throw new Error(`Coordinator config ${file} must hold a JSON object`);
	}
	const fromEnv: Record<string, unknown> = {};
	for (const [name, [key, convert]] of Object.entries(ENV)) {
		const raw = env[name];
		if (raw === undefined || raw === '') continue;
		try {
			fromEnv[key] = convert(raw);
		} catch {
			throw new Error(`Invalid coordinator config (env ${name}): not valid JSON`);
		}
	}
	return parseConfig({ ...fromFile, ...fromEnv }, file ? `${file} + env` : 'env');
}
