import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A directory created for one test run. */
export interface TempDir {
  path: string;
  /** Removes the directory and everything in it; safe to call twice. */
  cleanup(): Promise<void>;
}

/** Creates a fresh, empty directory `<os.tmpdir()>/<prefix>-XXXXXX`. Synchronous so it can run at describe time. */
export function createTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return {
    path,
    cleanup: async () => rmSync(path, { recursive: true, force: true }),
  };
}
