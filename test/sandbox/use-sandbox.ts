import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox';

/**
 * The sandbox test files' common set-up: one in-process sandbox for the file (closed after it), reset before
 * every test and then handed to `setup` (seeds, config). The returned object is filled in by beforeAll.
 */
export function useSandbox(setup?: () => Promise<void>): RunningSandbox {
  const sb = {} as RunningSandbox;
  beforeAll(async () => {
    Object.assign(sb, await startSandbox());
  });
  afterAll(async () => {
    await sb.close();
  });
  beforeEach(async () => {
    await sb.control.reset();
    await setup?.();
  });
  return sb;
}
