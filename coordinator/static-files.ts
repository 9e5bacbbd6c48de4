// Serves the files of one directory for the web app: safe paths only, validators (ETag, Last-Modified)
// with 304s, byte ranges, and text-like files in brotli or gzip per Accept-Encoding, compressed once per
// file version and kept in memory. Invariants: a compressed answer always says `Content-Encoding` and its
// own length and ETag; a Range request is answered from the file as stored (never a range of a compressed
// body); every answer for a file that could be compressed says `Vary: Accept-Encoding`.
import { getMimeType } from 'hono/utils/mime';
import { createReadStream, statSync, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type Encoding = 'br' | 'gzip';
export type StaticFileOptions = {
	/** Whether the file at this URL path may be compressed at all (model weights are the engines' business). */
	compressible?: (path: string) => boolean;
	/** Bytes of compressed bodies kept in memory; past it, files are served as stored. Default 128 MiB. */
	cacheBytes?: number;
	/**
	 * Files larger than this are served as stored on their first request while they are compressed in the
	 * background, so nobody waits seconds for a large .wasm; later requests get the compressed copy. Default 2 MiB.
	 */
	compressInlineBytes?: number;
};

/** Types worth compressing: text, scripts, JSON, SVG and WebAssembly (ONNX Runtime's .wasm shrinks to ~20 %). Images and weights are left alone. */
const COMPRESSIBLE_TYPE = /^(text\/|application\/(javascript|json|manifest\+json|wasm|xml)|image\/svg\+xml)/;
/** A compressed copy must save at least this share, or the file is served as stored. */
const MIN_SAVING = 0.9;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
// Brotli quality 5 is ~30x faster than 11 for ~10 % larger output: right for compressing on first request.
const compressors: Record<Encoding, (data: Buffer) => Promise<Buffer>> = {
	br: (data) => brotli(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
	gzip: (data) => gzipAsync(data, { level: 6 })
};

/** The encoding to send: brotli before gzip, among those the client accepts (`q=0` refuses one). */
export function negotiateEncoding(acceptEncoding: string | null | undefined): Encoding | null {
	const accepted = new Map<string, number>();
	for (const part of (acceptEncoding ?? '').split(',')) {
		const [name, ...params] = part.trim().toLowerCase().split(';');
		if (!name) continue;
		const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
		accepted.set(name, q === undefined ? 1 : Number(q));
	}
	const ok = (name: Encoding) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
	return ok('br') ? 'br' : ok('gzip') ? 'gzip' : null;
}

/** `/a/b.js` to a file under `root`, or null for anything that could step outside it or is not a plain path. */
function resolvePath(root: string, urlPath: string): string | null {
	let decoded: string;
	try {
		decoded = decodeURIComponent(urlPath);
	} catch {
		return null;
	}
	if (/[\\\0]/.test(decoded) || /(^|\/)\.{1,2}(\/|$)/.test(decoded) || /\/\//.test(decoded)) return null;
	const full = resolve(join(root, decoded));
	return full === root || full.startsWith(root + sep) ? full : null;
}

function statPath(path: string): Stats | null {
	try {
		return statSync(path);
	} catch {
		return null;
	}
}

type Variant = { body: Buffer; etag: string };

export function staticFiles(dir: string, options: StaticFileOptions = {}) {
	const root = resolve(dir);
	const cacheLimit = options.cacheBytes ?? 128 * 1024 * 1024;
	const inlineLimit = options.compressInlineBytes ?? 2 * 1024 * 1024;
	/** Keyed by file, version and encoding; a null body means "not worth it" (kept so it is not retried). */
	const cache = new Map<string, Promise<Variant | null>>();
	let cachedBytes = 0;

	function compressed(file: string, stats: Stats, tag: string, encoding: Encoding): Promise<Variant | null> {
		const key = `${file}\0${tag}\0${encoding}`;
		let entry = cache.get(key);
		if (!entry) {
			entry = (async () => {
				const raw = await readWhole(file);
				const body = await compressors[encoding](raw);
				if (body.length > raw.length * MIN_SAVING || cachedBytes + body.length > cacheLimit) return null;
				cachedBytes += body.length;
				return { body, etag: `"${tag}-${encoding}"` };
			})().catch(() => null);
			cache.set(key, entry);
			// A file that changed leaves its old versions behind: drop them so memory tracks what is served.
			for (const [old, value] of cache)
				if (old.startsWith(`${file}\0`) && !old.startsWith(`${file}\0${tag}\0`)) {
					cache.delete(old);
					void value.then((v) => (cachedBytes -= v?.body.length ?? 0));
				}
		}
		return stats.size > inlineLimit ? ready(entry) : entry;
	}

	/**
	 * The response for `request` (GET or HEAD) from the file at its path, or null when there is no such
	 * file. The caller adds its caching and isolation headers.
	 */
	async function serve(request: Request): Promise<Response | null> {
		const urlPath = new URL(request.url).pathname;
		let file = resolvePath(root, urlPath);
		if (!file) return null;
		let stats = statPath(file);
		if (stats?.isDirectory()) stats = statPath((file = join(file, 'index.html')));
		if (!stats?.isFile()) return null;
		const type = getMimeType(file) ?? 'application/octet-stream';
		const headers = new Headers({ 'Content-Type': type, 'Last-Modified': stats.mtime.toUTCString(), 'Accept-Ranges': 'bytes' });
		const tag = `${stats.size.toString(36)}-${Math.floor(stats.mtimeMs).toString(36)}`;
		const canCompress = COMPRESSIBLE_TYPE.test(type) && (options.compressible?.(urlPath) ?? true);
		if (canCompress) headers.set('Vary', 'Accept-Encoding');
		const range = request.headers.get('range');
		const encoding = canCompress && !range ? negotiateEncoding(request.headers.get('accept-encoding')) : null;
		const variant = encoding ? await compressed(file, stats, tag, encoding) : null;
		const etag = variant?.etag ?? `"${tag}"`;
		headers.set('ETag', etag);
		if (notModified(request, etag, stats)) return new Response(null, { status: 304, headers });
		const head = request.method === 'HEAD';
		if (variant) {
			headers.set('Content-Encoding', encoding!);
			headers.set('Content-Length', String(variant.body.length));
			return new Response(head ? null : new Uint8Array(variant.body), { status: 200, headers });
		}
		const span = range && !ifRangeFails(request, etag, stats) ? byteRange(range, stats.size) : 'whole';
		if (span !== 'whole') {
			if (!span) {
				headers.set('Content-Range', `bytes */${stats.size}`);
				return new Response(null, { status: 416, headers });
			}
			headers.set('Content-Range', `bytes ${span.start}-${span.end}/${stats.size}`);
			headers.set('Content-Length', String(span.end - span.start + 1));
			return new Response(head ? null : stream(file, span), { status: 206, headers });
		}
		headers.set('Content-Length', String(stats.size));
		return new Response(head ? null : stream(file), { status: 200, headers });
	}

	return { serve };
}

/** The promise's value when it has settled already, else null (and it goes on in the background). */
async function ready<T>(promise: Promise<T | null>): Promise<T | null> {
	const pending = Symbol('pending');
	const first = await Promise.race([promise, Promise.resolve(pending)]);
	return first === pending ? null : (first as T | null);
}

function readWhole(file: string): Promise<Buffer> {
	return new Promise((ok, fail) => {
		const parts: Buffer[] = [];
		createReadStream(file)
			.on('data', (d) => parts.push(d as Buffer))
			.on('end', () => ok(Buffer.concat(parts)))
			.on('error', fail);
	});
}

function stream(file: string, span?: { start: number; end: number }): ReadableStream<Uint8Array> {
	return Readable.toWeb(createReadStream(file, span)) as ReadableStream<Uint8Array>;
}

function notModified(request: Request, etag: string, stats: Stats): boolean {
	const ifNoneMatch = request.headers.get('if-none-match');
	if (ifNoneMatch !== null) return ifNoneMatch.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === etag);
	const since = Date.parse(request.headers.get('if-modified-since') ?? '');
	return Number.isFinite(since) && Math.floor(stats.mtimeMs / 1000) * 1000 <= since;
}

/** `If-Range` with a validator that no longer matches: send the whole file instead of a range of another version. */
function ifRangeFails(request: Request, etag: string, stats: Stats): boolean {
	const ifRange = request.headers.get('if-range');
	if (!ifRange) return false;
	if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange !== etag;
	return Date.parse(ifRange) !== Math.floor(stats.mtimeMs / 1000) * 1000;
}

/**
 * One `bytes=` range (start-end, start-, -suffix) clipped to the file; null when it lies outside it;
 * 'whole' for a header this server does not read (several ranges, another unit), which HTTP says to ignore.
 */
export function byteRange(header: string, size: number): { start: number; end: number } | null | 'whole' {
	const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
	if (!m || (m[1] === '' && m[2] === '')) return 'whole';
	if (size === 0) return null;
	if (m[1] === '') {
		const length = Number(m[2]);
		return length === 0 ? null : { start: Math.max(size - length, 0), end: size - 1 };
	}
	const start = Number(m[1]);
	const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
	return start >= size || start > end ? null : { start, end };
}
