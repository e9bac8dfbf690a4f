import { describe, expect, it } from 'vitest';
import { RestartTracker, formatMs, type RestartPolicy } from '../../stack/restart';

const policy: RestartPolicy = { initialDelayMs: 1000, maxDelayMs: 8000, maxRestarts: 5, windowMs: 600_000, stableAfterMs: 60_000 };
const MIN = 60_000;

describe('restart policy of npm start', () => {
  it('doubles the delay at each quick death, up to the maximum', () => {
    const t = new RestartTracker({ ...policy, maxRestarts: 10 });
    const delays = [0, 1, 2, 3, 4, 5].map((i) => t.next(i * 1000, 500));
    expect(delays.map((d) => (d.restart ? d.delayMs : null))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(delays.map((d) => d.count)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('gives up at the death after the cap within the window, and says how many restarts it counted', () => {
    const t = new RestartTracker(policy);
    for (let i = 0; i < 5; i++) expect(t.next(i * 1000, 500).restart).toBe(true);
    expect(t.next(6000, 500)).toEqual({ restart: false, count: 5 });
  });

  it('counts only the restarts within the window: deaths far apart are always restarted', () => {
    const t = new RestartTracker(policy);
    const decisions = [0, 11, 22, 33, 44, 55, 66, 77].map((m) => t.next(m * MIN, 11 * MIN));
    expect(decisions.every((d) => d.restart)).toBe(true);
    expect(decisions.map((d) => d.count)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('starts a new streak (back to the first delay) after a run longer than stableAfterMs', () => {
    const t = new RestartTracker(policy);
    t.next(0, 500);
    t.next(1000, 500);
    expect(t.next(2000, 500)).toMatchObject({ restart: true, delayMs: 4000 });
    expect(t.next(3 * MIN, 2 * MIN)).toMatchObject({ restart: true, delayMs: 1000, count: 4 });
  });

  it('prints durations the way the stack lines do', () => {
    expect([250, 1000, 1500, 60_000, 90_000, 600_000].map(formatMs)).toEqual(['250 ms', '1 s', '1.5 s', '1 min', '1 min 30 s', '10 min']);
  });
});
