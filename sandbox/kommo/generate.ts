import type { ContactSeed } from './schemas';
import type { KommoAccount } from './store';

/** Generated contacts for large seeds (generateContacts): names, emails and times follow from the index alone. */

const FIRST = ['Anna', 'Boris', 'Carmen', 'Dmitri', 'Elena', 'Farid', 'Greta', 'Hugo', 'Irina', 'Jorge', 'Katya', 'Luis', 'Marta', 'Nikolai', 'Olga', 'Pablo'];
const LAST = ['Ivanova', 'Garcia', 'Smirnov', 'Lopez', 'Petrova', 'Martinez', 'Kuznetsov', 'Rossi', 'Novak', 'Silva', 'Popov', 'Torres'];

/** The i-th generated contact (0-based): deterministic, so tests can predict names and emails. */
export function generatedContact(
  acc: KommoAccount,
  i: number,
  opts: { namePrefix: string; emailDomain: string; updatedAtFrom: number; updatedAtStepSeconds: number; withPhone: boolean; withoutEmailEvery: number },
): ContactSeed {
  const first = FIRST[i % FIRST.length] ?? 'Anna';
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length] ?? 'Ivanova';
  const id = acc.nextContactId;
  const updated = opts.updatedAtFrom + i * opts.updatedAtStepSeconds;
  const noEmail = opts.withoutEmailEvery > 0 && (i + 1) % opts.withoutEmailEvery === 0;
  return {
    id,
    name: `${opts.namePrefix} ${first} ${last} ${i + 1}`,
    first_name: first,
    last_name: `${last} ${i + 1}`,
    ...(noEmail ? {} : { email: `${first.toLowerCase()}.${last.toLowerCase()}.${id}@${opts.emailDomain}` }),
    ...(opts.withPhone ? { phone: `+1555${String(id % 10_000_000).padStart(7, '0')}` } : {}),
    created_at: updated,
    updated_at: updated,
  };
}

