// Folds Transformers.js per-file progress events into one bytes/percent figure for the progress bar.
// Invariant: `loaded` never exceeds `total` and never goes backwards.
import type { ProgressInfo } from '@huggingface/transformers';
import type { LoadProgress } from '#protocol/worker-api';

export class ProgressTracker {
	private files = new Map<string, { loaded: number; total: number }>();
	private last = 0;
	constructor(
		private readonly emit: (p: LoadProgress) => void,
		private readonly fromCache: () => boolean
	) {}

	get loaded(): number {
		let sum = 0;
		for (const f of this.files.values()) sum += f.loaded;
		return sum;
	}

	get total(): number {
		let sum = 0;
		for (const f of this.files.values()) sum += f.total;
		return sum;
	}

	update(info: ProgressInfo): void {
		if (info.status !== 'progress' && info.status !== 'done') return;
		const file = info.file;
		const entry = this.files.get(file) ?? { loaded: 0, total: 0 };
		if (info.status === 'progress') {
			entry.total = Math.max(entry.total, info.total ?? 0);
			entry.loaded = Math.min(Math.max(entry.loaded, info.loaded ?? 0), entry.total || Infinity);
		} else entry.loaded = entry.total;
		this.files.set(file, entry);
		const loaded = Math.max(this.last, this.loaded);
		this.last = loaded;
		this.emit({ phase: this.fromCache() ? 'cache' : 'download', file, loaded, total: Math.max(this.total, loaded) });
	}
}
