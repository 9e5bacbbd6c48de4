// Entry point: reads config from the environment, serves the web app, shuts down gracefully.
import { serve } from '@hono/node-server';
import { resolve } from 'node:path';
import { webApp } from './web-app';

const port = Number(process.env.PORT ?? 8000);
const host = process.env.HOST ?? '127.0.0.1';
const dir = resolve(process.env.LUMEN_WEB_DIR ?? 'build');

const app = webApp(dir, { logRequests: process.env.LUMEN_LOG_REQUESTS === '1' });
const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
	console.log(`Lumen Chat is serving ${dir} on http://${host === '0.0.0.0' ? 'localhost' : host}:${info.port}`);
});

function shutdown(signal: string) {
	console.log(`${signal}: closing`);
	server.close(() => process.exit(0));
	setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
