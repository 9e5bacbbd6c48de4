// Prints a fuzz session as a table per kind (runs, statuses seen, problems) and the list of problems.
import type { SessionResult } from './session';

const statuses = (m: Map<string, number>) =>
	[...m]
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([s, n]) => `${s}×${n}`)
		.join(' ');

export function formatReport(result: SessionResult, options: { requests: number; seed: number }): string {
	const rows = [...result.reports].sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name));
	const width = Math.max(...rows.map((r) => r.name.length));
	const lines = [
		`Fuzzed ${result.served.url} (web app: ${result.served.webDir}) with ${rows.reduce((s, r) => s + r.runs, 0)} runs of ${rows.length} kinds, seed ${options.seed}, in ${result.seconds.toFixed(0)} s`,
		'',
		`${'kind'.padEnd(width)}  group    runs  problems  statuses`
	];
	for (const r of rows) {
		const problems = [...r.problems.values()].reduce((s, n) => s + n, 0);
		lines.push(`${r.name.padEnd(width)}  ${r.group.padEnd(7)} ${String(r.runs).padStart(5)}  ${String(problems || '-').padStart(8)}  ${statuses(r.statuses)}`);
	}
	const problemLines = rows.flatMap((r) => [...r.problems].map(([p, n]) => `  ${r.name}: ${p} (×${n})`));
	lines.push('');
	if (problemLines.length === 0 && result.problems.length === 0) lines.push('No problems.');
	else {
		lines.push('Problems:', ...problemLines, ...result.problems.map((p) => `  ${p}`));
		lines.push(`Server log kept at ${result.served.logFile}`);
	}
	return lines.join('\n');
}

export const hasProblems = (result: SessionResult) => result.problems.length > 0 || result.reports.some((r) => r.problems.size > 0);
