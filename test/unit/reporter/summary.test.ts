import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../../..');

/** Runs the fixtures (a failing beforeAll, a failing afterAll, a file that does not load, plain tests) through vitest. */
function runFixtures(): string[] {
  const res = spawnSync(process.execPath, [path.join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', path.join(__dirname, 'fixtures', 'vitest.fixtures.mts')], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
    timeout: 120_000,
  });
  expect(res.status, res.stderr).toBe(1);
  return res.stdout.trim().split('\n');
}

describe('the summary line', () => {
  it('counts a failing beforeAll, a failing afterAll and a file that does not load as failures, and names them', () => {
    const lines = runFixtures();
    // passed: the test outside the broken suite, the one before the broken teardown, plain "passes";
    // failed: plain "fails" and the three failures outside a test; skipped: the two tests the broken setup kept
    // from running and the one skipped on purpose.
    expect(lines.at(-1)).toBe('3 passed, 4 failed, 3 skipped');
    const named = lines.filter((l) => l.startsWith('failed outside a test: ')).sort();
    expect(named).toEqual([
      'failed outside a test: load-fails.fixture.ts: cannot load',
      'failed outside a test: setup-fails.fixture.ts > setup fails: setup broke',
      'failed outside a test: teardown-fails.fixture.ts: teardown broke',
    ]);
  }, 120_000);
});
