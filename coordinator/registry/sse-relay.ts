// Pass-through of a worker's SSE bytes: it finds event boundaries and peeks at a few JSON keys with
// byte searches (no JSON.parse, no re-serialisation per chunk), so it can note the first token, the
// finish reason and the final usage, see `[DONE]`, and drop the usage-only chunk the client did not ask for.
import type { Usage } from '#protocol/openai';

export type RelayStats = {
	sawDone: boolean;
	finishReason: string | null;
	usage: Usage | null;
	/** Events carrying non-empty content/text: roughly the completion tokens when no usage arrives. */
	contentEvents: number;
	firstContentAt: number | null;
	/** An in-band `{error:…}` event the worker itself sent. */
	upstreamError: { message: string; code: string | null } | null;
};

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const SPACE = 0x20;
const MAX_PENDING = 1 << 20;

const keys = {
	usage: Buffer.from('"usage"'),
	choices: Buffer.from('"choices"'),
	finish: Buffer.from('"finish_reason"'),
	content: Buffer.from('"content"'),
	text: Buffer.from('"text"'),
	error: Buffer.from('"error"'),
	data: Buffer.from('data:'),
	done: Buffer.from('[DONE]')
};

/** Index of the first non-space byte after `"key":`, or -1. */
function valueAt(ev: Buffer, key: Buffer, from = 0): number {
	const k = ev.indexOf(key, from);
	if (k < 0) return -1;
	let i = k + key.length;
	while (ev[i] === SPACE) i++;
	if (ev[i] !== 0x3a) return -1; // ':'
	i++;
	while (ev[i] === SPACE) i++;
	return i < ev.length ? i : -1;
}

/** The JSON after `data:` (one-line events, as every OpenAI-compatible server sends them). */
function dataOf(ev: Buffer): Buffer | null {
	const d = ev.indexOf(keys.data);
	if (d < 0) return null;
	let s = d + keys.data.length;
	if (ev[s] === SPACE) s++;
	let e = ev.indexOf(NL, s);
	if (e < 0) e = ev.length;
	if (ev[e - 1] === CR) e--;
	return ev.subarray(s, e);
}

/** End (exclusive) of the first complete event at or after `from`, or -1 when none is complete yet. */
function eventEnd(buf: Buffer, from: number): number {
	let pos = from;
	for (;;) {
		const i = buf.indexOf(NL, pos);
		if (i < 0 || i + 1 >= buf.length) return -1;
		if (buf[i + 1] === NL) return i + 2;
		if (buf[i + 1] === CR && buf[i + 2] === NL) return i + 3;
		pos = i + 1;
	}
}

export function createSseRelay(options: { stripUsage: boolean; clock?: () => number }) {
	const clock = options.clock ?? performance.now.bind(performance);
	const stats: RelayStats = {
		sawDone: false,
		finishReason: null,
		usage: null,
		contentEvents: 0,
		firstContentAt: null,
		upstreamError: null
	};
	let pending: Buffer | null = null;

	/** Inspects one event; false means drop it. */
	function inspect(ev: Buffer): boolean {
		const data = dataOf(ev);
		if (!data) return true;
		if (data.length === keys.done.length && data.equals(keys.done)) {
			stats.sawDone = true;
			return true;
		}
		if (data.indexOf(keys.error) === 1 && data[0] === 0x7b) {
			try {
				const err = JSON.parse(data.toString()).error ?? {};
				stats.upstreamError = { message: String(err.message ?? 'error'), code: err.code == null ? null : String(err.code) };
			} catch {
				stats.upstreamError = { message: 'unparseable error event', code: null };
			}
			return true;
		}
		for (const key of [keys.content, keys.text]) {
			const v = valueAt(data, key);
			if (v >= 0 && data[v] === QUOTE && data[v + 1] !== QUOTE) {
				stats.contentEvents++;
				stats.firstContentAt ??= clock();
				break;
			}
		}
		const f = valueAt(data, keys.finish);
		if (f >= 0 && data[f] === QUOTE) stats.finishReason = data.toString('utf8', f + 1, data.indexOf(QUOTE, f + 1));
		const u = valueAt(data, keys.usage);
		if (u >= 0 && data[u] === 0x7b) {
			// Parsed once per stream: only the final usage chunk carries an object here.
			try {
				stats.usage = JSON.parse(data.toString()).usage as Usage;
			} catch {
				// A malformed usage chunk is the worker's bug; the client still gets the bytes.
			}
			const c = valueAt(data, keys.choices);
			const emptyChoices = c >= 0 && data[c] === 0x5b && data[c + 1 + countSpaces(data, c + 1)] === 0x5d;
			if (options.stripUsage && emptyChoices) return false;
		}
		return true;
	}

	/** Feeds upstream bytes; returns the bytes to send on now (possibly the same buffer), or null. */
	function push(chunk: Uint8Array): Buffer | null {
		const buf: Buffer = pending
			? Buffer.concat([pending, chunk])
			: Buffer.isBuffer(chunk)
				? chunk
				: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		pending = null;
		let start = 0;
		let keptFrom = 0;
		const out: Buffer[] = [];
		for (let end = eventEnd(buf, 0); end >= 0; end = eventEnd(buf, start)) {
			if (!inspect(buf.subarray(start, end))) {
				if (start > keptFrom) out.push(buf.subarray(keptFrom, start));
				keptFrom = end;
			}
			start = end;
		}
		if (keptFrom === 0 && start === buf.length) return buf; // the common case: whole events, nothing dropped
		if (start > keptFrom) out.push(buf.subarray(keptFrom, start));
		if (start < buf.length) {
			const rest = buf.subarray(start);
			// A runaway event without a boundary is forwarded rather than buffered without limit.
			if (rest.length > MAX_PENDING) out.push(rest);
			else pending = Buffer.from(rest);
		}
		if (out.length === 0) return null;
		return out.length === 1 ? out[0] : Buffer.concat(out);
	}

	/** At upstream end: a trailing event without its blank line still counts; returns bytes to flush. */
	function end(): Buffer | null {
		if (!pending) return null;
		const ev = pending;
		pending = null;
		return inspect(ev) ? Buffer.concat([ev, Buffer.from('\n\n')]) : null;
	}

	return { push, end, stats };
}

function countSpaces(buf: Buffer, from: number): number {
	let n = 0;
	while (buf[from + n] === SPACE) n++;
	return n;
}
