// Model manifests: the only thing that makes a model count as cached. A manifest is written after
// every chunk it lists is stored and deleted before those chunks, so no crash leaves a listed file without data.
import { z } from 'zod';
import { guard, idbStore, type KeyValueStore } from './kv';

export const MANIFEST_VERSION = 1;
/** Chunk ceiling: keeps each IndexedDB value far below per-value and per-transaction browser limits. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024;
/** crypto.subtle hashes in one shot, so hashing a file holds it whole in memory; bigger files are skipped. */
export const MAX_HASH_BYTES = 1024 * 1024 * 1024;

export const CachedFileSchema = z.object({
	/** The exact key the caller used (for Transformers.js: the remote URL or the .wasm/.mjs URL). */
	url: z.string().min(1),
	size: z.number().int().nonnegative(),
	chunks: z.number().int().nonnegative(),
	/** Random id of the write that produced the chunks: a rewrite never overwrites live chunks in place. */
	generation: z.string().min(1),
	contentType: z.string().optional(),
	sha256: z
		.string()
		.regex(/^[0-9a-f]{64}$/)
		.optional()
});
export type CachedFile = z.infer<typeof CachedFileSchema>;

export const ManifestSchema = z.object({
	version: z.literal(MANIFEST_VERSION),
	modelId: z.string().min(1),
	complete: z.literal(true),
	files: z.array(CachedFileSchema),
	totalBytes: z.number().int().nonnegative(),
	createdAt: z.number()
});
export type Manifest = z.infer<typeof ManifestSchema>;

export type WeightStores = { chunks: KeyValueStore; manifests: KeyValueStore };

/** Chunks and manifests live in separate databases so listing models never opens gigabytes of chunk data. */
export const defaultWeightStores: WeightStores = {
	chunks: idbStore('lumen-weights', 'chunks'),
	manifests: idbStore('lumen-weight-manifests', 'manifests')
};

export type CacheProblem = { modelId: string; url: string; reason: string };

// NUL cannot appear in a model id or URL, so these keys never collide and a model's chunks share one prefix.
export function chunkKey(modelId: string, generation: string, url: string, index: number): string {
	return `${modelId}\u0000${generation}\u0000${url}\u0000${index}`;
}

export function chunkKeysOf(modelId: string, file: Pick<CachedFile, 'generation' | 'url' | 'chunks'>): string[] {
	return Array.from({ length: file.chunks }, (_, i) => chunkKey(modelId, file.generation, file.url, i));
}

/** A stored manifest, or undefined when absent or unreadable (an unreadable manifest means "not cached"). */
export async function getManifest(
	modelId: string,
	stores: WeightStores = defaultWeightStores
): Promise<Manifest | undefined> {
	const parsed = ManifestSchema.safeParse(await guard(() => stores.manifests.get(modelId)));
	return parsed.success && parsed.data.modelId === modelId ? parsed.data : undefined;
}

/** Every complete cached model, newest first; unreadable manifests are left out. */
export async function listCachedModels(stores: WeightStores = defaultWeightStores): Promise<Manifest[]> {
	const manifests: Manifest[] = [];
	for (const [key, value] of await guard(() => stores.manifests.entries())) {
		const parsed = ManifestSchema.safeParse(value);
		if (parsed.success && parsed.data.modelId === key) manifests.push(parsed.data);
	}
	return manifests.sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * Removes the manifest first (the model stops counting as cached at once), then every chunk under the
 * model's prefix, including orphans left by crashed or aborted downloads that no manifest lists.
 */
export async function deleteCachedModel(
	modelId: string,
	stores: WeightStores = defaultWeightStores
): Promise<void> {
	await guard(() => stores.manifests.del(modelId));
	const prefix = `${modelId}\u0000`;
	const doomed = (await guard(() => stores.chunks.keys())).filter((k) => k.startsWith(prefix));
	if (doomed.length > 0) await guard(() => stores.chunks.delMany(doomed));
}

const ChunkSchema = z.instanceof(Blob);

/**
 * Reads one file's chunks as Blobs (cheap: browsers hand back disk-backed handles, not bytes).
 * Returns the problem instead when a chunk is missing or the sizes do not add up.
 */
export async function readFileChunks(
	modelId: string,
	file: CachedFile,
	stores: WeightStores
): Promise<{ ok: true; blobs: Blob[] } | { ok: false; reason: string }> {
	const values = await guard(() => stores.chunks.getMany(chunkKeysOf(modelId, file)));
	const blobs: Blob[] = [];
	for (const [i, value] of values.entries()) {
		const parsed = ChunkSchema.safeParse(value);
		if (!parsed.success) return { ok: false, reason: `chunk ${i + 1} of ${file.chunks} is missing or unreadable` };
		blobs.push(parsed.data);
	}
	const stored = blobs.reduce((sum, b) => sum + b.size, 0);
	if (stored !== file.size) return { ok: false, reason: `stored ${stored} bytes, manifest says ${file.size}` };
	return { ok: true, blobs };
}

export type VerifyResult = {
	modelId: string;
	/** False when there is no readable manifest: nothing to verify. */
	cached: boolean;
	ok: boolean;
	files: Array<{ url: string; size: number; ok: boolean; reason?: string; sha256?: string }>;
};

/**
 * Checks that every listed chunk exists and sizes add up. With `hash`, also computes each file's SHA-256
 * (one file in memory at a time; files over MAX_HASH_BYTES are skipped) and compares it with the recorded one.
 */
export async function verifyCachedModel(
	modelId: string,
	options: { hash?: boolean } = {},
	stores: WeightStores = defaultWeightStores
): Promise<VerifyResult> {
	const manifest = await getManifest(modelId, stores);
	if (!manifest) return { modelId, cached: false, ok: false, files: [] };
	const files: VerifyResult['files'] = [];
	for (const file of manifest.files) {
		const read = await readFileChunks(modelId, file, stores);
		if (!read.ok) {
			files.push({ url: file.url, size: file.size, ok: false, reason: read.reason });
			continue;
		}
		const sha256 = options.hash ? await sha256Of(read.blobs, file.size) : undefined;
		if (sha256 && file.sha256 && sha256 !== file.sha256) {
			files.push({ url: file.url, size: file.size, ok: false, reason: 'SHA-256 mismatch', sha256 });
			continue;
		}
		files.push({ url: file.url, size: file.size, ok: true, ...(sha256 ? { sha256 } : {}) });
	}
	const sizesAddUp = manifest.totalBytes === manifest.files.reduce((sum, f) => sum + f.size, 0);
	return { modelId, cached: true, ok: sizesAddUp && files.every((f) => f.ok), files };
}

async function sha256Of(blobs: Blob[], size: number): Promise<string | undefined> {
	// crypto.subtle exists only in secure contexts; without it hashing is simply unavailable, not an error.
	if (size > MAX_HASH_BYTES || typeof crypto === 'undefined' || !crypto.subtle) return undefined;
	const digest = await crypto.subtle.digest('SHA-256', await new Blob(blobs).arrayBuffer());
	return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
