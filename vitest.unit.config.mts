import { defineConfig } from 'vitest/config';

// `npm run test:unit`: the tests that need no stack (pure engines, sandbox fakes), in seconds.
export default defineConfig({
  test: { include: ['test/unit/**/*.test.ts', 'test/sandbox/**/*.test.ts'], pool: 'forks', testTimeout: 30_000 },
});
