import type { Settings } from '../config';
import { ZOHO_DATA_CENTRES, type ZohoDataCentre } from '../common/names';
import { ZOHO_API_DOMAINS } from './zoho/api';

/**
 * Where each provider lives. With PROVIDERS_SANDBOX_URL set (the local stack and the tests), every provider
 * resolves to its fake under that base URL; unset, to the real hosts.
 */
export interface ProviderEndpoints {
  googleTokenUrl: string;
  /** Google's consent page (authorization endpoint). */
  googleAuthUrl: string;
  /** googleapis rootUrl for the People API. */
  googlePeopleRootUrl: string;
  zohoAccountsUrl(dc: ZohoDataCentre): string;
  /** Zoho's consent page: always the US accounts server, which sends each user on to their data centre. */
  zohoAuthUrl: string;
  /** The Zoho API host (CRM and Creator) of a data centre, for an account whose refresh stored no api_domain yet. */
  zohoApiUrl(dc: ZohoDataCentre): string;
  kommoBaseUrl(subdomain: string): string;
  unisenderBaseUrl: string;
  /** How long to wait after Zoho's token throttling answer, which has no Retry-After. */
  zohoThrottleRetryMs: number;
}

export function providerEndpoints(settings: Pick<Settings, 'PROVIDERS_SANDBOX_URL' | 'ZOHO_THROTTLE_RETRY_SECONDS'>): ProviderEndpoints {
  const zohoThrottleRetryMs = settings.ZOHO_THROTTLE_RETRY_SECONDS * 1000;
  const sandbox = settings.PROVIDERS_SANDBOX_URL?.replace(/\/$/, '');
  if (sandbox) {
    return {
      googleTokenUrl: `${sandbox}/google/token`,
      googleAuthUrl: `${sandbox}/google/o/oauth2/v2/auth`,
      googlePeopleRootUrl: `${sandbox}/google/`,
      zohoAccountsUrl: () => `${sandbox}/zoho/accounts`,
      zohoAuthUrl: `${sandbox}/zoho/accounts/oauth/v2/auth`,
      zohoApiUrl: () => `${sandbox}/zoho/api`,
      kommoBaseUrl: (subdomain) => `${sandbox}/kommo/${subdomain}`,
      unisenderBaseUrl: `${sandbox}/unisender`,
      zohoThrottleRetryMs,
    };
  }
  return {
    googleTokenUrl: 'https://oauth2.googleapis.com/token',
    googleAuthUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    googlePeopleRootUrl: 'https://people.googleapis.com/',
    zohoAccountsUrl: (dc) => ZOHO_DATA_CENTRES[dc],
    zohoAuthUrl: `${ZOHO_DATA_CENTRES.com}/oauth/v2/auth`,
    zohoApiUrl: (dc) => ZOHO_API_DOMAINS[dc],
    kommoBaseUrl: (subdomain) => `https://${subdomain}.kommo.com`,
    unisenderBaseUrl: 'https://api.unisender.com',
    zohoThrottleRetryMs,
  };
}
