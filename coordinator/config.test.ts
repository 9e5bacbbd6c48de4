import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { arenaPairingRules, loadConfig, parseConfig } from './config';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function configFile(content: unknown): string {
	const dir = mkdtempSync(join(tmpdir(), 'lumen-config-'));
	dirs.push(dir);
	const path = join(dir, 'coordinator.json');
	writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
	return path;
}

describe('coordinator config', () => {
	it('fills FastChat-like defaults when nothing is given', () => {
		expect(parseConfig({})).toMatchObject({
			port: 8000,
			host: '127.0.0.1',
			api_keys: [],
			body_limit_bytes: 1024 * 1024,
			heartbeat_interval_ms: 45_000,
			heartbeat_expiry_ms: 90_000,
			dispatch_policy: 'shortest_queue',
			database_path: './data/lumen.db',
			rate_limit_per_minute: 0
		});
	});

	it('reads the JSON file named by LUMEN_CONFIG, with env variables taking precedence', () => {
		const file = configFile({ port: 9000, dispatch_policy: 'lottery', upstreams: [{ url: 'http://gpu:8000/v1/', api_key: 'k' }] });
		const config = loadConfig({ LUMEN_CONFIG: file, PORT: '0', LUMEN_API_KEYS: 'a, b', LUMEN_DB: ':memory:' });
		expect(config).toMatchObject({ port: 0, dispatch_policy: 'lottery', api_keys: ['a', 'b'], database_path: ':memory:' });
		expect(config.upstreams).toEqual([{ url: 'http://gpu:8000/v1', api_key: 'k' }]);
	});

	it('names the bad key when a value is invalid', () => {
		expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/port/);
		expect(() => loadConfig({ LUMEN_DISPATCH_POLICY: 'round_robin' })).toThrow(/dispatch_policy/);
		expect(() => parseConfig({ upstreams: [{ url: 'not a url' }] })).toThrow(/upstreams\.0\.url/);
		expect(() => parseConfig({ unknown_key_is_fine: 1, body_limit_bytes: -1 })).toThrow(/body_limit_bytes/);
	});

	it('reads join tokens for browser workers, apart from the worker secret and API keys', () => {
		expect(parseConfig({}).join_tokens).toEqual([]);
		const config = loadConfig({ LUMEN_JOIN_TOKENS: ' tab-token-1 ,tab-token-2', LUMEN_API_KEYS: 'sk-1', LUMEN_WORKER_SECRET: 's3cret' });
		expect(config).toMatchObject({ join_tokens: ['tab-token-1', 'tab-token-2'], api_keys: ['sk-1'], worker_secret: 's3cret' });
		expect(loadConfig({ LUMEN_CONFIG: configFile({ join_tokens: ['from-the-file'] }) }).join_tokens).toEqual(['from-the-file']);
		expect(() => loadConfig({ LUMEN_JOIN_TOKENS: 'short' })).toThrow(/join_tokens\.0: a join token must be at least 8 characters/);
		expect(() => parseConfig({ browser_heartbeat_interval_ms: 5_000, browser_heartbeat_expiry_ms: 5_000 })).toThrow(/browser_heartbeat_expiry_ms/);
	});

	it('reads which reverse proxies to trust as a hop count or addresses, and names an address it cannot read', () => {
		expect(parseConfig({}).trust_proxy).toBe(0);
		expect(loadConfig({ LUMEN_TRUST_PROXY: '2' }).trust_proxy).toBe(2);
		expect(loadConfig({ LUMEN_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trust_proxy).toEqual(['loopback', '10.0.0.0/8']);
		expect(() => loadConfig({ LUMEN_TRUST_PROXY: 'loopback, proxy.example' })).toThrow(/trust_proxy: invalid IP address: proxy\.example/);
		expect(() => parseConfig({ trust_proxy: -1 })).toThrow(/trust_proxy/);
	});

	it('refuses an expiry that is not longer than the heartbeat interval', () => {
		expect(() => parseConfig({ heartbeat_interval_ms: 1000, heartbeat_expiry_ms: 1000 })).toThrow(/heartbeat_expiry_ms/);
	});

	it('explains a config file that cannot be read or is not an object', () => {
		expect(() => loadConfig({ LUMEN_CONFIG: '/nonexistent/lumen.json' })).toThrow(/Cannot read coordinator config/);
		expect(() => loadConfig({ LUMEN_CONFIG: configFile('{oops') })).toThrow(/Cannot read coordinator config/);
		expect(() => loadConfig({ LUMEN_CONFIG: configFile([1, 2]) })).toThrow(/JSON object/);
		expect(() => loadConfig({ LUMEN_UPSTREAMS: '[{' })).toThrow(/LUMEN_UPSTREAMS/);
	});

	it('reads the arena pairing settings from the environment or the config file', () => {
		expect(arenaPairingRules(parseConfig({}))).toEqual({ policy: 'weighted', weights: {}, targets: {}, boost: [], outage: [] });
		const fromEnv = loadConfig({
			LUMEN_ARENA_PAIRING: 'active',
			LUMEN_ARENA_SAMPLING_WEIGHTS: '{"lumen-tiny-a": 2, "old-model": 0}',
			LUMEN_ARENA_BATTLE_TARGETS: '{"new-model": ["lumen-tiny-a", "lumen-tiny-b"]}',
			LUMEN_ARENA_SAMPLING_BOOST_MODELS: 'new-model',
			LUMEN_ARENA_OUTAGE_MODELS: ' flaky-model , down-model'
		});
		expect(arenaPairingRules(fromEnv)).toEqual({
			policy: 'active',
			weights: { 'lumen-tiny-a': 2, 'old-model': 0 },
			targets: { 'new-model': ['lumen-tiny-a', 'lumen-tiny-b'] },
			boost: ['new-model'],
			outage: ['flaky-model', 'down-model']
		});
		const file = configFile({ arena_pairing: 'uniform', arena_outage_models: ['x'], arena_sampling_weights: { y: 3 } });
		expect(loadConfig({ LUMEN_CONFIG: file, LUMEN_ARENA_OUTAGE_MODELS: 'z' })).toMatchObject({
			arena_pairing: 'uniform',
			arena_outage_models: ['z'],
			arena_sampling_weights: { y: 3 }
		});
	});

	it('names the bad arena pairing setting', () => {
		expect(() => loadConfig({ LUMEN_ARENA_PAIRING: 'elo' })).toThrow(/arena_pairing/);
		expect(() => loadConfig({ LUMEN_ARENA_SAMPLING_WEIGHTS: '{"a": -1}' })).toThrow(/arena_sampling_weights\.a: a sampling weight must be 0 or more/);
		expect(() => loadConfig({ LUMEN_ARENA_SAMPLING_WEIGHTS: '{"a": 1' })).toThrow(/LUMEN_ARENA_SAMPLING_WEIGHTS.*not valid JSON/);
		expect(() => loadConfig({ LUMEN_ARENA_BATTLE_TARGETS: '{"a": "b"}' })).toThrow(/arena_battle_targets\.a/);
		expect(() => parseConfig({ arena_sampling_weights: [1, 2] })).toThrow(/arena_sampling_weights/);
	});

	it('reads the arena integrity settings with FastChat-like defaults, and names a bad one', () => {
		expect(parseConfig({})).toMatchObject({
			arena_unverified_votes: 'refuse',
			arena_votes_per_day: 100,
			arena_votes_per_minute: 10,
			arena_max_turns: 50,
			arena_max_prompt_chars: 12_000,
			moderation_words: []
		});
		const config = loadConfig({
			LUMEN_ARENA_UNVERIFIED_VOTES: 'keep',
			LUMEN_ARENA_VOTES_PER_DAY: '5',
			LUMEN_ARENA_MODERATION_WORDS: 'one, two',
			LUMEN_MODERATION_URL: 'https://mod.example/v1',
			LUMEN_MODERATION_API_KEY: 'sk-mod'
		});
		expect(config).toMatchObject({ arena_unverified_votes: 'keep', arena_votes_per_day: 5, moderation_words: ['one', 'two'], moderation_url: 'https://mod.example/v1' });
		expect(() => loadConfig({ LUMEN_ARENA_UNVERIFIED_VOTES: 'maybe' })).toThrow(/arena_unverified_votes/);
		expect(() => loadConfig({ LUMEN_ARENA_VOTER_SALT: 'short' })).toThrow(/arena_voter_salt: the voter salt must be at least 8 characters/);
	});
});
