// Progress lines on stderr for long runs: counts, percentage and an estimate of the time left, at most one
// line a second (the first and the last always), so a long run is never silent and a log stays readable.
export type Out = { write(chunk: string): unknown };

export function progressLine(label: string, done: number, total: number, extra: string, startedAt: number, now = Date.now()): string {
	const pct = total ? Math.floor((done / total) * 100) : 100;
	const elapsed = (now - startedAt) / 1000;
	const left = done > 0 && done < total ? `, ~${formatSeconds((elapsed / done) * (total - done))} left` : '';
	return `${label}: ${done}/${total} (${pct}%)${extra}${left}\n`;
}

export function formatSeconds(s: number): string {
	if (s < 60) return `${Math.ceil(s)} s`;
	const m = Math.floor(s / 60);
	return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function throttledPrinter(err: Out, intervalMs = 1000): (line: string, force: boolean) => void {
	let last = 0;
	return (line, force) => {
		const now = Date.now();
		if (!force && now - last < intervalMs) return;
		last = now;
		err.write(line);
	};
}
