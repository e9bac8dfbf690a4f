import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');

/** The main working tree of this repository: the repository itself, or for a git worktree the tree it was added from. */
function mainWorkingTree(): string | null {
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return path.dirname(common.trim());
  } catch {
    return null; // not a git checkout (an unpacked archive): only the repository's own neighbour counts
  }
}

/**
 * A file of the project's shared folder (the seeds, the provider notes), which sits beside the repository:
 * `../shared` from the repository root, as CI has it; a git worktree finds it beside its main working tree.
 * Throws, naming every place it looked, when the file is missing: a test that needs it fails, never skips.
 */
export function sharedFile(...parts: string[]): string {
  const roots = [...new Set([repo, mainWorkingTree()].filter((r): r is string => r !== null))];
  const candidates = roots.map((r) => path.join(r, '..', 'shared', ...parts));
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`${path.join('shared', ...parts)} is missing: looked at ${candidates.join(', ')} (CI checks the shared folder out at ../shared from the repository root)`);
  return found;
}
