import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gunzipSync} from 'node:zlib';

// Tests run from dist/test/..., sources live in test/ and traces/ at the repository root.
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package.json) not found');
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot();
export const TRACES = resolve(ROOT, 'traces');
export const FIXTURES = resolve(ROOT, 'test', 'fixtures');

/** Names of the trace cases (folders with a meta.json). */
export function traceCases(): string[] {
  return readdirSync(TRACES, {withFileTypes: true})
    .filter((d) => d.isDirectory() && existsSync(join(TRACES, d.name, 'meta.json')))
    .map((d) => d.name)
    .sort();
}

export function caseFile(name: string, file: string): string {
  return join(TRACES, name, file);
}

/** A file's bytes; a ".gz" file is inflated in memory. */
export function readMaybeGz(path: string): Buffer {
  const raw = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(raw) : raw;
}
