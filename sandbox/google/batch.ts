import { z } from 'zod';
import { invalidArgument, staleEtag } from './errors';
import type { GoogleState } from './model';
import { parsePersonInput, READ_MASK_FIELDS, renderPerson, requireMask, UPDATABLE_FIELDS } from './person';
import { checkEtag, findContact, profile, type Call } from './call';

/**
 * The batch calls (https://developers.google.com/people/api/rest/v1/people): batchGet (<=200),
 * batchCreateContacts (<=200), batchUpdateContacts (<=200), batchDeleteContacts (<=500).
 */

const bodyObject = (body: unknown): Record<string, unknown> => {
  const r = z.record(z.string(), z.unknown()).safeParse(body ?? {});
  if (!r.success) throw invalidArgument('Invalid JSON payload received. Expected an object.');
  return r.data;
};

const maskFromBody = (value: unknown, param: string, allowed: ReadonlySet<string>, doc: string): Set<string> => {
  if (value !== undefined && typeof value !== 'string') throw invalidArgument(`Invalid value at '${param}' (type.googleapis.com/google.protobuf.FieldMask)`, param);
  return requireMask(value === undefined ? [] : [value], param, allowed, doc);
};

const OK_STATUS = {};
const NOT_FOUND_STATUS = { code: 5, message: 'Requested entity was not found.' };

export function batchGet(_state: GoogleState, { user, query }: Call): unknown {
  const names = query.getAll('resourceNames');
  const fields = requireMask(query.getAll('personFields'), 'personFields', READ_MASK_FIELDS, 'people/getBatchGet');
  if (names.length === 0) throw invalidArgument('At least one resourceNames value is required.', 'resource_names');
  if (names.length > 200) throw invalidArgument('Too many resourceNames: at most 200 are allowed per request.', 'resource_names');
  return {
    responses: names.map((rn) => {
      if (rn === 'people/me' || rn === `people/${user.id}`) {
        return { httpStatusCode: 200, person: renderPerson(profile(user), fields, 'PROFILE'), requestedResourceName: rn, status: OK_STATUS };
      }
      const p = user.people.get(rn);
      return p
        ? { httpStatusCode: 200, person: renderPerson(p, fields), requestedResourceName: rn, status: OK_STATUS }
        : { httpStatusCode: 404, requestedResourceName: rn, status: NOT_FOUND_STATUS };
    }),
  };
}

export function batchCreate(state: GoogleState, { user, body }: Call): unknown {
  const b = bodyObject(body);
  const readMask = maskFromBody(b.readMask, 'readMask', READ_MASK_FIELDS, 'people/batchCreateContacts');
  const contacts = z.array(z.record(z.string(), z.unknown())).safeParse(b.contacts);
  if (!contacts.success || contacts.data.length === 0) throw invalidArgument('contacts must not be empty.', 'contacts');
  if (contacts.data.length > 200) throw invalidArgument('Too many contacts: at most 200 can be created per request.', 'contacts');
  // Validate everything first: one bad contact fails the whole call and nothing is created.
  const parsed = contacts.data.map((c, i) => parsePersonInput(c.contactPerson ?? {}, `contacts[${i}].contact_person`));
  return {
    createdPeople: parsed.map((p) => ({ httpStatusCode: 200, person: renderPerson(state.createPerson(user, p.data), readMask), status: OK_STATUS })),
  };
}

export function batchUpdate(state: GoogleState, { user, body }: Call): unknown {
  const b = bodyObject(body);
  const updateMask = maskFromBody(b.updateMask, 'updateMask', UPDATABLE_FIELDS, 'people/batchUpdateContacts');
  const readMask = maskFromBody(b.readMask, 'readMask', READ_MASK_FIELDS, 'people/batchUpdateContacts');
  const contacts = z.record(z.string(), z.unknown()).safeParse(b.contacts);
  if (!contacts.success || Object.keys(contacts.data).length === 0) throw invalidArgument('contacts must not be empty.', 'contacts');
  const entries = Object.entries(contacts.data);
  if (entries.length > 200) throw invalidArgument('Too many contacts: at most 200 can be updated per request.', 'contacts');
  const parsed = entries.map(([rn, person]) => {
    const input = parsePersonInput(person, `contacts[${rn}]`);
    if (input.etag === undefined && input.sourceEtag === undefined) {
      throw invalidArgument(`Request must set contacts[${rn}].etag or contacts[${rn}].metadata.sources.etag for the source that is being updated.`, `contacts[${rn}].etag`);
    }
    return { rn, input };
  });
  if (state.config.batchUpdateStaleEtag === 'wholeRequest') {
    for (const { rn, input } of parsed) {
      const p = user.people.get(rn);
      if (p) checkEtag(p, input.etag, input.sourceEtag, `contacts[${rn}]`);
    }
  }
  const updateResult: Record<string, unknown> = {};
  for (const { rn, input } of parsed) {
    const p = user.people.get(rn);
    if (!p) {
      updateResult[rn] = { httpStatusCode: 404, status: NOT_FOUND_STATUS };
      continue;
    }
    const stale = input.etag !== undefined ? input.etag !== p.etag : input.sourceEtag !== p.sourceEtag;
    if (stale) {
      updateResult[rn] = { httpStatusCode: 400, status: { code: 9, message: staleEtag().message } };
      continue;
    }
    state.updatePerson(p, input.data, updateMask);
    updateResult[rn] = { httpStatusCode: 200, person: renderPerson(p, readMask), status: OK_STATUS };
  }
  return { updateResult };
}

export function batchDelete(state: GoogleState, { user, body }: Call): unknown {
  const b = bodyObject(body);
  const names = z.array(z.string()).safeParse(b.resourceNames);
  if (!names.success || names.data.length === 0) throw invalidArgument('resourceNames must not be empty.', 'resource_names');
  if (names.data.length > 500) throw invalidArgument('Too many resourceNames: at most 500 can be deleted per request.', 'resource_names');
  // GUESS: an unknown contact fails the whole call (404) and nothing is deleted.
  const people = names.data.map((rn) => findContact(user, rn));
  for (const p of people) state.deletePerson(user, p);
  return {};
}
