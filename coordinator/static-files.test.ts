// The static file server's rules without HTTP: encoding negotiation, byte ranges, and a large file served
// as stored on its first request while it is compressed in the background.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { byteRange, negotiateEncoding, staticFiles } from './static-files';
import { until } from './testing/processes';

const dir = mkdtempSync(join(tmpdir(), 'lumen-static-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('negotiateEncoding', () => {
	it.each([
		['gzip, deflate, br, zstd', 'br'],
		['gzip', 'gzip'],
		['br;q=0, gzip', 'gzip'],
		['BR;Q=0.5', 'br'],
		['*', 'br'],
		['identity', null],
		['gzip;q=0, br;q=0', null],
		[null, null]
	])('%s gives %s', (header, expected) => expect(negotiateEncoding(header)).toBe(expected));
});

describe('byteRange', () => {
	it('reads one range, clips it to the file, and refuses one outside it', () => {
		expect(byteRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
		expect(byteRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
		expect(byteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
		expect(byteRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
		expect(byteRange('bytes=100-', 100)).toBeNull();
		expect(byteRange('bytes=0-1,5-6', 100)).toBe('whole');
		expect(byteRange('items=0-1', 100)).toBe('whole');
	});
});

describe('staticFiles', () => {
	it('serves a large file as stored at first, compressed once it is ready', async () => {
		writeFileSync(join(dir, 'big.wasm'), 'lumen '.repeat(100_000));
		const files = staticFiles(dir, { compressInlineBytes: 1024 });
		const ask = () => files.serve(new Request('http://x/big.wasm', { headers: { 'accept-encoding': 'br' } }));
		const first = (await ask())!;
		expect(first.headers.get('content-encoding')).toBeNull();
		expect(first.headers.get('vary')).toBe('Accept-Encoding');
		await first.body?.cancel();
		await until(async () => (await ask())!.headers.get('content-encoding') === 'br', 10_000, 'the compressed copy');
	});

	it('refuses paths that leave the directory', async () => {
		writeFileSync(join(dir, 'ok.txt'), 'ok');
		const files = staticFiles(join(dir));
		for (const path of ['/../x', '/%2e%2e/x', '/a/..%2f..%2fx', '/..%5cx', '//etc/passwd'])
			expect(await files.serve(new Request(`http://x${path}`)), path).toBeNull();
		expect(await (await files.serve(new Request('http://x/ok.txt')))!.text()).toBe('ok');
	});
});
