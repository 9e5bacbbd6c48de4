// Entry of the built-in worker process that `lumen serve` starts: the ordinary worker (same flags),
// plus one duty: when the parent goes away (its end of our stdin closes, even after a SIGKILL), shut
// down gracefully instead of living on as an orphan.
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
await import('../../workers/native/main');

export {};
