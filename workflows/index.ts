// Every workflow the worker registers. Workflow code imports nothing but @temporalio/workflow and types.
export { smokeWorkflow } from './smoke';
export { refreshAllTokens, refreshToken } from './tokens';
export { extractConfig, extractRun } from './extraction';
export { contactSync } from './contact-sync';
export { kommoMirror } from './kommo-mirror';
