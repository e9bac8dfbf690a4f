import type { FakeProviderFactory } from './types';

/** Every fake mounted by default. Each lives in its own folder: sandbox/<name>/index.ts. */
export const providerFactories: FakeProviderFactory[] = [];
