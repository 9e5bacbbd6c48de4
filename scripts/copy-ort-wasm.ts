// Copies ONNX Runtime Web's runtime files into static/ort/ so the app serves them from its own
// origin (no CDN: the app must work offline). Run before every build; cheap when up to date.
import { copyFileSync, mkdirSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('onnxruntime-web')); // …/onnxruntime-web/dist
const out = join(process.cwd(), 'static', 'ort');
export const ORT_FILES = [
	'ort-wasm-simd-threaded.mjs',
	'ort-wasm-simd-threaded.wasm',
	'ort-wasm-simd-threaded.asyncify.mjs',
	'ort-wasm-simd-threaded.asyncify.wasm'
];

mkdirSync(out, { recursive: true });
let copied = 0;
for (const file of ORT_FILES) {
	const from = join(dist, file);
	const to = join(out, file);
	if (existsSync(to) && statSync(to).size === statSync(from).size && statSync(to).mtimeMs >= statSync(from).mtimeMs) continue;
	copyFileSync(from, to);
	copied++;
}
console.log(`ort: ${copied} file(s) copied to static/ort (${ORT_FILES.length - copied} up to date)`);
