import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

// Cross-origin isolation gives ONNX Runtime Web its threads (SharedArrayBuffer).
const isolation = {
	'Cross-Origin-Opener-Policy': 'same-origin',
	'Cross-Origin-Embedder-Policy': 'require-corp'
};

export default defineConfig({
	plugins: [sveltekit()],
	server: { headers: isolation, fs: { allow: ['workers'] } },
	preview: { headers: isolation },
	worker: { format: 'es' },
	build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
	test: {
		include: ['{src,scripts,workers,coordinator,bench,bin}/**/*.test.ts'],
		environment: 'node',
		testTimeout: 60_000,
		hookTimeout: 120_000
	}
});
