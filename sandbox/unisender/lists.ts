import type { Method } from './call';
import { fail } from './errors';

export const listMethods: Record<string, Method> = {
  // https://www.unisender.com/en/support/api/partners/getlists/
  getLists: ({ acc }) => [...acc.lists.values()].map((l) => ({ id: l.id, title: l.title })),

  // https://www.unisender.com/en/support/api/partners/createlist/
  createList: ({ acc, p, now, config }) => {
    const title = p.get('title')?.trim();
    if (!title) fail('invalid_arg', 'title is required');
    if (acc.listByTitle(title)) fail(config.duplicateListTitleCode, `A list with title "${title}" already exists`);
    const id = acc.nextListId++;
    acc.lists.set(id, { id, title, addedAt: now });
    return { id };
  },
};
