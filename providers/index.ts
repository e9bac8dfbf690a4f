import type { OAuthProvider } from '../common/names';
import { refreshGoogle } from './google/oauth';
import { refreshKommo } from './kommo/oauth';
import type { RefreshFn } from './oauth';
import { refreshZoho } from './zoho/oauth';

/** The token refresh of each OAuth provider. */
export const REFRESHERS: Record<OAuthProvider, RefreshFn> = { google: refreshGoogle, zoho: refreshZoho, kommo: refreshKommo };
