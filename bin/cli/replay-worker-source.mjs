// Starts the replay's reading thread from the TypeScript sources (a checkout run through
// tsx, and the tests): tsx's loader registered in this thread, then the worker module.
// The prebuilt CLI bundle starts dist/cli/replay-worker.mjs instead (bin/build-cli.mjs).
const { register } = await import('tsx/esm/api');
register();
await import('./replay-worker.ts');
