// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
	it('renders markdown structure', () => {
		const html = renderMarkdown('# Title\n\n**bold** and `code`\n\n```js\nlet x = 1;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |');
		expect(html).toContain('<h1>Title</h1>');
		expect(html).toContain('<strong>bold</strong>');
		expect(html).toContain('<code>code</code>');
		expect(html).toMatch(/<pre><code class="language-js">let x = 1;\n<\/code><\/pre>/);
		expect(html).toContain('<table>');
	});

	it('removes scripts, event handlers and javascript: links from untrusted output', () => {
		const html = renderMarkdown(
			'<script>alert(1)</script><img src=x onerror="alert(2)"> <iframe src="https://evil"></iframe><p style="position:fixed">x</p>\n\n[click](javascript:alert(3))'
		);
		expect(html).not.toMatch(/<script|onerror|href="javascript:|<iframe|style=/i);
		expect(html).toContain('<a>click</a>');
		expect(html).toContain('<img src="x">');
	});

	it('makes links open in a new tab without access to this page', () => {
		const html = renderMarkdown('[docs](https://example.com)');
		expect(html).toContain('href="https://example.com"');
		expect(html).toContain('target="_blank"');
		expect(html).toContain('rel="noopener noreferrer nofollow"');
	});
});
