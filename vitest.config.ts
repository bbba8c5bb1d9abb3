import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CDK synth with esbuild bundling and dynalite-backed tests are slower than unit tests.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
