import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Runs after the suite, over what it left behind (scripts/test.mjs).
    exclude: ['dist/**', 'node_modules/**', 'test/secret-scan.test.ts'],
    // Copies every API response a test receives to the run root for that scan.
    setupFiles: ['test/helpers/capture-responses.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: { TZ: 'UTC' },
  },
});
