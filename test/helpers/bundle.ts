import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Settings } from '../../config';
import { stackPaths } from '../../stack/paths';

/**
 * The workflow bundle the global setup builds for this checkout's tests. Several checkouts (git worktrees) may run
 * tests against one shared stack directory at once: each bundle is named after its checkout, so one checkout's
 * setup never replaces the workflow code another checkout's workers are loading.
 */
export function workflowBundleFile(settings: Pick<Settings, 'STACK_DIR'>): string {
  const repo = path.resolve(__dirname, '..', '..');
  const tag = createHash('sha256').update(repo).digest('hex').slice(0, 12);
  return path.join(stackPaths(settings).root, 'cache', `workflow-bundle-${tag}.js`);
}
