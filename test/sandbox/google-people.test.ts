import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { google, type people_v1 } from 'googleapis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';
import { accessTokenFor, ALICE, BOB, failure, peopleFor, peopleRaw, reasonOf, seedBasics } from './google-fixtures';

let people: people_v1.People;
const sb: RunningSandbox = useSandbox(async () => {
  await seedBasics(sb);
  people = peopleFor(sb, ALICE.refreshToken);
});

type ErrorBody = { error: { code: number; message: string; status: string; details: { '@type': string; reason?: string; domain?: string }[] } };

async function create(givenName: string, email?: string): Promise<people_v1.Schema$Person> {
  const r = await people.people.createContact({
    personFields: 'names,emailAddresses,metadata',
    requestBody: { names: [{ givenName, familyName: 'Test' }], ...(email ? { emailAddresses: [{ value: email, type: 'work' }] } : {}) },
  });
  return r.data;
}

describe('googleapis builds the paths the fake serves', () => {
  let capture: Server;
  let seen: string[] = [];
  beforeAll(async () => {
    capture = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    await new Promise<void>((r) => capture.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await new Promise<void>((r) => capture.close(() => r()));
  });

  it('per-call rootUrl keeps /google/; a per-API rootUrl keeps only the origin (hence the /v1/people root alias)', async () => {
    const base = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`;
    seen = [];
    const perCall = google.people({ version: 'v1' });
    const opts = { rootUrl: `${base}/google/` };
    await perCall.people.connections.list({ resourceName: 'people/me', personFields: 'names' }, opts);
    await perCall.people.getBatchGet({ resourceNames: ['people/c1', 'people/c2'], personFields: 'names' }, opts);
    await perCall.people.updateContact({ resourceName: 'people/c123', updatePersonFields: 'names', requestBody: {} }, opts);
    await perCall.people.deleteContact({ resourceName: 'people/c123' }, opts);
    await perCall.people.batchCreateContacts({ requestBody: {} }, opts);
    await perCall.people.batchUpdateContacts({ requestBody: {} }, opts);
    await perCall.people.batchDeleteContacts({ requestBody: {} }, opts);
    await perCall.people.createContact({ personFields: 'names', requestBody: {} }, opts);
    expect(seen).toEqual([
      'GET /google/v1/people/me/connections?personFields=names',
      'GET /google/v1/people:batchGet?resourceNames=people%2Fc1&resourceNames=people%2Fc2&personFields=names',
      'PATCH /google/v1/people/c123:updateContact?updatePersonFields=names',
      'DELETE /google/v1/people/c123:deleteContact',
      'POST /google/v1/people:batchCreateContacts',
      'POST /google/v1/people:batchUpdateContacts',
      'POST /google/v1/people:batchDeleteContacts',
      'POST /google/v1/people:createContact?personFields=names',
    ]);
    seen = [];
    const perApi = google.people({ version: 'v1', rootUrl: `${base}/google/` });
    await perApi.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
    expect(seen).toEqual(['GET /v1/people/me/connections?personFields=names']);
  });

  it('both forms reach the fake', async () => {
    await create('Ann');
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    const auth = new google.auth.OAuth2();
    auth.setCredentials({ access_token: token });
    const perCall = google.people({ version: 'v1', auth });
    const a = await perCall.people.connections.list({ resourceName: 'people/me', personFields: 'names' }, { rootUrl: `${sb.baseUrl}/google/` });
    const b = await people.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
    expect(a.data.connections).toHaveLength(1);
    expect(b.data).toEqual(a.data);
    const logged = await sb.control.requests({ provider: 'google', path: '/connections' });
    expect(logged.map((r) => r.url)).toEqual(['/google/v1/people/me/connections?personFields=names', '/google/v1/people/me/connections?personFields=names']);
  });
});

describe('people:createContact', () => {
  it('creates a contact with the real Person shape', async () => {
    const p = await create('Ann', 'ann@x.com');
    expect(p.resourceName).toMatch(/^people\/c\d+$/);
    expect(p.etag).toMatch(/^%/);
    expect(p.metadata?.sources?.[0]).toMatchObject({ type: 'CONTACT', etag: expect.stringMatching(/^#/), updateTime: expect.any(String) });
    expect(p.names?.[0]).toMatchObject({ givenName: 'Ann', familyName: 'Test', displayName: 'Ann Test', displayNameLastFirst: 'Test, Ann' });
    expect(p.names?.[0]?.metadata).toMatchObject({ primary: true, source: { type: 'CONTACT' } });
    expect(p.emailAddresses?.[0]).toMatchObject({ value: 'ann@x.com', type: 'work', formattedType: 'Work' });
  });

  it('personFields restricts the answer; without it every field comes back', async () => {
    const r = await people.people.createContact({ personFields: 'names', requestBody: { names: [{ givenName: 'A' }], phoneNumbers: [{ value: '+1 555 0100' }] } });
    expect(Object.keys(r.data).sort()).toEqual(['etag', 'names', 'resourceName']);
    const all = await people.people.createContact({ requestBody: { names: [{ givenName: 'B' }], phoneNumbers: [{ value: '+1 555 0100' }] } });
    expect(all.data.phoneNumbers?.[0]?.canonicalForm).toBe('+15550100');
    expect(all.data.metadata).toBeDefined();
  });

  it('more than one name -> 400 INVALID_ARGUMENT; unknown field -> 400; read-only field -> 400', async () => {
    const two = await failure(people.people.createContact({ requestBody: { names: [{ givenName: 'A' }, { givenName: 'B' }] } }));
    expect(two.status).toBe(400);
    expect((two.data as ErrorBody).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect((two.data as ErrorBody).error.details[0]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', domain: expect.any(String) });
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    const unknown = await peopleRaw(sb, token, 'POST', 'people:createContact', { names: [{ givenName: 'A' }], nickname: 'x' });
    expect(unknown.status).toBe(400);
    expect((unknown.body as ErrorBody).error.message).toBe(`Invalid JSON payload received. Unknown name "nickname" at 'person': Cannot find field.`);
    const photo = await peopleRaw(sb, token, 'POST', 'people:createContact', { photos: [{ url: 'x' }] });
    expect(photo.status).toBe(400);
    const badMask = await peopleRaw(sb, token, 'POST', 'people:createContact?personFields=nope', { names: [{ givenName: 'A' }] });
    expect(badMask.status).toBe(400);
    expect((badMask.body as ErrorBody).error.message).toContain('Invalid personFields mask path: "nope"');
  });

  it('invalid JSON -> 400 INVALID_ARGUMENT in the Google envelope', async () => {
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    const r = await peopleRaw(sb, token, 'POST', 'people:createContact', '{"names": [');
    expect(r.status).toBe(400);
    expect((r.body as ErrorBody).error.status).toBe('INVALID_ARGUMENT');
  });

  it('contacts belong to the user whose token is presented', async () => {
    const p = await create('Ann');
    const bob = peopleFor(sb, BOB.refreshToken);
    const f = await failure(bob.people.get({ resourceName: p.resourceName ?? '', personFields: 'names' }, { retry: false }));
    expect(f.status).toBe(404);
    const list = await bob.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
    expect(list.data.connections).toBeUndefined();
    const st = await sb.control.state<{ contacts: { resourceName: string }[] }>('google', { user: ALICE.email });
    expect(st.contacts.map((c) => c.resourceName)).toEqual([p.resourceName]);
  });
});

describe('{resourceName}:updateContact', () => {
  it('updates with the current etag; every write changes etag and metadata.sources[0].updateTime', async () => {
    const p = await create('Ann', 'ann@x.com');
    await sb.control.advanceClock(1500);
    const r = await people.people.updateContact({
      resourceName: p.resourceName ?? '',
      updatePersonFields: 'names',
      personFields: 'names,emailAddresses,metadata',
      requestBody: { etag: p.etag ?? '', names: [{ givenName: 'Anna', familyName: 'Test' }] },
    });
    expect(r.data.names?.[0]?.givenName).toBe('Anna');
    expect(r.data.emailAddresses?.[0]?.value).toBe('ann@x.com'); // not in the mask: untouched
    expect(r.data.etag).not.toBe(p.etag);
    expect(r.data.metadata?.sources?.[0]?.updateTime).not.toBe(p.metadata?.sources?.[0]?.updateTime);
    expect(r.data.metadata?.sources?.[0]?.etag).not.toBe(p.metadata?.sources?.[0]?.etag);
  });

  it('a masked field missing from the body is cleared', async () => {
    const p = await create('Ann', 'ann@x.com');
    const r = await people.people.updateContact({
      resourceName: p.resourceName ?? '',
      updatePersonFields: 'emailAddresses',
      personFields: 'names,emailAddresses',
      requestBody: { etag: p.etag ?? '' },
    });
    expect(r.data.emailAddresses).toBeUndefined();
    expect(r.data.names?.[0]?.givenName).toBe('Ann');
  });

  it('accepts metadata.sources[0].etag instead of person.etag', async () => {
    const p = await create('Ann');
    const r = await people.people.updateContact({
      resourceName: p.resourceName ?? '',
      updatePersonFields: 'names',
      requestBody: { metadata: { sources: [{ type: 'CONTACT', etag: p.metadata?.sources?.[0]?.etag ?? '' }] }, names: [{ givenName: 'Z' }] },
    });
    expect(r.data.names?.[0]?.givenName).toBe('Z');
  });

  it('stale etag -> 400 FAILED_PRECONDITION with the real message', async () => {
    const p = await create('Ann');
    await people.people.updateContact({ resourceName: p.resourceName ?? '', updatePersonFields: 'names', requestBody: { etag: p.etag ?? '', names: [{ givenName: 'B' }] } });
    const f = await failure(
      people.people.updateContact({ resourceName: p.resourceName ?? '', updatePersonFields: 'names', requestBody: { etag: p.etag ?? '', names: [{ givenName: 'C' }] } }),
    );
    expect(f.status).toBe(400);
    expect((f.data as ErrorBody).error).toMatchObject({
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: 'Request person.etag is different than the current person.etag. Clear local cache and get the latest person.',
    });
  });

  it('missing etag, missing updatePersonFields, bad mask -> 400; unknown contact -> 404 NOT_FOUND', async () => {
    const p = await create('Ann');
    const rn = p.resourceName ?? '';
    const noEtag = await failure(people.people.updateContact({ resourceName: rn, updatePersonFields: 'names', requestBody: { names: [{ givenName: 'B' }] } }));
    expect(noEtag.status).toBe(400);
    expect((noEtag.data as ErrorBody).error.status).toBe('INVALID_ARGUMENT');
    const noMask = await failure(people.people.updateContact({ resourceName: rn, requestBody: { etag: p.etag ?? '', names: [{ givenName: 'B' }] } }));
    expect(noMask.status).toBe(400);
    expect((noMask.data as ErrorBody).error.message).toMatch(/^updatePersonFields mask is required/);
    const readOnlyMask = await failure(people.people.updateContact({ resourceName: rn, updatePersonFields: 'photos', requestBody: { etag: p.etag ?? '' } }));
    expect(readOnlyMask.status).toBe(400);
    const missing = await failure(people.people.updateContact({ resourceName: 'people/c1', updatePersonFields: 'names', requestBody: { etag: 'x' } }));
    expect(missing.status).toBe(404);
    expect((missing.data as ErrorBody).error).toMatchObject({ code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.' });
  });
});

describe('{resourceName}:deleteContact and people.get', () => {
  it('delete answers {} then 404 NOT_FOUND', async () => {
    const p = await create('Ann');
    const d = await people.people.deleteContact({ resourceName: p.resourceName ?? '' });
    expect(d.status).toBe(200);
    expect(d.data).toEqual({});
    const again = await failure(people.people.deleteContact({ resourceName: p.resourceName ?? '' }, { retry: false }));
    expect(again.status).toBe(404);
    expect((again.data as ErrorBody).error.status).toBe('NOT_FOUND');
  });

  it('get needs personFields and returns people/me as the profile', async () => {
    const me = await people.people.get({ resourceName: 'people/me', personFields: 'emailAddresses,metadata' });
    expect(me.data.resourceName).toMatch(/^people\/\d+$/);
    expect(me.data.metadata?.sources?.[0]?.type).toBe('PROFILE');
    const f = await failure(people.people.get({ resourceName: 'people/me' }, { retry: false }));
    expect(f.status).toBe(400);
    expect((f.data as ErrorBody).error.message).toMatch(/^personFields mask is required/);
  });
});

describe('people:batchGet', () => {
  it('takes repeated resourceNames and reports missing ones per entry', async () => {
    const a = await create('A');
    const b = await create('B');
    const r = await people.people.getBatchGet({ resourceNames: [a.resourceName ?? '', 'people/c42', b.resourceName ?? ''], personFields: 'names' });
    expect(r.data.responses?.map((x) => x.httpStatusCode)).toEqual([200, 404, 200]);
    expect(r.data.responses?.[0]).toMatchObject({ requestedResourceName: a.resourceName, status: {}, person: { names: [{ givenName: 'A' }] } });
    expect(r.data.responses?.[1]).toEqual({ httpStatusCode: 404, requestedResourceName: 'people/c42', status: { code: 5, message: 'Requested entity was not found.' } });
  });

  it('more than 200 -> 400; none -> 400; no personFields -> 400', async () => {
    const names = Array.from({ length: 201 }, (_, i) => `people/c${i + 1}`);
    expect((await failure(people.people.getBatchGet({ resourceNames: names, personFields: 'names' }, { retry: false }))).status).toBe(400);
    expect((await failure(people.people.getBatchGet({ personFields: 'names' }, { retry: false }))).status).toBe(400);
    expect((await failure(people.people.getBatchGet({ resourceNames: ['people/c1'] }, { retry: false }))).status).toBe(400);
  });
});

describe('people:batchCreateContacts / batchUpdateContacts / batchDeleteContacts', () => {
  it('batch create answers createdPeople[{httpStatusCode, person, status}]', async () => {
    const r = await people.people.batchCreateContacts({
      requestBody: { contacts: [{ contactPerson: { names: [{ givenName: 'A' }] } }, { contactPerson: { names: [{ givenName: 'B' }] } }], readMask: 'names' },
    });
    expect(r.data.createdPeople).toHaveLength(2);
    expect(r.data.createdPeople?.[0]).toMatchObject({ httpStatusCode: 200, status: {}, person: { resourceName: expect.stringMatching(/^people\/c/), names: [{ givenName: 'A' }] } });
  });

  it('batch create: more than 200 -> 400, no readMask -> 400, one bad contact fails all', async () => {
    const many = Array.from({ length: 201 }, (_, i) => ({ contactPerson: { names: [{ givenName: `N${i}` }] } }));
    expect((await failure(people.people.batchCreateContacts({ requestBody: { contacts: many, readMask: 'names' } }))).status).toBe(400);
    expect((await failure(people.people.batchCreateContacts({ requestBody: { contacts: [{ contactPerson: { names: [{ givenName: 'A' }] } }] } }))).status).toBe(400);
    const bad = await failure(
      people.people.batchCreateContacts({
        requestBody: { contacts: [{ contactPerson: { names: [{ givenName: 'ok' }] } }, { contactPerson: { names: [{ givenName: 'a' }, { givenName: 'b' }] } }], readMask: 'names' },
      }),
    );
    expect(bad.status).toBe(400);
    const st = await sb.control.state<{ contacts: unknown[] }>('google', { user: ALICE.email });
    expect(st.contacts).toHaveLength(0);
  });

  it('batch update answers updateResult keyed by resourceName; stale etags fail per entry by default', async () => {
    const a = await create('A');
    const b = await create('B');
    const r = await people.people.batchUpdateContacts({
      requestBody: {
        contacts: {
          [a.resourceName ?? '']: { etag: a.etag ?? '', names: [{ givenName: 'A2' }] },
          [b.resourceName ?? '']: { etag: 'stale', names: [{ givenName: 'B2' }] },
          'people/c9': { etag: 'x', names: [{ givenName: 'C' }] },
        },
        updateMask: 'names',
        readMask: 'names',
      },
    });
    const res = r.data.updateResult ?? {};
    expect(res[a.resourceName ?? '']).toMatchObject({ httpStatusCode: 200, person: { names: [{ givenName: 'A2' }] } });
    expect(res[b.resourceName ?? '']).toMatchObject({ httpStatusCode: 400, status: { code: 9 } });
    expect(res['people/c9']).toMatchObject({ httpStatusCode: 404 });
  });

  it('batch update: batchUpdateStaleEtag=wholeRequest fails the call; >200, no updateMask, no etag -> 400', async () => {
    const a = await create('A');
    await sb.control.configure('google', { batchUpdateStaleEtag: 'wholeRequest' });
    const whole = await failure(
      people.people.batchUpdateContacts({ requestBody: { contacts: { [a.resourceName ?? '']: { etag: 'stale', names: [{ givenName: 'X' }] } }, updateMask: 'names', readMask: 'names' } }),
    );
    expect(whole.status).toBe(400);
    expect((whole.data as ErrorBody).error.status).toBe('FAILED_PRECONDITION');
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`people/c${i}`, { etag: 'x' }]));
    expect((await failure(people.people.batchUpdateContacts({ requestBody: { contacts: many, updateMask: 'names', readMask: 'names' } }))).status).toBe(400);
    expect((await failure(people.people.batchUpdateContacts({ requestBody: { contacts: { [a.resourceName ?? '']: { etag: a.etag ?? '' } }, readMask: 'names' } }))).status).toBe(400);
    expect((await failure(people.people.batchUpdateContacts({ requestBody: { contacts: { [a.resourceName ?? '']: { names: [] } }, updateMask: 'names', readMask: 'names' } }))).status).toBe(400);
  });

  it('batch delete answers {}; more than 500 -> 400; an unknown contact -> 404 and nothing deleted', async () => {
    const a = await create('A');
    const b = await create('B');
    const r = await people.people.batchDeleteContacts({ requestBody: { resourceNames: [a.resourceName ?? ''] } });
    expect(r.data).toEqual({});
    const many = Array.from({ length: 501 }, (_, i) => `people/c${i}`);
    expect((await failure(people.people.batchDeleteContacts({ requestBody: { resourceNames: many } }))).status).toBe(400);
    const unknown = await failure(people.people.batchDeleteContacts({ requestBody: { resourceNames: [b.resourceName ?? '', 'people/c1'] } }));
    expect(unknown.status).toBe(404);
    const st = await sb.control.state<{ contacts: { resourceName: string }[]; deleted: { resourceName: string }[] }>('google', { user: ALICE.email });
    expect(st.contacts.map((c) => c.resourceName)).toEqual([b.resourceName]);
    expect(st.deleted.map((c) => c.resourceName)).toEqual([a.resourceName]);
  });
});

describe('google faults through /_control/faults', () => {
  it('an armed 500 answers once, then the API works again', async () => {
    await sb.control.armFault({
      provider: 'google',
      path: '/connections',
      status: 500,
      headers: { 'content-type': 'application/json; charset=UTF-8' },
      body: { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } },
    });
    const f = await failure(people.people.connections.list({ resourceName: 'people/me', personFields: 'names' }, { retry: false }));
    expect(f.status).toBe(500);
    expect((f.data as ErrorBody).error.status).toBe('INTERNAL');
    const ok = await people.people.connections.list({ resourceName: 'people/me', personFields: 'names' }, { retry: false });
    expect(ok.status).toBe(200);
  });

  it('googleapis retries GETs past an armed 503 by itself', async () => {
    await sb.control.armFault({ provider: 'google', path: '/connections', status: 503, times: 1 });
    const ok = await people.people.connections.list({ resourceName: 'people/me', personFields: 'names' });
    expect(ok.status).toBe(200);
    const logged = await sb.control.requests({ provider: 'google', path: '/connections' });
    expect(logged.map((r) => r.status)).toEqual([503, 200]);
  });

  it('a connection reset surfaces as a network error', async () => {
    const token = await accessTokenFor(sb, ALICE.refreshToken);
    await sb.control.armFault({ provider: 'google', path: 'people:createContact', reset: true });
    await expect(peopleRaw(sb, token, 'POST', 'people:createContact', { names: [{ givenName: 'A' }] })).rejects.toThrow();
    const ok = await peopleRaw(sb, token, 'POST', 'people:createContact', { names: [{ givenName: 'A' }] });
    expect(ok.status).toBe(200);
  });

  it('a token endpoint 500 reaches google-auth-library as an error', async () => {
    await sb.control.armFault({ provider: 'google', path: '/google/token', status: 500, times: 4, body: { error: 'internal_failure' } });
    const f = await failure(people.people.connections.list({ resourceName: 'people/me', personFields: 'names' }, { retry: false }));
    expect(f.status).toBe(500);
    expect(reasonOf(f.data)).toBeUndefined();
  });
});
