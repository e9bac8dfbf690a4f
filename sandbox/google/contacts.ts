import { invalidArgument } from './errors';
import type { GoogleState } from './model';
import { parseFieldMask, parsePersonInput, READ_MASK_FIELDS, renderPerson, requireMask, UPDATABLE_FIELDS } from './person';
import { checkEtag, CONTACT_RESOURCE, findContact, parseSources, profile, type Call } from './call';

/** The single-contact calls: people.get, createContact, updateContact, deleteContact. */

export function getPerson({ user, query }: Call, resourceName: string): unknown {
  const fields = requireMask(query.getAll('personFields'), 'personFields', READ_MASK_FIELDS, 'people/get');
  if (resourceName === 'people/me' || resourceName === `people/${user.id}`) return renderPerson(profile(user), fields, 'PROFILE');
  return renderPerson(findContact(user, resourceName), fields);
}

export function createContact(state: GoogleState, { user, query, body }: Call): unknown {
  const fields = parseFieldMask(query.getAll('personFields'), 'personFields', READ_MASK_FIELDS, 'people/createContact');
  parseSources(query);
  const { data } = parsePersonInput(body, 'person');
  return renderPerson(state.createPerson(user, data), fields);
}

export function updateContact(state: GoogleState, { user, query, body }: Call, resourceName: string): unknown {
  const mask = requireMask(query.getAll('updatePersonFields'), 'updatePersonFields', UPDATABLE_FIELDS, 'people/updateContact');
  const fields = parseFieldMask(query.getAll('personFields'), 'personFields', READ_MASK_FIELDS, 'people/updateContact');
  const input = parsePersonInput(body, 'person');
  const p = findContact(user, resourceName);
  checkEtag(p, input.etag, input.sourceEtag, 'person');
  state.updatePerson(p, input.data, mask);
  return renderPerson(p, fields);
}

export function deleteContact(state: GoogleState, { user }: Call, resourceName: string): unknown {
  if (!CONTACT_RESOURCE.test(resourceName)) throw invalidArgument(`Resource name "${resourceName}" is not a valid contact resource name.`, 'resource_name');
  state.deletePerson(user, findContact(user, resourceName));
  return {};
}
