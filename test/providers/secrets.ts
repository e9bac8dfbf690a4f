import { inspect } from 'node:util';
import { expect } from 'vitest';
import { ProviderError } from '../../providers/errors';

/**
 * Awaits a call that must fail with a ProviderError and checks that no rendering of the error (JSON, util.inspect
 * at any depth with hidden properties, its string and stack) holds any of `secrets` (tokens, header values) or
 * the auth scheme `scheme` of the Authorization header.
 */
export async function providerFailure(p: Promise<unknown>, secrets: () => readonly string[], scheme: RegExp): Promise<ProviderError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProviderError);
  for (const text of [JSON.stringify(e), inspect(e, { depth: null, showHidden: true }), String(e), (e as Error).stack ?? '']) {
    for (const s of secrets()) expect(text).not.toContain(s);
    expect(text).not.toMatch(scheme);
  }
  return e as ProviderError;
}
