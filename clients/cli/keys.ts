import type { Command } from 'commander';
import { loadSettings } from '../../config';
import { createCipher } from '../../store/crypto';
import { connectMongo } from '../../store/mongo';
import { rotateEncryption } from '../../store/rotate-encryption';
import { print } from './context';

/** `switchyard keys ...`: the encryption keys of secrets at rest. */
export function addKeyCommands(program: Command): void {
  const keys = program.command('keys').description('encryption keys of stored tokens and secrets');
  keys
    .command('rotate-encryption')
    .description(
      'rewrite every stored token and secret under ENCRYPTION_KEY, reading the others with ENCRYPTION_DECRYPT_KEYS; ' +
        'safe while workers run, and resumable: run it again after an interruption, it rewrites only what is left',
    )
    .option('--batch <n>', 'documents read at a time (progress is reported after each batch)', (v) => Number(v), 200)
    .action(async (opts: { batch: number }) => {
      const settings = loadSettings();
      const cipher = createCipher(settings.ENCRYPTION_KEY, settings.ENCRYPTION_DECRYPT_KEYS);
      const mongo = await connectMongo(settings);
      try {
        process.stdout.write(`rotate-encryption: to key ${cipher.keyId}\n`);
        const report = await rotateEncryption(mongo.db, cipher, {
          batchSize: opts.batch,
          onProgress: (collection, c) => process.stdout.write(`rotate-encryption: ${collection} rewritten=${c.rewritten} current=${c.current} changed=${c.changed} unreadable=${c.unreadable.length}\n`),
        });
        print({ keyId: cipher.keyId, collections: report });
        const unreadable = Object.entries(report).flatMap(([col, c]) => c.unreadable.map((id) => `${col}/${id}`));
        if (unreadable.length) {
          throw new Error(`${unreadable.length} stored values decrypt with no key of the ring (add their key to ENCRYPTION_DECRYPT_KEYS and run again): ${unreadable.slice(0, 20).join(', ')}`);
        }
      } finally {
        await mongo.close();
      }
    });
}
