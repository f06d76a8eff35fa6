/** `capture`: checks its flags, runs src/capture, prints the outcome (progress on a terminal only). */
import {resolve} from 'node:path';
import type {PixelSlowFast} from '../cases/meta.js';
import {loadCases, resolveCase} from '../cases/load.js';
import {capture, type CaptureEvent} from '../capture/capture.js';
import {verifyCase, type VerifyResult} from '../capture/verify.js';
import {UserError} from '../engine/errors.js';
import {checkCBinary} from '../impl/c-binary.js';
import {EXIT} from '../util/exit-codes.js';
import {printFailure} from './common.js';

export interface CaptureFlags {
  'c-bin'?: string;
  config?: string;
  pixel?: number[];
  peak?: number;
  name?: string;
  out: string;
  threads?: number;
  timeout?: string;
  json: boolean;
  verify?: string;
}

const usage = (message: string) => new UserError(message, EXIT.USAGE);

/** Progress lines on stderr, only when it is a terminal. */
function progress(): (line: string) => void {
  return process.stderr.isTTY ? (line) => process.stderr.write(`${line}\n`) : () => undefined;
}

const secs = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} s`;
const pixelText = ([s, f]: PixelSlowFast) => `pixel (slow ${s}, fast ${f})`;

function captureProgress(say: (line: string) => void): (e: CaptureEvent) => void {
  return (e) => {
    switch (e.kind) {
      case 'plain-start':
        return say('capture: the plain C run (images and stdout)...');
      case 'plain-done':
        return say(`capture: plain run done in ${secs(e.wallSeconds)}`);
      case 'estimate':
        return say(`capture: ${e.pixels} traced pixel(s): C renders the whole frame for each, about ${secs(e.secondsEach)} each, ${secs(e.pixels * e.secondsEach)} in all`);
      case 'pixel-start':
        return say(`capture: tracing ${pixelText(e.pixel)} (${e.index + 1}/${e.count})...`);
      case 'pixel-done':
        return say(`capture: ${pixelText(e.pixel)} ${e.ok ? `traced in ${secs(e.wallSeconds)}` : `FAILED: ${e.reason}`}`);
    }
  };
}

function timeoutSeconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = Number(text);
  if (text.trim() === '' || !(t > 0) || !Number.isFinite(t)) throw usage(`--timeout: expected a number of seconds > 0, got '${text}'`);
  return t;
}

/** Run the command; returns the exit code. */
export async function runCapture(flags: CaptureFlags, passthrough: string[]): Promise<number> {
  const timeout = timeoutSeconds(flags.timeout);
  if (flags.verify !== undefined) {
    const stray = (['config', 'pixel', 'peak', 'name'] as const).filter((k) => flags[k] !== undefined);
    if (stray.length || passthrough.length) throw usage(`--verify re-runs a stored case as it is: drop ${stray.length ? stray.map((k) => `--${k}`).join(', ') : 'the arguments after --'}`);
  } else {
    if (flags.config === undefined && passthrough.length === 0) throw usage('give --config CASE, or nanoBragg arguments after --, or --verify CASE');
    if (flags.config !== undefined && passthrough.length) throw usage('give either --config or nanoBragg arguments after --, not both');
  }
  if (!flags['c-bin']) throw usage('capture runs the C nanoBragg: give --c-bin PATH or set NB_C_BIN');
  const pixelInts = flags.pixel ?? [];
  if (pixelInts.length % 2 !== 0) throw usage('--pixel takes two integers, slow then fast (repeat --pixel for more pixels)');
  if (flags.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(flags.name)) throw usage(`--name: '${flags.name}' is not a folder name (letters, digits, _ . -; not starting with . or -)`);
  const cBin = checkCBinary(flags['c-bin']);
  if (flags.verify !== undefined) return verify(flags.verify, cBin, {threads: flags.threads, timeoutSeconds: timeout}, flags.json);

  const pixels: PixelSlowFast[] = [];
  for (let i = 0; i < pixelInts.length; i += 2) pixels.push([pixelInts[i], pixelInts[i + 1]]);
  const source = flags.config !== undefined ? {kind: 'case' as const, case: configCase(flags.config)} : {kind: 'args' as const, args: passthrough, inputsDir: process.cwd()};
  const name = flags.name ?? (source.kind === 'case' ? source.case.name : `case-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`);
  const r = await capture({
    cBin,
    source,
    pixels,
    peak: flags.peak,
    name,
    outDir: resolve(flags.out),
    run: {threads: flags.threads ?? 1, timeoutSeconds: timeout},
    onEvent: captureProgress(progress()),
  });
  const code = r.failures.length ? EXIT.PARTIAL : EXIT.OK;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({case_dir: r.dir, exit_code: code, failed_pixels: r.meta.failed_pixels ?? [], meta: r.meta})}\n`);
  } else {
    const m = r.meta;
    const out = [`case folder: ${r.dir}`, `plain run: C exit ${m.exit_code}, ${secs(m.c_wall_seconds ?? 0)} wall, OMP_NUM_THREADS=${m.omp_threads}${m.fpixels ? `, ${m.fpixels}x${m.spixels} (fast x slow)` : ''}`];
    for (const t of m.trace_runs ?? []) out.push(`traced: ${t.trace}, ${pixelText(t.pixel_slow_fast)}, ${secs(t.c_wall_seconds)} wall`);
    for (const f of r.failures) out.push(`NOT TRACED: ${pixelText(f.pixel)}: ${f.reason}${f.exitCode !== null ? ` (C exit ${f.exitCode})` : ''}`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
  if (code !== EXIT.OK) printFailure(`capture: ${r.failures.length} of ${r.failures.length + (r.meta.trace_runs?.length ?? 0)} traced pixels failed (listed above); the case folder holds the others`);
  return code;
}

function configCase(spec: string) {
  try {
    return resolveCase(spec);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`--config: ${e.message}`, e.exitCode);
    throw e;
  }
}

async function verify(spec: string, cBin: string, o: {threads?: number; timeoutSeconds?: number}, json: boolean): Promise<number> {
  let cases;
  try {
    cases = loadCases(spec);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`--verify: ${e.message}`, e.exitCode);
    throw e;
  }
  const say = progress();
  const results: VerifyResult[] = [];
  for (const c of cases) {
    const r = await verifyCase(c, cBin, {threads: o.threads ?? c.ompThreads, timeoutSeconds: o.timeoutSeconds}, (e) => say(`verify: ${e.case}: ${e.what}...`));
    results.push(r);
    if (!json) {
      const width = Math.max(...r.checks.map((k) => k.status.length));
      const lines = [`${r.case} (${r.origin}): ${r.ok ? 'matches' : 'DIFFERS FROM'} today's C output`];
      for (const k of r.checks) lines.push(`  ${k.status.padEnd(width)}  ${k.file}${k.detail ? `  ${k.detail}` : ''}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  }
  if (json) process.stdout.write(`${JSON.stringify({ok: results.every((r) => r.ok), cases: results})}\n`);
  const bad = results.filter((r) => !r.ok);
  if (bad.length === 0) return EXIT.OK;
  const files = bad.map((r) => `${r.case}: ${r.checks.filter((k) => k.status === 'differs').map((k) => `${k.file}${k.detail ? ` (${k.detail})` : ''}`).join(', ')}`);
  printFailure(`capture --verify: today's C output differs from the stored case: ${files.join('; ')}`);
  return EXIT.VERDICT;
}
