import type { UnisenderConfig } from './config';

/**
 * Unisender's import checks: role addresses (info@, sales@, no-reply@, ...) and known spam traps are not imported,
 * because they hurt deliverability. https://www.unisender.com/ru/support/api/contacts/importcontacts/
 * Answers the log entry of a refused address, or undefined for one that may be imported.
 */
export function screenAddress(email: string, s: UnisenderConfig['screening']): { code: string; message: string } | undefined {
  if (!s.enabled) return undefined;
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at).split('+')[0] ?? '';
  const domain = address.slice(at);
  const trap = s.spamTraps.some((t) => {
    const entry = t.trim().toLowerCase();
    return entry.startsWith('@') ? entry === domain : entry === address;
  });
  if (trap) return { code: s.spamTrapCode, message: `"${email}" is a known spam trap and was not imported` };
  if (s.roleLocalParts.some((r) => r.toLowerCase() === local)) {
    return { code: s.roleCode, message: `"${email}" is a role address and was not imported` };
  }
  return undefined;
}
