import fs from 'node:fs';
import path from 'node:path';

/** Starts the line written into a process's log before each start, so a failure quotes only that start's lines. */
const START_MARK = '=== started';

export function markStart(logFile: string, cmd: string, args: string[]): void {
  fs.appendFileSync(logFile, `\n${START_MARK} ${new Date().toISOString()}: ${path.basename(cmd)} ${args.join(' ')}\n`);
}

/** The last lines a log got since its process last started. */
export function tail(file: string, lines = 15): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const sinceStart = text.slice(Math.max(0, text.lastIndexOf(`\n${START_MARK}`)));
    return sinceStart.trim().split('\n').slice(-lines).join('\n') || '(nothing logged)';
  } catch {
    return '(no log)';
  }
}
