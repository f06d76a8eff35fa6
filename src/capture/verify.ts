/**
 * `capture --verify`: run the C binary again for a stored case and say, file by file, whether
 * today's output equals the stored one: images by sha256 (a stored .gz by its inflated bytes),
 * stdout.log and traces as text once C's progress lines are dropped, and C's exit code.
 */
import {existsSync} from 'node:fs';
import {basename, join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import type {Case} from '../cases/case.js';
import {outputFileNames} from '../cases/meta.js';
import {UserError} from '../engine/errors.js';
import {dropProgressLines, type CRunOptions, type CRunResult} from '../impl/c-binary.js';
import {runCCase, type CCaseRun} from '../impl/c-case.js';
import {hashInput, readInputFile} from '../io/input.js';
import {sha256Hex} from '../report/bundle.js';
import {EXIT} from '../util/exit-codes.js';

export interface FileCheck {
  /** the stored file (or `exit code`) */
  file: string;
  /** same; differs; not stored: C wrote a file the case does not keep (informational) */
  status: 'same' | 'differs' | 'not stored';
  detail?: string;
}

export interface VerifyResult {
  case: string;
  origin: string;
  ok: boolean;
  checks: FileCheck[];
  /** wall seconds of every C run */
  cWallSeconds: number;
}

export type VerifyEvent = {kind: 'run'; case: string; what: string};

/** The first line where two texts differ, 1-based; undefined when equal. */
function firstDifferentLine(a: string, b: string): number | undefined {
  if (a === b) return undefined;
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return i + 1;
  return undefined;
}

function textCheck(file: string, stored: string, today: string): FileCheck {
  const line = firstDifferentLine(dropProgressLines(stored), dropProgressLines(today));
  return line === undefined ? {file, status: 'same'} : {file, status: 'differs', detail: `first difference at line ${line}`};
}

function shaCheck(file: string, stored: string, today: string): FileCheck {
  return stored === today ? {file, status: 'same', detail: `sha256 ${today}`} : {file, status: 'differs', detail: `sha256 ${today}, stored ${stored}`};
}

function storedBytes(path: string): Buffer {
  const raw = readInputFile(path, {kind: 'binary'});
  return path.endsWith('.gz') ? gunzipSync(raw) : raw;
}

/** A C run that could not be judged at all (not started, killed, timed out): exit 7. */
function assertRan(r: CRunResult, c: Case, what: string): void {
  if (r.timedOut || r.exitCode === null) throw new UserError(`${c.name}: the C ${what} did not finish: ${r.error}`, EXIT.EXTERNAL);
}

export async function verifyCase(c: Case, cBin: string, o: CRunOptions, onEvent: (e: VerifyEvent) => void = () => undefined): Promise<VerifyResult> {
  const run: CCaseRun = {args: c.args, preArgs: c.preArgs, inputsDir: c.inputsDir};
  const checks: FileCheck[] = [];
  let wall = 0;
  const names = outputFileNames(c.outputArgs);
  onEvent({kind: 'run', case: c.name, what: 'plain run'});
  await runCCase(cBin, run, c.outputArgs, o, (r, dir) => {
    assertRan(r, c, 'plain run');
    wall += r.wallSeconds;
    checks.push(r.exitCode === c.exitCode ? {file: 'exit code', status: 'same'} : {file: 'exit code', status: 'differs', detail: `C exited ${r.exitCode}, the case records ${c.exitCode}`});
    if (c.references.stdout) checks.push(textCheck(basename(c.references.stdout), readInputFile(c.references.stdout).toString('utf8'), r.stdout));
    for (const kind of ['float', 'int', 'pgm', 'noise'] as const) {
      const stored = c.references[kind];
      const today = join(dir, names[kind]);
      if (!stored) {
        // a case may keep only the float image's sha256 (the _specref cases)
        if (kind === 'float' && c.floatSha256 && existsSync(today)) checks.push(shaCheck(`${names.float} (sha256 in meta.json)`, c.floatSha256, hashInput(today)));
        else if (existsSync(today)) checks.push({file: names[kind], status: 'not stored'});
        continue;
      }
      const file = basename(stored);
      if (!existsSync(today)) {
        checks.push({file, status: 'differs', detail: 'C wrote no such file'});
        continue;
      }
      checks.push(shaCheck(file, sha256Hex(storedBytes(stored)), hashInput(today)));
    }
  });
  const traced = new Set<string>();
  for (const p of c.pixels) {
    if (!p.trace || traced.has(p.trace)) continue;
    traced.add(p.trace);
    onEvent({kind: 'run', case: c.name, what: `trace of pixel (slow ${p.slow}, fast ${p.fast})`});
    const r = await runCCase(cBin, run, [...c.outputArgs, '-trace_pixel', String(p.slow), String(p.fast)], o, (res) => res);
    assertRan(r, c, `run tracing pixel (slow ${p.slow}, fast ${p.fast})`);
    wall += r.wallSeconds;
    const check = textCheck(basename(p.trace), readInputFile(p.trace).toString('utf8'), r.stdout);
    if (r.exitCode !== 0) check.detail = `${check.detail ? `${check.detail}; ` : ''}C exited ${r.exitCode}`;
    checks.push(r.exitCode !== 0 ? {...check, status: 'differs'} : check);
  }
  return {case: c.name, origin: c.origin, ok: checks.every((k) => k.status !== 'differs'), checks, cWallSeconds: wall};
}
