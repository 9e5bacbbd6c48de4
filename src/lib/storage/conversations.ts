// Conversations in IndexedDB, plus JSON export/import. Every record carries `version`; reads migrate
// older shapes forward and treat anything unreadable as absent, so one bad record never breaks the list.
import { z } from 'zod';
import { LumenError } from '$lib/protocol/errors';
import { ChatCompletionRequestSchema, ChatMessageSchema, FinishReasonSchema } from '$lib/protocol/openai';
import { ImageSchema, MAX_IMAGES_PER_MESSAGE, toPortableImage } from './conversations-images';
import { guard, idbStore, type KeyValueStore } from './kv';

/** 2: messages may carry images (Blobs); an older app refuses such a record instead of saving it back without them. */
export const CONVERSATION_VERSION = 2;

export const MessageStatsSchema = z.object({
	// null when no token arrived (stopped or failed before the first one).
	ttftMs: z.number().nonnegative().nullable(),
	tokensPerSecond: z.number().nonnegative().nullable(),
	tokens: z.number().int().nonnegative(),
	finishReason: FinishReasonSchema
});
export type MessageStats = z.infer<typeof MessageStatsSchema>;

export const StoredMessageSchema = ChatMessageSchema.extend({
	id: z.string().min(1),
	createdAt: z.number(),
	/** Which model wrote an assistant message. */
	modelId: z.string().optional(),
	/** Why an assistant message ended early, in words a person can act on. */
	error: z.string().optional(),
	stats: MessageStatsSchema.optional(),
	/** Images a person attached to a user message, sent with it (and with every later turn) to a vision model. */
	images: z.array(ImageSchema).max(MAX_IMAGES_PER_MESSAGE).optional()
});
export type StoredMessage = z.infer<typeof StoredMessageSchema>;

// Same bounds as the wire request, because these params are sent as-is with every request.
const request = ChatCompletionRequestSchema.shape;
export const ConversationParamsSchema = z.object({
	temperature: request.temperature.unwrap(),
	top_p: request.top_p.unwrap(),
	max_tokens: request.max_tokens.unwrap()
});
export type ConversationParams = z.infer<typeof ConversationParamsSchema>;

export const ConversationSchema = z.object({
	version: z.literal(CONVERSATION_VERSION),
	id: z.string().min(1),
	title: z.string(),
	modelId: z.string(),
	createdAt: z.number(),
	updatedAt: z.number(),
	systemPrompt: z.string(),
	params: ConversationParamsSchema,
	messages: z.array(StoredMessageSchema)
});
export type Conversation = z.infer<typeof ConversationSchema>;

export type ConversationSummary = Pick<Conversation, 'id' | 'title' | 'modelId' | 'createdAt' | 'updatedAt'> & {
	messageCount: number;
};

/** What exportAllConversations writes; importConversations also accepts one conversation or a bare array. */
export const ExportBundleSchema = z.object({
	format: z.literal('lumen-conversations'),
	version: z.literal(1),
	exportedAt: z.number(),
	conversations: z.array(z.unknown())
});
export type ExportBundle = z.infer<typeof ExportBundleSchema>;

/** Upgrades from version N to N+1; add `N: (vN) => vN+1` whenever the shape changes. */
export type Migration = (record: Record<string, unknown>) => Record<string, unknown>;
export const CONVERSATION_MIGRATIONS: Readonly<Record<number, Migration>> = {
	// v2 only added optional images, so a v1 record is already a valid v2 record.
	1: (v1) => v1
};

const VersionedSchema = z.looseObject({ version: z.number().int().nonnegative() });

/**
 * Brings a stored or imported record up to the current version and validates it.
 * Returns the zod-style failure instead of throwing, so callers decide between skipping and rejecting.
 */
export function migrate(
	raw: unknown,
	migrations: Readonly<Record<number, Migration>> = CONVERSATION_MIGRATIONS
): { ok: true; conversation: Conversation } | { ok: false; reason: string } {
	const versioned = VersionedSchema.safeParse(raw);
	if (!versioned.success) return { ok: false, reason: 'not a conversation record (no version)' };
	let record: Record<string, unknown> = versioned.data;
	let version = versioned.data.version;
	if (version > CONVERSATION_VERSION)
		return { ok: false, reason: `written by a newer Lumen (version ${version}); update the app to read it` };
	while (version < CONVERSATION_VERSION) {
		const step = migrations[version];
		if (!step) return { ok: false, reason: `no migration from version ${version}` };
		record = { ...step(record), version: version + 1 };
		version += 1;
	}
	const parsed = ConversationSchema.safeParse(record);
	if (!parsed.success) return { ok: false, reason: z.prettifyError(parsed.error) };
	return { ok: true, conversation: parsed.data };
}

export const defaultConversationStore: KeyValueStore = idbStore('lumen-conversations', 'conversations');

/** Validates and stores a conversation under its id (replacing any earlier version of it). */
export async function saveConversation(
	conversation: Conversation,
	store: KeyValueStore = defaultConversationStore
): Promise<Conversation> {
	const parsed = ConversationSchema.safeParse(conversation);
	if (!parsed.success)
		throw new LumenError('bad_request', `Invalid conversation: ${z.prettifyError(parsed.error)}`);
	await guard(() => store.set(parsed.data.id, parsed.data));
	return parsed.data;
}

