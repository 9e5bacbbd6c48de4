// Lint enforces the architecture's boundaries (see README "Parts"), not just style.
import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

const runtimes = ['@huggingface/*', '@mlc-ai/*', 'onnxruntime-*'];

export default ts.config(
	{ ignores: ['build/', '.svelte-kit/', 'node_modules/', 'static/', 'test-results/', 'playwright-report/', 'data/'] },
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			'@typescript-eslint/no-explicit-any': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
			'no-empty-pattern': 'off'
		}
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts'],
		languageOptions: { parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig } }
	},
	{
		// The protocol is imported by browser, workers and coordinator alike: it may import only zod
		// (and eventsource-parser for SSE framing, which is pure and runs everywhere).
		files: ['src/lib/protocol/**/*.ts'],
		ignores: ['**/*.test.ts'],
		rules: {
			'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!zod$|eventsource-parser|\\./)', message: 'src/lib/protocol imports only zod and eventsource-parser.' }] }]
		}
	},
	{
		// Chat templates run in the page, the browser worker, the native worker and the CLI: DOM-free, and
		// importing only zod, the Jinja renderer, their own JSON and the protocol.
		files: ['src/lib/templates/**/*.ts'],
		ignores: ['**/*.test.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							regex: '^(?!zod$|@huggingface/jinja$|\\./[^/]+\\.json$|\\.\\./protocol/)',
							message: 'src/lib/templates imports only zod, @huggingface/jinja, its JSON and ../protocol/*.'
						}
					]
				}
			],
			'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'location']
		}
	},
	{
		// MT-bench runs in the /eval page and in `lumen mtbench`: DOM-free and Node-free, importing only zod, its
		// own JSON data and the protocol (the one OpenAI client and error model).
		files: ['src/lib/mtbench/**/*.ts'],
		ignores: ['**/*.test.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{ patterns: [{ regex: '^(?!zod$|\\./|\\.\\./protocol/)', message: 'src/lib/mtbench imports only zod, its own modules and JSON, and ../protocol/*.' }] }
			],
			'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'location', 'process', 'Buffer', '__dirname']
		}
	},
	{
		// The tab's serving library runs in a Web Worker, a page and Node alike: DOM-free, and importing only
		// zod, its own modules and the protocol (the WebSocket constructor is handed in).
		files: ['src/lib/serve/**/*.ts'],
		ignores: ['**/*.test.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{ patterns: [{ regex: '^(?!zod$|\\./|\\.\\./protocol/)', message: 'src/lib/serve imports only zod, ./* and ../protocol/*.' }] }
			],
			'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'location', 'WebSocket']
		}
	},
	{
		// Pages never touch runtimes or workers directly: they go through $lib/engine.
		files: ['src/routes/**', 'src/lib/components/**', 'src/lib/chat/**'],
		rules: {
			'no-restricted-imports': ['error', { patterns: [{ group: [...runtimes, '**/workers/**'], message: 'Pages use $lib/engine, never runtimes or workers.' }] }]
		}
	},
	{
		// Node code (coordinator, native workers, the shared runtime, the CLI, scripts, benches) reaches the
		// app's DOM-free modules through one declared path: package.json `imports` (#protocol, #rating, #catalog, #templates, #mtbench, #serve, #i18n).
		files: ['coordinator/**/*.ts', 'workers/native/**/*.ts', 'workers/runtime/**/*.ts', 'bin/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{ patterns: [{ regex: '^\\$lib/|(^|/)src/lib/', message: 'Import shared modules through #protocol/*, #rating/*, #catalog/*, #templates/*, #mtbench/*, #serve/* or #i18n/* (package.json imports).' }] }
			]
		}
	}
);
