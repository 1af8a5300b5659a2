// The secret scan runs alone, after the main suite (see scripts/test.mjs), over what that run left behind.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/secret-scan.test.ts'],
    testTimeout: 120_000,
    env: { TZ: 'UTC' },
  },
});
