// A per-model download session that Transformers.js can use as `env.customCache` (match + put).
// Files are stored in chunks; nothing counts as cached until commit() writes the manifest, last.
import { LumenError, isQuotaError } from '$lib/protocol/errors';
import {
	DEFAULT_CHUNK_BYTES,
	MANIFEST_VERSION,
	chunkKey,
	chunkKeysOf,
	defaultWeightStores,
	getManifest,
	readFileChunks,
	type CacheProblem,
	type CachedFile,
	type Manifest,
	type WeightStores
} from './weight-manifest';

export type PutProgress = { loaded: number; total: number; progress: number };

export type CacheStats = {
	/** Bytes this session stored, i.e. bytes that came from the network. */
	bytesWritten: number;
	filesWritten: number;
	/** Bytes of files this session served from IndexedDB (each file counted once, however often matched). */
	bytesFromCache: number;
	filesFromCache: number;
	corruptFiles: number;
};

export interface ModelCache {
	readonly modelId: string;
	/** A Response for a file listed in this model's complete manifest whose chunks check out; otherwise undefined. Never throws. */
	match(key: string): Promise<Response | undefined>;
	/** Stores the body in chunks. Throws LumenError `quota_exceeded`, `storage_failed`, `download_failed` or `aborted`. */
	put(key: string, response: Response, progress?: (p: PutProgress) => void): Promise<void>;
	/** Waits for pending puts, then writes the manifest (merged with any earlier one). Throws a put's storage failure. */
	commit(): Promise<Manifest | undefined>;
	/** Stops the session and deletes every chunk it wrote since the last commit. */
	abort(): Promise<void>;
	readonly stats: Readonly<CacheStats>;
}

export type ModelCacheOptions = {
	/** Tests shrink this to a few bytes to exercise multi-chunk files. */
	chunkBytes?: number;
	stores?: WeightStores;
	/** Called once per file whose chunks do not match the manifest; match then reports a miss so it is re-downloaded. */
	onCorruption?: (problem: CacheProblem) => void;
};

