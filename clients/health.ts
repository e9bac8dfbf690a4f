import type { Settings } from '../config';
import { SERVICES, redactUri, type ServiceName } from '../stack/services';

export interface Reachability {
  name: ServiceName;
  target: string;
  ok: boolean;
  error?: string;
  ms: number;
}

/** Whether each dependency answers, measured the same way the stack decides to reuse a running server. */
export async function checkReachability(settings: Settings, names: ServiceName[] = ['temporal', 'mongodb', 's3']): Promise<Reachability[]> {
  return Promise.all(
    names.map(async (name) => {
      const started = Date.now();
      const target = name === 'mongodb' ? redactUri(SERVICES[name].url(settings)) : SERVICES[name].url(settings);
      try {
        const ok = await SERVICES[name].isUp(settings);
        return { name, target, ok, ms: Date.now() - started, ...(ok ? {} : { error: 'not answering' }) };
      } catch (err) {
        return { name, target, ok: false, error: err instanceof Error ? err.message : String(err), ms: Date.now() - started };
      }
    }),
  );
}
