import { defineConfig } from 'vitest/config';

// Sandbox tests need no stack: each file starts its own in-process sandbox.
export default defineConfig({
  test: { include: ['test/sandbox/**/*.test.ts'], pool: 'forks', testTimeout: 30_000 },
});
