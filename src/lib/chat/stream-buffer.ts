// Coalesces streamed text deltas and flushes them at most once per animation frame, so a fast
// stream never re-renders the page per token.

export class FrameBuffer {
	private pending = '';
	private scheduled = false;
	constructor(
		private readonly flushTo: (text: string) => void,
		private readonly schedule: (cb: () => void) => void = (cb) => requestAnimationFrame(cb)
	) {}

	push(text: string): void {
		if (!text) return;
		this.pending += text;
		if (this.scheduled) return;
		this.scheduled = true;
		this.schedule(() => this.flush());
	}

	/** Writes whatever is pending now (call at the end of a stream). */
	flush(): void {
		this.scheduled = false;
		if (!this.pending) return;
		const text = this.pending;
		this.pending = '';
		this.flushTo(text);
	}
}
