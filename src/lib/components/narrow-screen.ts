// The phone layout (app.css, below 760 px) folds the navigation behind a menu button and the conversation
// list into a drawer; both make the page behind them inert while open. Their buttons exist only on a narrow
// screen, so a window widened past it must close them, or the page would stay inert with nothing to close it.

/** app.css's breakpoint of the phone layout. */
export const NARROW_SCREEN = '(max-width: 760px)';

/** Calls `close` whenever the window grows past the phone layout; returns the function that stops listening. */
export function closeWhenWidened(close: () => void): () => void {
	const narrow = matchMedia(NARROW_SCREEN);
	const changed = () => {
		if (!narrow.matches) close();
	};
	narrow.addEventListener('change', changed);
	return () => narrow.removeEventListener('change', changed);
}
