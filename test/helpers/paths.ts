import {readFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {storedCaseNames, storedCasesDir} from '../../src/cases/load.js';
import {projectRoot} from '../../src/trace/project.js';

// Tests run from dist/test/...; the repository root is found the way the CLI finds it.
export const ROOT = projectRoot();
export const TRACES = storedCasesDir();
export const FIXTURES = resolve(ROOT, 'test', 'fixtures');

/** Names of the trace cases (folders with a meta.json). */
export const traceCases = storedCaseNames;

export function caseFile(name: string, file: string): string {
  return join(TRACES, name, file);
}

/** A file's bytes; a ".gz" file is inflated in memory. */
export function readMaybeGz(path: string): Buffer {
  const raw = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(raw) : raw;
}
