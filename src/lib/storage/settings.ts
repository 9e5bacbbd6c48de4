// User settings: one validated record. Reading never fails: unreadable fields fall back to their
// defaults one by one, so a single bad value cannot wipe the rest. Writes are validated strictly.
import { z } from 'zod';
import { LumenError } from '$lib/protocol/errors';
import { guard, idbStore, type KeyValueStore } from './kv';

export const SettingsSchema = z.object({
	/** Base URL of a Lumen coordinator; unset means the page's own server when allowed (below), else browser-only. */
	coordinatorUrl: z.url({ protocol: /^https?$/ }).optional(),
	/** With no coordinatorUrl: use the server this page came from when it is a Lumen coordinator (see active-coordinator.ts). */
	usePageServer: z.boolean().default(true),
	/** Stored as plain text in IndexedDB: anyone with access to this browser profile can read it. */
	apiKey: z.string().min(1).optional(),
	device: z.enum(['auto', 'webgpu', 'wasm']).default('auto'),
	lastModelId: z.string().min(1).optional(),
	/** Coordinator models the person marked as able to see images, for servers that do not say so themselves. */
	visionModels: z.array(z.string().min(1)).optional()
});
export type Settings = z.infer<typeof SettingsSchema>;
/** A patch sets fields; a field given as `undefined` is cleared (back to its default). */
export type SettingsPatch = { [K in keyof Settings]?: Settings[K] | undefined };

const SETTINGS_KEY = 'settings';
export const defaultSettingsStore: KeyValueStore = idbStore('lumen-settings', 'settings');

export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({});

/** Stored settings, or defaults for anything missing or invalid. Storage errors also yield defaults. */
export async function getSettings(store: KeyValueStore = defaultSettingsStore): Promise<Settings> {
	let raw: unknown;
	try {
		raw = await store.get(SETTINGS_KEY);
	} catch {
		return { ...DEFAULT_SETTINGS };
	}
	return salvage(raw);
}

/** Applies a patch and stores the result. Rejects an invalid patch with `bad_request` without writing. */
export async function updateSettings(
	patch: SettingsPatch,
	store: KeyValueStore = defaultSettingsStore
): Promise<Settings> {
	const merged: Record<string, unknown> = { ...(await getSettings(store)) };
	for (const [key, value] of Object.entries(patch)) {
		if (value === undefined) delete merged[key];
		else merged[key] = value;
	}
	const parsed = SettingsSchema.strict().safeParse(merged);
	if (!parsed.success) throw new LumenError('bad_request', `Invalid settings: ${z.prettifyError(parsed.error)}`);
	await guard(() => store.set(SETTINGS_KEY, parsed.data));
	return parsed.data;
}

function salvage(raw: unknown): Settings {
	const whole = SettingsSchema.safeParse(raw);
	if (whole.success) return whole.data;
	if (typeof raw !== 'object' || raw === null) return { ...DEFAULT_SETTINGS };
	const source = raw as Record<string, unknown>;
	const kept: Record<string, unknown> = {};
	for (const [key, field] of Object.entries(SettingsSchema.shape)) {
		if (field.safeParse(source[key]).success) kept[key] = source[key];
	}
	return SettingsSchema.parse(kept);
}
