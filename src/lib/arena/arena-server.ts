// The arena page's calls to the configured coordinator before a battle whose votes go there: a battle
// id issued for the two models the page drew, and the moderation check of each prompt. Both name this
// browser by a random anonymous id (kept in localStorage) that the coordinator hashes with the address.
import { BattleSchema, type Battle } from '$lib/protocol/arena';
import { ModerateResponseSchema, type ModerateResponse } from '$lib/protocol/arena-integrity';
import { OpenAIClient } from '$lib/protocol/openai-client';
import { activeCoordinator } from '$lib/engine/active-coordinator';
import { getSettings } from '$lib/storage/settings';

export type ArenaServer = {
	/** The coordinator, for messages. */
	readonly name: string;
	issueBattle(pair: { model_a: string; model_b: string; anony: boolean }): Promise<Battle>;
	moderate(battleId: string, text: string): Promise<ModerateResponse>;
};

const VOTER_KEY = 'lumen-arena-voter';
let sessionVoter: string | undefined;

/** This browser's anonymous arena id: random, never derived from the person; one per browser profile. */
export function voterId(): string {
	try {
		const stored = localStorage.getItem(VOTER_KEY);
		if (stored) return stored;
		const fresh = crypto.randomUUID();
		localStorage.setItem(VOTER_KEY, fresh);
		return fresh;
	} catch {
		// No storage (private mode, Node): one id for this session.
		return (sessionVoter ??= crypto.randomUUID());
	}
}

export function arenaServerFor(client: OpenAIClient, voter: string): ArenaServer {
	return {
		name: client.server,
		issueBattle: (pair) => client.postJSON('/api/arena/battles', { local: true, ...pair, voter_id: voter }, BattleSchema, { timeoutMs: 15_000 }),
		moderate: (battleId, text) =>
			client.postJSON('/api/arena/moderate', { battle_id: battleId, text, voter_id: voter }, ModerateResponseSchema, { timeoutMs: 30_000 })
	};
}

/** The active coordinator's arena (Settings', else the page's own server), or null when there is none (votes then stay here). */
export async function configuredArenaServer(): Promise<ArenaServer | null> {
	const coordinator = await activeCoordinator(await getSettings());
	if (!coordinator) return null;
	const client = new OpenAIClient({ url: coordinator.url, apiKey: coordinator.apiKey, label: 'coordinator', keyHint: 'Check the API key in Settings.' });
	return arenaServerFor(client, voterId());
}
