import { inspect } from 'node:util';
import { ProviderError } from '../../providers/errors';

/** Shared by the Kommo and Unisender client tests (the two providers of the Kommo -> Unisender mirror). */

export const KOMMO_TOKEN = 'kat.secret-access-token-4d1c';
export const UNISENDER_KEY = 'uni-secret-api-key-93b7';

/** The ProviderError a call throws (fails the test when it resolves or throws anything else). */
export async function caught(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw new Error(`expected a ProviderError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a ProviderError, the call succeeded');
}

/** Every rendering of an error an operator or a log could see, to any depth. */
export const renderings = (err: unknown): string[] => [
  JSON.stringify(err),
  JSON.stringify(err, Object.getOwnPropertyNames(err as object)),
  inspect(err, { depth: Infinity, showHidden: true }),
  String(err),
  (err as Error).stack ?? '',
];
