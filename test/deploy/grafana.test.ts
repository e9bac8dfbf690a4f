import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registry } from '../../metrics';

/** The Grafana dashboard reads only metrics that exist: Switchyard's from its registry, the SDK's by their prefix. */
const dashboard = z
  .object({
    uid: z.string(),
    panels: z.array(z.object({ title: z.string(), datasource: z.object({ uid: z.literal('${datasource}') }), targets: z.array(z.object({ expr: z.string() })).min(1) })).min(1),
  })
  .parse(JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'deploy', 'grafana', 'switchyard.json'), 'utf8')));

const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
/** A series name as registered: histograms are queried by their _bucket/_count/_sum, counters by their name. */
const family = (name: string): string => name.replace(/_(bucket|count|sum)$/, '');

describe('Grafana dashboard', () => {
  it("queries every one of Switchyard's metrics, and no Switchyard metric that is not registered", async () => {
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(switchyard_[a-z_]+)/g)].map((m) => family(m[1]!))));
    const registered = (await registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('switchyard_'));
    expect([...used].sort()).toEqual([...registered].sort());
  });

  it("charts the Temporal SDK's schedule-to-start, slots and polls, and the processes' memory", () => {
    for (const name of ['temporal_activity_schedule_to_start_latency_seconds_bucket', 'temporal_worker_task_slots_used', 'temporal_num_pollers', 'process_resident_memory_bytes']) {
      expect(exprs.some((e) => e.includes(name)), name).toBe(true);
    }
  });
});
