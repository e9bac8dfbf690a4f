import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium, INSTALL_HINT } from '../../helpers/chromium';

// The browser test finds an installed Chromium, or fails saying how to install it (never skips).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'find-chromium-'));
const fake = (name: string, mode: number): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, mode);
  return file;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, then chromium, then chromium-browser on PATH', () => {
    const browser = fake('chromium-browser', 0o755);
    expect(findChromium({ PATH: `/nonexistent${path.delimiter}${dir}` })).toBe(browser);
    const chromium = fake('chromium', 0o755);
    expect(findChromium({ PATH: dir })).toBe(chromium);
    const chosen = fake('my-chrome', 0o755);
    expect(findChromium({ PATH: dir, CHROMIUM_PATH: chosen })).toBe(chosen);
  });

  it('fails with how to install it when there is none, or CHROMIUM_PATH is not executable', () => {
    expect(() => findChromium({ PATH: '/nonexistent' })).toThrow(INSTALL_HINT);
    expect(INSTALL_HINT).toContain('apt-get install -y chromium');
    const notExecutable = fake('not-executable', 0o644);
    expect(() => findChromium({ PATH: dir, CHROMIUM_PATH: notExecutable })).toThrow(`CHROMIUM_PATH=${notExecutable} is not an executable file`);
  });
});
