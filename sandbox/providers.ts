import type { FakeProviderFactory } from './types';
import { createKommoFake } from './kommo';
import { createUnisenderFake } from './unisender';
import { createDemoFake } from './demo';
import { createGoogleFake } from './google';
import { createZohoFake } from './zoho';

/** Every fake mounted by default. Each lives in its own folder: sandbox/<name>/index.ts. */
export const providerFactories: FakeProviderFactory[] = [createGoogleFake, createZohoFake, createKommoFake, createUnisenderFake, createDemoFake];
