import type { FastifyInstance } from 'fastify';
import type { FakeProvider, FakeProviderFactory, SandboxContext } from '../types';
import { registerUnisenderRoutes } from './api';
import { patchUnisenderConfig } from './config';
import { seedUnisender, unisenderStateView } from './control';
import { UnisenderState } from './state';

/**
 * Unisender API fake, mounted at /unisender: https://api.unisender.com/ru/api/{method} becomes
 * <sandbox>/unisender/ru/api/{method}. Every answer is HTTP 200; failures are {"error","code"} bodies.
 */
export const createUnisenderFake: FakeProviderFactory = (ctx: SandboxContext): FakeProvider => {
  const state = new UnisenderState(ctx);
  return {
    name: 'unisender',
    routes: (app: FastifyInstance) => registerUnisenderRoutes(app, state),
    reset: () => state.reset(),
    seed: (body) => seedUnisender(state, body),
    configure(body) {
      state.config = patchUnisenderConfig(state.config, body);
      return state.config;
    },
    state: (query) => unisenderStateView(state, query),
  };
};
