// This browser's arena votes, one IndexedDB record per battle id, each with its sync state for the
// outbox. Records are validated on write and on read; a vote is never overwritten once recorded.
import { z } from 'zod';
import { ArenaVoteSchema, SharedConversationSchema, type ArenaVote, type SharedConversation } from '$lib/protocol/arena';

export type { SharedConversation };
import { LumenError } from '$lib/protocol/errors';
import { copyBattleExtras, toBattle, toJsonl, type Battle, type ParseError } from '$lib/rating';
import { guard, idbStore, type KeyValueStore } from '$lib/storage/kv';
import { requestSync } from './outbox';

export const SyncSchema = z.discriminatedUnion('state', [
	z.object({ state: z.literal('pending'), attempts: z.number().int().nonnegative(), nextAttemptAt: z.number(), lastError: z.string().optional() }),
	z.object({ state: z.literal('synced'), at: z.number() }),
	z.object({ state: z.literal('rejected'), at: z.number(), reason: z.string() })
]);
export type SyncState = z.infer<typeof SyncSchema>;

export const StoredVoteSchema = z.object({
	vote: ArenaVoteSchema,
	/** 'import': came from a battle file, so it is never pushed to a coordinator. */
	origin: z.enum(['local', 'import']),
	sync: SyncSchema,
	/** The battle's conversation, kept only until it is sent: present when the person agreed to share it. */
	conversation: SharedConversationSchema.optional()
});
export type StoredVote = z.infer<typeof StoredVoteSchema>;

export const defaultVotesStore: KeyValueStore = idbStore('lumen-votes', 'votes');

/**
 * Store a vote cast here and ask the outbox to send it. Recording the same battle twice is a no-op.
 * `conversation`: the battle's messages the person agreed to share; sent with the vote, then dropped.
 */
export async function recordVote(vote: ArenaVote, store: KeyValueStore = defaultVotesStore, conversation?: SharedConversation): Promise<void> {
	const parsed = ArenaVoteSchema.safeParse(vote);
	if (!parsed.success) throw new LumenError('bad_request', `This vote cannot be saved: ${z.prettifyError(parsed.error)}`);
	const existing = await guard(() => store.get(parsed.data.battle_id));
	if (StoredVoteSchema.safeParse(existing).success) return;
	const record: StoredVote = { vote: parsed.data, origin: 'local', sync: { state: 'pending', attempts: 0, nextAttemptAt: 0 } };
	if (conversation) record.conversation = SharedConversationSchema.parse(conversation);
	await guard(() => store.set(parsed.data.battle_id, record));
	if (store === defaultVotesStore) requestSync();
}

/** Every readable vote record, oldest first. Records that fail validation are skipped. */
export async function listStoredVotes(store: KeyValueStore = defaultVotesStore): Promise<StoredVote[]> {
	const all = await guard(() => store.entries());
	const out: StoredVote[] = [];
	for (const [, value] of all) {
		const parsed = StoredVoteSchema.safeParse(value);
		if (parsed.success) out.push(parsed.data);
	}
	return out.sort((x, y) => x.vote.tstamp - y.vote.tstamp || (x.vote.battle_id < y.vote.battle_id ? -1 : 1));
}

export async function listVotes(store: KeyValueStore = defaultVotesStore): Promise<ArenaVote[]> {
	return (await listStoredVotes(store)).map((r) => r.vote);
}

/**
 * Replace the sync state of a stored vote (the outbox's only write). Unknown ids are ignored. Once the
 * vote is sent or refused, a shared conversation is no longer kept here: it was only waiting to go.
 */
export async function setSyncState(battleId: string, sync: SyncState, store: KeyValueStore = defaultVotesStore): Promise<void> {
	const parsed = StoredVoteSchema.safeParse(await guard(() => store.get(battleId)));
	if (!parsed.success) return;
	const { conversation, ...record } = parsed.data;
	const next: StoredVote = { ...record, sync: SyncSchema.parse(sync) };
	if (conversation && sync.state === 'pending') next.conversation = conversation;
	await guard(() => store.set(battleId, next));
}

/** FastChat's clean-battle JSON lines, plus each vote's battle_id so re-importing an export adds nothing. */
export function votesToJsonl(votes: readonly ArenaVote[]): string {
	const lines = toJsonl(votes).split('\n');
	return votes.map((v, i) => `${lines[i].slice(0, -1)},"battle_id":${JSON.stringify(v.battle_id)}}\n`).join('');
}

export async function exportVotesJsonl(store: KeyValueStore = defaultVotesStore): Promise<string> {
	return votesToJsonl(await listVotes(store));
}

export type ImportResult = { added: number; alreadyHere: number; errors: ParseError[] };

/**
 * Read a battle file (JSON lines, or one JSON array) into votes. Battles without a usable battle_id
 * get a fresh one; all imported votes are marked synced so the outbox never sends them.
 */
export function parseVoteFile(text: string, now = Date.now()): { votes: ArenaVote[]; errors: ParseError[] } {
	const votes: ArenaVote[] = [];
	const errors: ParseError[] = [];
	const take = (value: unknown, line: number) => {
		const result = toBattle(value);
		if ('error' in result) return errors.push({ line, message: result.error });
		const raw = value as Record<string, unknown>;
		const id = ArenaVoteSchema.shape.battle_id.safeParse(raw.battle_id);
		votes.push(toVote(result.battle, id.success ? id.data : crypto.randomUUID(), now));
	};
	if (/^\s*\[/.test(text)) {
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch (e) {
			return { votes, errors: [{ line: 1, message: `not valid JSON (${(e as Error).message})` }] };
		}
		if (!Array.isArray(value)) return { votes, errors: [{ line: 1, message: 'expected a JSON array of battles' }] };
		value.forEach((item, i) => take(item, i + 1));
		return { votes, errors };
	}
	text.split('\n').forEach((raw, i) => {
		const line = raw.trim();
		if (line === '') return;
		try {
			take(JSON.parse(line), i + 1);
		} catch (e) {
			errors.push({ line: i + 1, message: `not valid JSON (${(e as Error).message})` });
		}
	});
	return { votes, errors };
}

function toVote(b: Battle, battleId: string, now: number): ArenaVote {
	return copyBattleExtras(b, {
		battle_id: battleId,
		model_a: b.model_a,
		model_b: b.model_b,
		winner: b.winner,
		// A battle counts as anonymous unless it says otherwise (see rating/battle.ts).
		anony: b.anony ?? true,
		tstamp: b.tstamp ?? now / 1000,
		turn: Math.max(1, b.turn ?? 1)
	});
}

export async function importVotes(text: string, store: KeyValueStore = defaultVotesStore, now = Date.now()): Promise<ImportResult> {
	const { votes, errors } = parseVoteFile(text, now);
	const existing = new Set(await guard(() => store.keys()));
	const fresh = new Map<string, StoredVote>();
	for (const vote of votes) {
		if (existing.has(vote.battle_id) || fresh.has(vote.battle_id)) continue;
		fresh.set(vote.battle_id, { vote, origin: 'import', sync: { state: 'synced', at: now } });
	}
	await guard(() => store.setMany([...fresh]));
	return { added: fresh.size, alreadyHere: votes.length - fresh.size, errors };
}
