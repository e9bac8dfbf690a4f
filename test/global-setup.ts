import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadSettings } from '../config';
import { ensureStack } from '../stack';
import { workflowsPath } from '../workers/worker';
import { workflowBundleFile } from './helpers/bundle';

/**
 * Brings up the real servers every test runs against (Temporal, the MongoDB-wire server, S3, the SMTP sink),
 * reusing any that already run (e.g. from `npm start`), and bundles the workflow code once for all test workers.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const settings = loadSettings();
  const t0 = Date.now();
  const stack = await ensureStack(settings, ['temporal', 'mongodb', 's3', 'smtp'], (line) => process.stdout.write(`[stack] ${line}\n`));
  for (const s of stack.services) process.stdout.write(`[stack] ${s.name} ${s.reused ? 'reused' : 'started'} at ${s.url}\n`);

  const bundleFile = workflowBundleFile(settings);
  fs.mkdirSync(path.dirname(bundleFile), { recursive: true });
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never });
  fs.writeFileSync(bundleFile, code);
  process.stdout.write(`[stack] ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

  return async () => {
    await stack.stop();
  };
}
