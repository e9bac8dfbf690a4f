import { defineConfig } from 'vitest/config';

// `npm run test:unit`: the tests that need no stack (pure engines, sandbox fakes, provider clients against the
// in-process sandbox), in seconds.
export default defineConfig({
  test: { include: ['test/unit/**/*.test.ts', 'test/sandbox/**/*.test.ts', 'test/providers/**/*.test.ts', 'test/stack/**/*.test.ts', 'test/deploy/**/*.test.ts'], pool: 'forks', testTimeout: 30_000, hookTimeout: 60_000 },
});
