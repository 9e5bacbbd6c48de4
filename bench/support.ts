// Helpers the benchmarks share: the coordinator as its own process (as deployed, so the load generator
// never shares its event loop), /proc readings of a process, percentiles and a plain text table.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function startCoordinatorProcess(dbDir: string, secret: string, env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
	const child = spawn(process.execPath, [...(process.env.COORD_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'coordinator/main.ts'], {
		env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LUMEN_WORKER_SECRET: secret, LUMEN_DB: join(dbDir, 'bench.db'), LUMEN_WEB_DIR: '', ...env },
		stdio: ['ignore', 'pipe', 'inherit']
	});
	const url = await new Promise<string>((resolve, reject) => {
		let out = '';
		child.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			const m = /http:\/\/[^\s:]+:(\d+)/.exec(out);
			if (m) resolve(`http://127.0.0.1:${m[1]}`);
		});
		child.once('exit', (code) => reject(new Error(`coordinator exited (${code}): ${out}`)));
	});
	return { url, child };
}

/** CPU seconds (user + system) a process has used so far, from /proc; null where /proc is missing. */
export function cpuSeconds(pid: number | undefined): number | null {
	try {
		const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100;
	} catch {
		return null;
	}
}

/** Resident set size of a process in bytes, from /proc; null where /proc is missing. */
export function rssBytes(pid: number | undefined): number | null {
	try {
		const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) * 1024 : null;
	} catch {
		return null;
	}
}

export const pct = (xs: number[], p: number): number => {
	if (xs.length === 0) return NaN;
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function printTable(header: string[], rows: string[][]): void {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]) => cells.map((c, i) => (/^[a-z]/i.test(c) || c === '' ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
	console.log(line(header));
	console.log(widths.map((w) => '-'.repeat(w)).join('  '));
	for (const r of rows) console.log(line(r));
}
