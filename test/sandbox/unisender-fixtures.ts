import type { RunningSandbox } from '../helpers/sandbox';
import { useSandbox } from './use-sandbox';

/** Shared set-up of the Unisender fake tests: one account with three keys, two lists and a known contact. */

export const KEY = 'uni-key-1';

export type Answer = { status: number; body: { result?: unknown; error?: string; code?: string } };

export interface ListState {
  id: number;
  title: string;
  members: { email: string; status: string; emailStatus: string; fields: Record<string, string>; tags: string[] }[];
}

export interface UnisenderTestKit {
  sb: RunningSandbox;
  /** POSTs the method with parameters in the form body (default) or the query string, format and key in the query. */
  call(method: string, params?: Record<string, string>, opts?: { via?: 'form' | 'query'; key?: string | null; lang?: string }): Promise<Answer>;
  lists(): Promise<ListState[]>;
  members(listId: number): Promise<ListState['members']>;
}

export function useUnisender(): UnisenderTestKit {
  const sb: RunningSandbox = useSandbox(async () => {
    await sb.control.seed('unisender', {
      accounts: [
        {
          id: 'main',
          apiKeys: [KEY, { key: 'denied-key', accessDenied: true }, { key: 'readonly-key', deniedMethods: ['importContacts'] }],
          fields: ['City'],
          lists: [
            { id: 1, title: 'Kommo contacts' },
            { id: 2, title: 'Newsletter' },
          ],
          contacts: [{ email: 'known@x.test', fields: { Name: 'Known' }, lists: [1] }],
        },
      ],
    });
  });
  const call: UnisenderTestKit['call'] = async (method, params = {}, opts = {}) => {
    const q = new URLSearchParams({ format: 'json' });
    if (opts.key !== null) q.set('api_key', opts.key ?? KEY);
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) (opts.via === 'query' ? q : form).append(k, v);
    const res = await fetch(`${sb.baseUrl}/unisender/${opts.lang ?? 'ru'}/api/${method}?${q.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  const lists = async (): Promise<ListState[]> => {
    const s = await sb.control.state<{ accounts: { lists: ListState[] }[] }>('unisender', { apiKey: KEY });
    return s.accounts[0]?.lists ?? [];
  };
  const members = async (listId: number): Promise<ListState['members']> => (await lists()).find((l) => l.id === listId)?.members ?? [];
  return { sb, call, lists, members };
}

/** importContacts parameters: field_names[j] and data[i][j]. */
export function rows(fieldNames: string[], data: string[][]): Record<string, string> {
  const p: Record<string, string> = {};
  fieldNames.forEach((f, i) => (p[`field_names[${i}]`] = f));
  data.forEach((row, i) => row.forEach((v, j) => (p[`data[${i}][${j}]`] = v)));
  return p;
}
