import { accountWorkflowsQuery, type OAuthProvider } from '../../../common/names';
import type { AccountView } from '../../../store/accounts';
import { escapeHtml as h } from '../pages';
import { mayConnect } from './consent';
import { UI_PATH } from './session';

/** The operator page's HTML, server-rendered: every value from the store or the request goes through escapeHtml. */

export interface Viewer {
  keyName: string;
  isRoot: boolean;
  csrf: string;
}

export interface AccountsPageData {
  viewer: Viewer;
  /** Accounts waiting for a person to reconnect them (needs_reauth), shown first. */
  attention: AccountView[];
  accounts: AccountView[];
  /** The id to continue the listing after, when there are more. */
  nextAfter: string | null;
  clients: { id: string; provider: OAuthProvider; label: string | null }[];
  /** The Temporal Web UI's workflow list of the namespace. */
  workflowsUrl: string;
  /** A short notice at the top (after logging in, a refused action). */
  notice?: { ok: boolean; text: string } | undefined;
}

const PROVIDER_NAMES: Record<OAuthProvider, string> = { google: 'Google', zoho: 'Zoho', kommo: 'Kommo' };

/** A POST form of one button with its fields and the session's CSRF token. */
export function postButton(action: string, label: string, fields: Record<string, string>, csrf: string): string {
  const hidden = Object.entries({ ...fields, csrf })
    .map(([k, v]) => `<input type="hidden" name="${h(k)}" value="${h(v)}">`)
    .join('');
  return `<form class="inline" method="post" action="${h(action)}">${hidden}<button type="submit">${h(label)}</button></form>`;
}

export function nav(viewer: Viewer): string {
  return `<nav><strong>Switchyard</strong><a href="${UI_PATH}/accounts">Accounts</a><span class="who">${h(viewer.keyName)}${viewer.isRoot ? ' (root)' : ''}</span>${postButton(`${UI_PATH}/logout`, 'Log out', {}, viewer.csrf)}</nav>`;
}

const when = (iso: string | null): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '-');

function expiry(a: AccountView): string {
  if (!a.tokenExpiresAt) return '-';
  return Date.parse(a.tokenExpiresAt) <= Date.now() ? `${h(when(a.tokenExpiresAt))} <span class="muted">(expired)</span>` : h(when(a.tokenExpiresAt));
}

const who = (a: AccountView): string => a.email ?? (a.kommo ? `${a.kommo.subdomain}.kommo.com` : a.key);

function row(a: AccountView, d: AccountsPageData): string {
  const workflows = `${d.workflowsUrl}?query=${encodeURIComponent(accountWorkflowsQuery(a.id))}`;
  const reconnect =
    a.status === 'needs_reauth'
      ? mayConnect(a.provider, d.viewer.isRoot)
        ? postButton(`${UI_PATH}/reconnect`, 'Reconnect', { account: a.id }, d.viewer.csrf)
        : '<span class="muted">reconnect: root key only</span> '
      : '';
  const status = a.status === 'needs_reauth' ? `<strong class="fail">needs reconnecting</strong>` : h(a.status);
  const why = a.status === 'needs_reauth' && a.lastError ? `<br><span class="muted">${h(a.lastError.message)}</span>` : '';
  return (
    `<tr data-account="${h(a.id)}"><td>${h(PROVIDER_NAMES[a.provider])}</td><td>${h(who(a))}<br><span class="muted">${h(a.id)}</span></td>` +
    `<td class="status">${status}${why}</td><td>${expiry(a)}</td><td>${a.refreshedAt ? h(when(a.refreshedAt)) : '<span class="muted">not yet</span>'}</td><td>${h(a.oauthClientId)}</td>` +
    `<td>${reconnect}<a href="${h(workflows)}">Workflows</a></td></tr>`
  );
}

function table(rows: AccountView[], d: AccountsPageData, empty: string): string {
  if (!rows.length) return `<p class="muted">${h(empty)}</p>`;
  const head = '<tr><th>Provider</th><th>Account</th><th>Status</th><th>Token expires</th><th>Last refresh</th><th>OAuth client</th><th></th></tr>';
  return `<table class="list"><thead>${head}</thead><tbody>${rows.map((a) => row(a, d)).join('')}</tbody></table>`;
}

function connectButtons(d: AccountsPageData): string {
  if (!d.clients.length) return '<p class="muted">No OAuth client is registered yet (switchyard oauth-clients add, or POST /api/oauth-clients).</p>';
  const items = d.clients.map((c) => {
    const label = `Connect a ${PROVIDER_NAMES[c.provider]} account`;
    const name = c.label ? `${c.label} (${c.id})` : c.id;
    const button = mayConnect(c.provider, d.viewer.isRoot) ? postButton(`${UI_PATH}/connect`, label, { client: c.id }, d.viewer.csrf) : `<span class="muted">${h(label)}: root key only</span>`;
    return `<li data-client="${h(c.id)}">${button} through OAuth client ${h(name)}</li>`;
  });
  return `<ul>${items.join('')}</ul>`;
}

export function accountsPage(d: AccountsPageData): string {
  const notice = d.notice ? `<p class="${d.notice.ok ? 'ok' : 'fail'}" role="status">${h(d.notice.text)}</p>` : '';
  const more = d.nextAfter ? `<p><a href="${UI_PATH}/accounts?after=${encodeURIComponent(d.nextAfter)}">Next page</a></p>` : '';
  return (
    `${nav(d.viewer)}${notice}<h1>Accounts</h1>` +
    `<h2 id="attention">Needing attention (${d.attention.length})</h2>${table(d.attention, d, 'Every account can refresh its token.')}` +
    `<h2>Connect an account</h2>${connectButtons(d)}` +
    `<h2 id="all">All accounts</h2>${table(d.accounts, d, 'No account is connected yet.')}${more}` +
    `<p class="muted"><a href="${h(d.workflowsUrl)}">Every workflow in the Temporal Web UI</a></p>`
  );
}

export function loginPage(token: string, error?: string): string {
  return (
    `<h1>Switchyard</h1><p>Log in with an API key (ROOT_API_KEY, or one made with POST /api/keys).</p>${error ? `<p class="fail" role="alert">${h(error)}</p>` : ''}` +
    `<form method="post" action="${UI_PATH}/login"><input type="hidden" name="csrf" value="${h(token)}">` +
    `<label>API key <input type="password" name="apiKey" autocomplete="current-password" required autofocus></label> <button type="submit">Log in</button></form>`
  );
}
