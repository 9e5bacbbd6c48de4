// The one key-value seam every storage module writes through: one idb-keyval store per collection.
// Opening is lazy, so importing storage code never touches IndexedDB (SSR, prerender, tests).
import {
	createStore,
	del,
	delMany,
	entries,
	get,
	getMany,
	keys,
	set,
	setMany,
	type UseStore
} from 'idb-keyval';
import { toLumenError } from '$lib/protocol/errors';

/** What storage modules need from a store. Tests wrap it to inject failures (e.g. a full disk). */
export interface KeyValueStore {
	get(key: string): Promise<unknown>;
	getMany(keys: readonly string[]): Promise<unknown[]>;
	set(key: string, value: unknown): Promise<void>;
	/** One transaction: all items are written or none are. */
	setMany(items: ReadonlyArray<readonly [string, unknown]>): Promise<void>;
	del(key: string): Promise<void>;
	delMany(keys: readonly string[]): Promise<void>;
	keys(): Promise<string[]>;
	entries(): Promise<Array<[string, unknown]>>;
}

/** A store backed by its own IndexedDB database, so one collection's upgrade or wipe never touches another. */
export function idbStore(dbName: string, storeName: string): KeyValueStore {
	let handle: UseStore | undefined;
	const use = (): UseStore => (handle ??= createStore(dbName, storeName));
	return {
		get: (key) => get(key, use()),
		getMany: (ks) => getMany([...ks], use()),
		set: (key, value) => set(key, value, use()),
		setMany: (items) => setMany(items.map(([k, v]) => [k, v]), use()),
		del: (key) => del(key, use()),
		delMany: (ks) => delMany([...ks], use()),
		// Every key this app writes is a string; anything else was not written by us and is ignored.
		keys: async () => (await keys(use())).filter((k): k is string => typeof k === 'string'),
		entries: async () =>
			(await entries(use())).filter((e): e is [string, unknown] => typeof e[0] === 'string')
	};
}

/** Runs a storage call so that failures (quota, a blocked or broken database) surface as LumenErrors. */
export async function guard<T>(op: () => Promise<T>): Promise<T> {
	try {
		return await op();
	} catch (err) {
		throw toLumenError(err, 'storage_failed');
	}
}
