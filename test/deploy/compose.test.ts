import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_DEFS } from '../../common/names';
import { settingsSchema } from '../../config';
import { COMPILED_WORKER_COMMAND, WORKER_ENV } from '../../workers/process-flags';

/**
 * docker-compose.yml cannot be run here (no Docker engine): this checks what can be checked without one. Images are
 * pinned, long-running services have health checks, one-shot services set up Temporal (schema, namespace, every
 * search attribute Switchyard sets) and the output bucket, and every Switchyard service's environment passes the
 * same settings schema the processes parse at start.
 */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition: string }>;
}

const file = path.join(__dirname, '..', '..', 'docker-compose.yml');
const compose = parse(fs.readFileSync(file, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const ONE_SHOT = ['temporal-schema', 'temporal-setup', 'minio-setup'];
const SWITCHYARD = ['worker-1', 'worker-2', 'api'];

/** ${VAR:?message} and ${VAR:-default} as docker compose resolves them, with test values for the required ones. */
function resolveEnv(env: Record<string, string>): Record<string, string> {
  const given: Record<string, string> = { ROOT_API_KEY: 'a-root-key-of-at-least-16', ENCRYPTION_KEY: 'ab'.repeat(32), S3_SECRET_ACCESS_KEY: 'minio-secret-value' };
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, rest?: string) => given[name] ?? (op === '-' ? (rest ?? '') : ''))]),
  );
}

describe('docker-compose.yml', () => {
  it('pins every image to a version (no latest, no untagged image)', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) continue;
      expect(s.image, name).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    }
  });

  it('uses the Temporal server and admin-tools images, not the deprecated auto-setup', () => {
    const images = Object.values(services).map((s) => s.image ?? '');
    expect(images.some((i) => i.startsWith('temporalio/auto-setup'))).toBe(false);
    expect(services.temporal?.image).toMatch(/^temporalio\/server:1\.\d+\.\d+$/);
    expect(services['temporal-schema']?.image).toMatch(/^temporalio\/admin-tools:/);
  });

  it('has a health check on every long-running service, workers and API included', () => {
    for (const [name, s] of Object.entries(services)) {
      if (ONE_SHOT.includes(name)) continue;
      expect(s.healthcheck?.test, `${name} has no health check`).toBeDefined();
    }
    expect(JSON.stringify(services['worker-1']?.healthcheck?.test)).toContain('/ready');
    expect(JSON.stringify(services.api?.healthcheck?.test)).toContain('/health/live');
  });

  it('sets up the namespace and every search attribute Switchyard sets, and the output bucket', () => {
    const setup = JSON.stringify(services['temporal-setup']?.command);
    expect(setup).toContain('namespace create');
    for (const sa of SEARCH_ATTRIBUTE_DEFS) expect(setup, sa).toContain(sa);
    expect(JSON.stringify(services['minio-setup']?.command)).toContain('api-extractor-output-prod');
  });

  it("runs Switchyard's services from the compiled image, after the one-shot setups, with valid settings", () => {
    for (const name of SWITCHYARD) {
      const s = services[name]!;
      expect(s.build, name).toBeDefined();
      expect((s.command as string[]).join(' '), name).toMatch(/^node (--[a-z-]+=\d+ )*dist\//);
      expect(s.depends_on?.['temporal-setup']?.condition, name).toBe('service_completed_successfully');
      expect(s.depends_on?.['minio-setup']?.condition, name).toBe('service_completed_successfully');
      const env = resolveEnv(s.environment ?? {});
      const parsed = settingsSchema.safeParse(env);
      expect(parsed.success, `${name}: ${parsed.success ? '' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`).toBe(true);
      // Every variable it sets is one Switchyard reads (a misspelt name would silently fall back to a default).
      const known = new Set(Object.keys(settingsSchema.shape));
      for (const key of Object.keys(env)) expect(known.has(key), `${name}: ${key} is not a Switchyard setting`).toBe(true);
    }
    expect(services['worker-1']?.environment?.WORKER_METRICS_PORT).toBe('9464');
  });

  it('starts workers as the Dockerfile does, with the memory settings the worker-footprint bench measured', () => {
    for (const name of ['worker-1', 'worker-2']) expect(services[name]?.command, name).toEqual([...COMPILED_WORKER_COMMAND]);
    const dockerfile = fs.readFileSync(path.join(__dirname, '..', '..', 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(cmd && JSON.parse(cmd)).toEqual([...COMPILED_WORKER_COMMAND]);
    for (const [k, v] of Object.entries(WORKER_ENV)) expect(dockerfile).toMatch(new RegExp(`^ENV ${k}=${v}$`, 'm'));
  });
});
