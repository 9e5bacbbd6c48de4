// What the first visit transfers: Debian Chromium (playwright-core) opens the app from a real `lumen serve`
// with a fresh profile and counts, per script the page loads, the bytes on the wire (encoded, headers
// included, from DevTools' loadingFinished) against the script's own size (decoded). The baseline, measured
// in the same run, is the same first visit asking for no compression (Accept-Encoding: identity).
// Run: npm run measure:transfer (after npm run build).
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, executablePath } from '../e2e/server';
import { spawnLumen } from '../coordinator/testing/processes';
import { fmt, printTable } from './support';

type Visit = { scripts: number; encoded: number; decoded: number; encodings: Record<string, number> };

async function firstVisit(browser: Browser, url: string, acceptEncoding?: string): Promise<Visit> {
	const context = await browser.newContext();
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send('Network.enable');
	if (acceptEncoding) await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': acceptEncoding } });
	const scripts = new Map<string, { encoding: string; decoded: number; encoded: number }>();
	cdp.on('Network.responseReceived', (e) => {
		if (e.type !== 'Script' || !e.response.url.startsWith(url)) return;
		const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
		scripts.set(e.requestId, { encoding: headers['content-encoding'] ?? 'identity', decoded: 0, encoded: 0 });
	});
	cdp.on('Network.dataReceived', (e) => {
		const s = scripts.get(e.requestId);
		if (s) s.decoded += e.dataLength;
	});
	cdp.on('Network.loadingFinished', (e) => {
		const s = scripts.get(e.requestId);
		if (s) s.encoded = e.encodedDataLength;
	});
	await page.goto(`${url}/`, { waitUntil: 'networkidle' });
	await page.getByLabel('Model', { exact: true }).waitFor();
	await context.close();
	const all = [...scripts.values()];
	const encodings: Record<string, number> = {};
	for (const s of all) encodings[s.encoding] = (encodings[s.encoding] ?? 0) + 1;
	return { scripts: all.length, encoded: all.reduce((n, s) => n + s.encoded, 0), decoded: all.reduce((n, s) => n + s.decoded, 0), encodings };
}

const lumen = await spawnLumen(['serve', '--no-worker', '--port', '0', '--host', '127.0.0.1'], { LUMEN_DB: ':memory:' });
const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
try {
	const baseline = await firstVisit(browser, lumen.url, 'identity');
	const compressed = await firstVisit(browser, lumen.url);
	const kb = (n: number) => fmt(n / 1024);
	const row = (name: string, v: Visit) => [name, String(v.scripts), Object.entries(v.encodings).map(([k, n]) => `${k}×${n}`).join(' '), kb(v.decoded), kb(v.encoded), fmt(v.encoded / v.decoded, 3)];
	console.log(`First visit of ${lumen.url}/ in Chromium: the app shell's JavaScript\n`);
	printTable(['visit', 'scripts', 'encodings', 'raw KiB', 'transferred KiB', 'transferred/raw'], [row('identity (baseline)', baseline), row('default (compressed)', compressed)]);
	console.log(`\ntransferred: ${kb(compressed.encoded)} KiB compressed vs ${kb(baseline.encoded)} KiB uncompressed: ${fmt(compressed.encoded / baseline.encoded, 3)}x the baseline`);
} finally {
	await browser.close();
	await lumen.stop();
}
