import type { Settings } from '../config';
import type { Listen } from './addresses';
import { api, worker } from './apps';
import type { InstallStep } from './install';
import type { StackPaths } from './paths';
import type { StackLog } from './proc';
import { mongodb, s3, sandbox, smtp, temporal } from './servers';
import type { ProcessSpec, Supervised } from './supervisor';

export { redactUri } from './addresses';

export type ServiceName = 'temporal' | 'mongodb' | 's3' | 'smtp' | 'sandbox' | 'worker' | 'api';

export interface ServiceHandle {
  name: ServiceName;
  /** Where it answers. */
  url: string;
  /** True when it already ran and was reused; false when this process started it. */
  reused: boolean;
  /** What runs: binary and version, or who answered, for the operator. */
  detail: string;
  /** The process, when this command started it (its child changes when it is restarted). */
  process?: Supervised;
  logFile?: string;
  stop(): Promise<void>;
}

/** One server or process of the local stack: how to tell it runs, and how to install and start it. */
export interface ServiceDef {
  name: ServiceName;
  /** "a Temporal server", for "does not answer as ..." */
  title: string;
  url(s: Settings): string;
  /** Whether it answers as this service: any answer of ours counts, even an unhealthy one. */
  isUp(s: Settings): Promise<boolean>;
  /** Where it answers: something accepting connections there means it runs (or the port is taken). Null: no port (the worker). */
  address(s: Settings): Listen | null;
  /** Every other port a server started here binds. */
  otherPorts?(s: Settings): Listen[];
  /** What answers at its address when that is not this service ("GET /health answered 404"); undefined when unsure. */
  foreign?(s: Settings): Promise<string | undefined>;
  /** Who answers, when it is reused ("polled by 123@host"). */
  whoRuns?(s: Settings): Promise<string>;
  /** Why the stack cannot start one for these settings (not on loopback...), or undefined. */
  cannotStart?(s: Settings): string | undefined;
  /** Installs and builds it needs before it can start (none when installed). */
  install?(p: StackPaths): InstallStep[];
  /** Its command line, once installed. */
  spec(s: Settings, p: StackPaths, log: StackLog): { process: ProcessSpec; detail: string };
  /** Work after it answers (create a bucket...), run whether started or reused. */
  ready?(s: Settings): Promise<void>;
  startTimeoutMs: number;
}

export const SERVICES: Record<ServiceName, ServiceDef> = { temporal, mongodb, s3, smtp, sandbox, worker, api };
