import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // No test reaches the network: the Google clients must not probe the GCE metadata server.
    env: { METADATA_SERVER_DETECTION: 'none' },
  },
});