/** The conversation, or undefined when it is missing or unreadable. */
export async function getConversation(
	id: string,
	store: KeyValueStore = defaultConversationStore
): Promise<Conversation | undefined> {
	const result = migrate(await guard(() => store.get(id)));
	return result.ok && result.conversation.id === id ? result.conversation : undefined;
}

/** Summaries, most recently updated first; unreadable records are skipped. */
export async function listConversations(
	store: KeyValueStore = defaultConversationStore
): Promise<ConversationSummary[]> {
	return sortSummaries((await readAll(store)).map(summarize));
}

/** The list entry for one conversation. */
/** The stored title of a conversation not yet named by its first message (the page shows it in the current language). */
export const NEW_CHAT_TITLE = 'New chat';

export function summarize({ id, title, modelId, createdAt, updatedAt, messages }: Conversation): ConversationSummary {
	return { id, title, modelId, createdAt, updatedAt, messageCount: messages.length };
}

/**
 * The list after one conversation was saved: its entry replaced or added, newest first. Lets a caller keep
 * its list current in O(list) without reading every stored conversation again.
 */
export function withSummary(list: readonly ConversationSummary[], conversation: Conversation): ConversationSummary[] {
	return sortSummaries([summarize(conversation), ...list.filter((c) => c.id !== conversation.id)]);
}

function sortSummaries(list: ConversationSummary[]): ConversationSummary[] {
	return list.sort((a, b) => b.updatedAt - a.updatedAt);
}

export async function deleteConversation(id: string, store: KeyValueStore = defaultConversationStore): Promise<void> {
	await guard(() => store.del(id));
}

/** A conversation as JSON can carry it: images become `data:` URLs, which importConversations turns back into Blobs. */
export async function toPortable(conversation: Conversation): Promise<Record<string, unknown>> {
	const messages = await Promise.all(
		conversation.messages.map(async ({ images, ...m }) => (images ? { ...m, images: await Promise.all(images.map(toPortableImage)) } : m))
	);
	return { ...conversation, messages };
}

/** One conversation as pretty JSON, images included. */
export async function exportConversation(id: string, store: KeyValueStore = defaultConversationStore): Promise<string> {
	const conversation = await getConversation(id, store);
	if (!conversation) throw new LumenError('bad_request', `There is no readable conversation with id "${id}".`);
	return JSON.stringify(await toPortable(conversation), null, 2);
}

/** Every readable conversation as one pretty JSON bundle, newest first, images included. */
export async function exportAllConversations(store: KeyValueStore = defaultConversationStore): Promise<string> {
	const stored = (await readAll(store)).sort((a, b) => b.updatedAt - a.updatedAt);
	const conversations = await Promise.all(stored.map(toPortable));
	const bundle: ExportBundle = { format: 'lumen-conversations', version: 1, exportedAt: Date.now(), conversations };
	return JSON.stringify(bundle, null, 2);
}

/**
 * Imports a bundle, a bare array, or one conversation. All-or-nothing: every record is validated
 * before any is written, and the write is one transaction. Records replace stored ones with the same id.
 */
export async function importConversations(
	json: string,
	store: KeyValueStore = defaultConversationStore
): Promise<{ imported: number; replaced: number; ids: string[] }> {
	let data: unknown;
	try {
		data = JSON.parse(json);
	} catch (err) {
		throw new LumenError('bad_request', `This file is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
	}
	const bundle = ExportBundleSchema.safeParse(data);
	const records = bundle.success ? bundle.data.conversations : Array.isArray(data) ? data : [data];
	const conversations: Conversation[] = [];
	for (const [i, record] of records.entries()) {
		const result = migrate(record);
		if (!result.ok) throw new LumenError('bad_request', `Conversation ${i + 1} of ${records.length} is invalid: ${result.reason}`);
		conversations.push(result.conversation);
	}
	const ids = conversations.map((c) => c.id);
	if (new Set(ids).size !== ids.length) throw new LumenError('bad_request', 'The file lists the same conversation id twice.');
	const existing = new Set(await guard(() => store.keys()));
	await guard(() => store.setMany(conversations.map((c) => [c.id, c] as const)));
	return { imported: conversations.length, replaced: ids.filter((id) => existing.has(id)).length, ids };
}

async function readAll(store: KeyValueStore): Promise<Conversation[]> {
	const conversations: Conversation[] = [];
	for (const [key, value] of await guard(() => store.entries())) {
		const result = migrate(value);
		if (result.ok && result.conversation.id === key) conversations.push(result.conversation);
	}
	return conversations;
}

/** A fresh, unsaved conversation with default parameters. */
export function newConversation(modelId = '', now = Date.now()): Conversation {
	return {
		version: CONVERSATION_VERSION,
		id: crypto.randomUUID(),
		title: NEW_CHAT_TITLE,
		modelId,
		createdAt: now,
		updatedAt: now,
		systemPrompt: 'You are a helpful assistant.',
		params: { temperature: 0.7, top_p: 1, max_tokens: 256 },
		messages: []
	};
}
