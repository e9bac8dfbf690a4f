import type { CrmRecord } from './model';
import { secondOf, type CrmCall } from './crm-records';

/**
 * The org's workflow rules (config crmWorkflowRules). Zoho runs workflow rules after an API write unless the body
 * sends `trigger` without "workflow" (`"trigger": []` runs none). A field-update action rewrites the record right
 * after the write, so the record's Modified_Time moves past the one the write answered: the echo a sync must
 * not mistake for a person's edit. https://www.zoho.com/crm/developer/docs/api/v8/insert-records.html (trigger)
 */

export const triggersWorkflow = (trigger: string[] | undefined): boolean => trigger === undefined || trigger.includes('workflow');

/** A field-update action, shared with Creator's form workflows. */
export function rewrite(action: 'upper' | 'append' | 'set', current: unknown, value: string): unknown {
  if (action === 'set') return value;
  if (typeof current !== 'string' || current === '') return current;
  return action === 'upper' ? current.toUpperCase() : `${current}${value}`;
}

export function runWorkflowRules(c: CrmCall, written: { r: CrmRecord; action: 'insert' | 'update' }[]): void {
  const cfg = c.state.config;
  const rules = cfg.crmWorkflowRules.filter((rule) => rule.module.toLowerCase() === c.spec.apiName.toLowerCase());
  if (rules.length === 0) return;
  const at = secondOf(c.state.now() + cfg.crmWorkflowDelayMs);
  for (const { r, action } of written) {
    let changed = false;
    for (const rule of rules) {
      if (!rule.on.includes(action)) continue;
      const next = rewrite(rule.action, r.fields[rule.field], rule.value);
      if (next === r.fields[rule.field]) continue;
      r.fields[rule.field] = next;
      changed = true;
    }
    // GUESS: a rule that changes nothing leaves Modified_Time alone.
    if (!changed) continue;
    c.state.counters.crmWorkflowRuns++;
    r.modifiedMs = Math.max(r.modifiedMs, at);
  }
}