export function openModelCache(modelId: string, options: ModelCacheOptions = {}): ModelCache {
	if (!modelId || modelId.includes('\u0000')) throw new LumenError('bad_request', 'A model id is required.');
	const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
	if (!Number.isInteger(chunkBytes) || chunkBytes <= 0) throw new LumenError('bad_request', 'chunkBytes must be a positive integer.');
	const stores = options.stores ?? defaultWeightStores;
	const stats: CacheStats = { bytesWritten: 0, filesWritten: 0, bytesFromCache: 0, filesFromCache: 0, corruptFiles: 0 };
	const written = new Map<string, CachedFile>(); // url -> file stored since the last commit
	const inFlight = new Set<Promise<void>>();
	const served = new Set<string>();
	const reported = new Set<string>();
	let failure: LumenError | undefined; // a storage failure poisons the session: commit must not claim the model
	let closed = false;

	const discard = async (keys: string[]): Promise<void> => {
		// Best effort: if even deleting fails, no manifest lists these keys and deleteCachedModel sweeps them later.
		if (keys.length > 0) await stores.chunks.delMany(keys).catch(() => undefined);
	};
	const discardWritten = async (): Promise<void> => {
		const keys = [...written.values()].flatMap((f) => chunkKeysOf(modelId, f));
		written.clear();
		await discard(keys);
	};

	async function match(key: string): Promise<Response | undefined> {
		try {
			const file = (await getManifest(modelId, stores))?.files.find((f) => f.url === key);
			if (!file) return undefined;
			const read = await readFileChunks(modelId, file, stores);
			if (!read.ok) {
				if (!reported.has(key)) {
					reported.add(key);
					stats.corruptFiles += 1;
					options.onCorruption?.({ modelId, url: key, reason: read.reason });
				}
				return undefined;
			}
			if (!served.has(key)) {
				served.add(key);
				stats.filesFromCache += 1;
				stats.bytesFromCache += file.size;
			}
			// new Blob(blobs) references the stored chunks rather than copying them into memory.
			return new Response(new Blob(read.blobs), {
				headers: {
					'content-length': String(file.size),
					'content-type': file.contentType ?? 'application/octet-stream'
				}
			});
		} catch {
			// Transformers.js awaits match() outside any try before put(); a throw here would fail the model load.
			return undefined;
		}
	}

	// A session that was aborted, or whose storage failed in another put, stops writing at the next chunk.
	function throwIfStopped(): void {
		if (closed) throw new LumenError('aborted', 'The download was cancelled.', true);
		if (failure) throw failure;
	}

	async function storeBody(url: string, response: Response, progress?: (p: PutProgress) => void): Promise<void> {
		const generation = newGeneration();
		const total = Number(response.headers.get('content-length')) || 0;
		const reader = response.body?.getReader();
		let index = 0;
		let loaded = 0;
		let parts: Uint8Array[] = [];
		let buffered = 0;

		const flush = async (): Promise<void> => {
			throwIfStopped();
			const blob = new Blob(parts as BlobPart[]);
			parts = [];
			try {
				await stores.chunks.set(chunkKey(modelId, generation, url, index), blob);
			} catch (err) {
				throw storageError(modelId, url, err);
			}
			index += 1;
			loaded += buffered;
			buffered = 0;
			progress?.({ loaded, total: Math.max(total, loaded), progress: total > 0 ? (loaded / total) * 100 : 0 });
		};

		try {
			for (;;) {
				let next: ReadableStreamReadResult<Uint8Array> | undefined;
				try {
					next = reader ? await reader.read() : { done: true, value: undefined };
				} catch (err) {
					throw new LumenError('download_failed', `Downloading ${url} failed: ${messageOf(err)}`, true, { cause: err });
				}
				if (next.done) break;
				let value = next.value;
				while (value.length > 0) {
					const take = Math.min(chunkBytes - buffered, value.length);
					parts.push(value.subarray(0, take));
					buffered += take;
					value = value.subarray(take);
					if (buffered === chunkBytes) await flush();
				}
			}
			if (buffered > 0) await flush();
			throwIfStopped(); // a stop that landed after the last chunk still must not record the file
		} catch (err) {
			await reader?.cancel().catch(() => undefined);
			// index + 1: a set that threw may still have landed, so its key is cleaned up as well.
			await discard(chunkKeysOf(modelId, { generation, url, chunks: index + 1 }));
			throw err;
		}

		const file: CachedFile = { url, size: loaded, chunks: index, generation };
		const contentType = response.headers.get('content-type');
		if (contentType) file.contentType = contentType;
		const replaced = written.get(url);
		written.set(url, file);
		if (replaced) await discard(chunkKeysOf(modelId, replaced));
		stats.bytesWritten += loaded;
		stats.filesWritten += 1;
	}

	async function put(key: string, response: Response, progress?: (p: PutProgress) => void): Promise<void> {
		throwIfStopped();
		if (!response.ok) throw new LumenError('bad_request', `Refusing to cache ${key}: HTTP ${response.status}.`);
		const task = storeBody(key, response, progress);
		inFlight.add(task);
		try {
			await task;
		} catch (err) {
			if (err instanceof LumenError && (err.code === 'quota_exceeded' || err.code === 'storage_failed')) {
				// Free everything this session wrote: the model cannot be fully cached, so its files are dead weight.
				failure ??= err;
				await discardWritten();
			}
			throw err;
		} finally {
			inFlight.delete(task);
		}
	}

	async function commit(): Promise<Manifest | undefined> {
		if (closed) throw new LumenError('aborted', 'The download was cancelled.', true);
		await Promise.allSettled([...inFlight]);
		if (failure) throw failure;
		const previous = await getManifest(modelId, stores); // throws storage_failed, leaving the session retryable
		if (written.size === 0) return previous;
		const fresh = [...written.values()];
		const superseded = previous?.files.filter((f) => written.has(f.url)) ?? [];
		const files = [...(previous?.files.filter((f) => !written.has(f.url)) ?? []), ...fresh];
		const manifest: Manifest = {
			version: MANIFEST_VERSION,
			modelId,
			complete: true,
			files,
			totalBytes: files.reduce((sum, f) => sum + f.size, 0),
			createdAt: previous?.createdAt ?? Date.now()
		};
		try {
			await stores.manifests.set(modelId, manifest);
		} catch (err) {
			failure = storageError(modelId, 'the manifest', err);
			await discardWritten();
			throw failure;
		}
		written.clear();
		// Only after the new manifest is durable do the chunks it no longer lists become garbage.
		await discard(superseded.flatMap((f) => chunkKeysOf(modelId, f)));
		return manifest;
	}

	async function abort(): Promise<void> {
		closed = true;
		await Promise.allSettled([...inFlight]);
		await discardWritten();
	}

	return {
		modelId,
		match,
		put,
		commit,
		abort,
		get stats() {
			return { ...stats };
		}
	};
}

function storageError(modelId: string, what: string, err: unknown): LumenError {
	if (isQuotaError(err))
		return new LumenError(
			'quota_exceeded',
			`Not enough browser storage to cache ${modelId}. Delete a cached model or free disk space, then load it again.`,
			true,
			{ cause: err }
		);
	return new LumenError(
		'storage_failed',
		`Could not save ${what} of ${modelId} to browser storage (${messageOf(err)}). Nothing was marked as cached.`,
		true,
		{ cause: err }
	);
}

function messageOf(err: unknown): string {
	return err instanceof Error ? err.message : String(err);
}

// getRandomValues works outside secure contexts, unlike crypto.randomUUID (plain-http LAN hosts).
function newGeneration(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(8));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
