import { describe, expect, it } from 'vitest';
import { MAIN_QUEUE } from '../../../common/names';
import { extractRunWorkflowId } from '../../../workflows/extraction';

describe('extraction run workflow ids', () => {
  it('differ for two config runs that start the same extraction in the same millisecond', () => {
    // Temporal run ids are UUIDv7: two started in the same millisecond share their first 12 hex digits.
    const scheduled = '01a22cf1-220e-740e-9bfa-9d93dde675aa';
    const manual = '01a22cf1-220e-7a31-8c02-41f5b7e0c9d3';
    const at = 1_764_547_200_123;
    const a = extractRunWorkflowId(MAIN_QUEUE, 'cfg', 'ex', at, scheduled);
    const b = extractRunWorkflowId(MAIN_QUEUE, 'cfg', 'ex', at, manual);
    expect(a).not.toBe(b);
    expect(a).toBe('extract:cfg:ex:1764547200123:9d93dde675aa');
  });

  it('keep the form of runs started before they named their parent run', () => {
    expect(extractRunWorkflowId(MAIN_QUEUE, 'cfg', 'ex', 5)).toBe('extract:cfg:ex:5');
    expect(extractRunWorkflowId('switchyard-test-1', 'cfg', 'ex', 5, 'x-y-z')).toBe('extract:cfg:ex:5:xyz@switchyard-test-1');
  });
});
