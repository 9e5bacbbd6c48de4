// Test-only helpers: throwaway IndexedDB databases and stores that fail on demand.
// Each call uses fresh database names, so tests never see each other's data.
import { idbStore, type KeyValueStore } from './kv';
import type { WeightStores } from './weight-manifest';

let counter = 0;

export function freshStore(label = 'kv'): KeyValueStore {
	counter += 1;
	return idbStore(`test-${label}-${counter}-${Date.now()}`, label);
}

export function freshWeightStores(): WeightStores {
	return { chunks: freshStore('chunks'), manifests: freshStore('manifests') };
}

/** Wraps a store so that every `set` after the first `okWrites` throws `error` (default: a full disk). */
export function failingStore(
	inner: KeyValueStore,
	okWrites: number,
	error: () => unknown = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError')
): KeyValueStore & { writes: () => number } {
	let writes = 0;
	return {
		...inner,
		set: async (key, value) => {
			writes += 1;
			if (writes > okWrites) throw error();
			await inner.set(key, value);
		},
		writes: () => writes
	};
}

export function bytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
	return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) % 256);
}

export function fileResponse(body: Uint8Array<ArrayBuffer>, contentType?: string): Response {
	const headers: Record<string, string> = { 'content-length': String(body.length) };
	if (contentType) headers['content-type'] = contentType;
	return new Response(body, { headers });
}

export async function bodyOf(response: Response | undefined): Promise<Uint8Array> {
	if (!response) throw new Error('expected a Response, got undefined');
	return new Uint8Array(await response.arrayBuffer());
}
