// Markdown → safe HTML for untrusted model output: marked for parsing, DOMPurify for sanitizing.
// Invariant: nothing from the model reaches the DOM without passing through DOMPurify.
import { Marked } from 'marked';
import DOMPurify from 'dompurify';

const marked = new Marked({ gfm: true, breaks: true, async: false });

export function renderMarkdown(text: string): string {
	const html = marked.parse(text) as string;
	return DOMPurify.sanitize(html, {
		USE_PROFILES: { html: true },
		FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe', 'object', 'embed'],
		FORBID_ATTR: ['style']
	});
}
