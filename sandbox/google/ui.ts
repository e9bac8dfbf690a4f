import { z } from 'zod';
import { GoogleApiError } from './errors';
import type { GoogleState, GoogleUser } from './model';
import { parsePersonInput, renderPerson, type StoredPerson } from './person';

/**
 * What a person does in the Google Contacts web UI, and what Google does by itself, as control routes: they
 * change contacts the way the API would (new etag, updateTime, a place in sync results) but spend no API quota
 * and take no etag. Creating a contact "in the UI" is seeding one (POST /_control/google/seed).
 */

const controlError = (message: string): Error => Object.assign(new Error(message), { statusCode: 400 });

const editSchema = z
  .object({
    user: z.string().min(1),
    resourceName: z.string().min(1),
    /** Person fields to replace (an empty list clears one); fields left out stay as they are. */
    person: z.record(z.string(), z.unknown()),
  })
  .strict();

const namesSchema = z.object({ user: z.string().min(1), resourceNames: z.array(z.string().min(1)).min(1) }).strict();

function userOf(state: GoogleState, ref: string): GoogleUser {
  const user = state.findUser(ref);
  if (!user) throw controlError(`unknown user ${ref}`);
  return user;
}

function contactOf(user: GoogleUser, resourceName: string): StoredPerson {
  const p = user.people.get(resourceName);
  if (!p) throw controlError(`${user.email} has no contact ${resourceName}`);
  return p;
}

/** PATCH /_control/google/contacts: an edit made in the Google UI. */
export function editContact(state: GoogleState, input: unknown): Record<string, unknown> {
  const b = editSchema.parse(input);
  const user = userOf(state, b.user);
  const p = contactOf(user, b.resourceName);
  let data;
  try {
    ({ data } = parsePersonInput(b.person, 'person'));
  } catch (e) {
    if (e instanceof GoogleApiError) throw controlError(e.message);
    throw e;
  }
  state.updatePerson(p, data, new Set(Object.keys(b.person).filter((k) => k !== 'etag' && k !== 'metadata' && k !== 'resourceName')));
  return renderPerson(p, undefined);
}

/** POST /_control/google/contacts/delete: contacts deleted in the Google UI (sync reports them deleted). */
export function deleteContacts(state: GoogleState, input: unknown): { deleted: string[] } {
  const b = namesSchema.parse(input);
  const user = userOf(state, b.user);
  const people = b.resourceNames.map((rn) => contactOf(user, rn));
  for (const p of people) state.deletePerson(user, p);
  return { deleted: people.map((p) => p.resourceName) };
}

/** POST /_control/google/contacts/touch: Google changes the etags (and updateTime) without changing any data. */
export function touchContacts(state: GoogleState, input: unknown): { contacts: { resourceName: string; etag: string }[] } {
  const b = namesSchema.parse(input);
  const user = userOf(state, b.user);
  const people = b.resourceNames.map((rn) => contactOf(user, rn));
  for (const p of people) state.touchPerson(p);
  return { contacts: people.map((p) => ({ resourceName: p.resourceName, etag: p.etag })) };
}
