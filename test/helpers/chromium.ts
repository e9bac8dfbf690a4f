import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/**
 * The browser tests drive an installed Chromium (puppeteer-core downloads none): CHROMIUM_PATH, else `chromium`
 * or `chromium-browser` on PATH. Not found, the test fails with how to install it; it is never skipped.
 */
export const INSTALL_HINT =
  "Chromium was not found: install Debian's chromium package (apt-get install -y chromium, as .ci/run does), or set CHROMIUM_PATH to a Chromium or Chrome executable";

const executable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROMIUM_PATH) {
    if (!executable(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file. ${INSTALL_HINT}`);
    return env.CHROMIUM_PATH;
  }
  for (const name of ['chromium', 'chromium-browser']) {
    for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      const file = path.join(dir, name);
      if (executable(file)) return file;
    }
  }
  throw new Error(INSTALL_HINT);
}

/** A headless Chromium with a fixed window, so screenshots compare across runs. */
export async function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    defaultViewport: { width: 1280, height: 900 },
    args: [
      // Chromium refuses to start as root with its sandbox on (CI containers run as root).
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      // Containers often give /dev/shm 64 MB, too little for Chromium's shared memory.
      '--disable-dev-shm-usage',
    ],
  });
}
