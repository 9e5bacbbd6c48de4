// FIFO admission for generation requests: at most `maxConcurrency` run at once, the rest wait in
// arrival order. One implementation serves native workers and serving tabs alike (src/lib/serve/work-queue.ts).
export { WorkQueue as RequestQueue } from '#serve/work-queue';
