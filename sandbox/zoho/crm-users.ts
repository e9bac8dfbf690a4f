import { crmInvalidParam } from './errors';
import type { CrmUser } from './model';
import { intParam } from './crm-read';
import type { CrmAnswer, CrmBase } from './crm-records';

/**
 * GET /crm/{version}/users?type=... (https://www.zoho.com/crm/developer/docs/api/v8/get-users.html): the org's
 * users, who may own records. Answers {users:[...], info}, or 204 when none match.
 */

const TYPES: Record<string, (u: CrmUser) => boolean> = {
  AllUsers: () => true,
  ActiveUsers: (u) => u.status === 'active',
  DeactiveUsers: (u) => u.status === 'disabled',
  ConfirmedUsers: () => true,
  NotConfirmedUsers: () => false,
  DeletedUsers: () => false,
  ActiveConfirmedUsers: (u) => u.status === 'active',
  AdminUsers: (u) => u.profile.name === 'Administrator',
  ActiveConfirmedAdmins: (u) => u.status === 'active' && u.profile.name === 'Administrator',
  CurrentUser: () => false,
};

export function listUsers(c: CrmBase): CrmAnswer {
  const type = c.query.get('type') ?? 'AllUsers';
  const filter = TYPES[type];
  if (!filter) throw crmInvalidParam('type');
  const perPage = intParam(c.query, 'per_page', 200, 1, 200);
  const page = intParam(c.query, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  const all = [...c.org.users.values()].filter((u) => (type === 'CurrentUser' ? u.id === c.account.user.id : filter(u)));
  const slice = all.slice((page - 1) * perPage, page * perPage);
  if (slice.length === 0) return { status: 204 };
  return {
    status: 200,
    body: {
      users: slice.map((u) => ({
        id: u.id,
        full_name: u.name,
        first_name: u.first_name,
        last_name: u.last_name,
        email: u.email,
        status: u.status,
        confirm: true,
        role: u.role,
        profile: u.profile,
      })),
      info: { per_page: perPage, count: slice.length, page, more_records: page * perPage < all.length },
    },
  };
}
