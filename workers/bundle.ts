import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * `npm run build`'s second step: the workflow code bundled once, at build time, beside the compiled workers
 * (dist/workflows/bundle.js), so a production worker loads it instead of bundling at every start.
 */
export const PREBUILT_BUNDLE = path.join(__dirname, '..', 'workflows', 'bundle.js');

async function main(): Promise<void> {
  const t0 = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, '..', 'workflows', 'index.js') });
  fs.writeFileSync(PREBUILT_BUNDLE, code);
  process.stdout.write(`workflow bundle: ${PREBUILT_BUNDLE} (${(code.length / 1024).toFixed(0)} KiB, ${Date.now() - t0} ms)\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bundling failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
