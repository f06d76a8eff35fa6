import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {repoRoot} from '../../src/cli/presets.js';

// Tests run from dist/test/...; the repository root is found the way the CLI finds it.
export const ROOT = repoRoot();
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
