/** Run the C nanoBragg and our engine on the same arguments, each in its own temporary folder. */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {basename, isAbsolute, join, resolve} from 'node:path';
import {runSimulate} from '../cli/simulate.js';
import type {PhiMode} from '../engine/setup.js';

const OUTPUT_FLAGS = ['-floatfile', '-floatimage', '-intfile', '-intimage', '-pgmfile', '-pgmimage', '-noisefile', '-noiseimage'];
const isOutputFlag = (t: string): boolean => OUTPUT_FLAGS.some((f) => t.includes(f)) || (t.includes('-stolout') && t.length > 7);
// C matches flags by substring (strstr), as src/engine/args.ts does; these take one input file.
const isInputFlag = (t: string): boolean =>
  ['-mat', '-hkl', '-img', '-mask', '-sourcefile'].some((f) => t.includes(f)) ||
  (t.includes('-stol') && t.length === 5) ||
  (t.includes('-4stol') && t.length === 6) ||
  (t.includes('-Q') && t.length === 2);

export interface RewrittenArgs {
  argv: string[];
  /** absolute path of the float image the run will write */
  floatPath: string;
  /** absolute path of the SMV int image the run will write */
  intPath: string;
}

/**
 * Input files become absolute against `cwd`; output files move into `outDir` (base name kept);
 * `-floatfile <outDir>/float.bin` is appended when the arguments name no float file.
 */
export function rewriteArgs(argv: string[], cwd: string, outDir: string): RewrittenArgs {
  const out = [...argv];
  let floatPath: string | undefined;
  let intPath = join(outDir, 'intimage.img');
  for (let i = 0; i < out.length; i++) {
    const t = out[i];
    if (!t.startsWith('-') || i + 1 >= out.length) continue;
    if (isOutputFlag(t)) {
      const p = join(outDir, basename(out[i + 1]));
      out[i + 1] = p;
      if (t.includes('-float')) floatPath = p;
      if (t.includes('-int')) intPath = p;
      i++;
    } else if (isInputFlag(t)) {
      if (!isAbsolute(out[i + 1])) out[i + 1] = resolve(cwd, out[i + 1]);
      i++;
    }
  }
  if (floatPath === undefined) {
    floatPath = join(outDir, 'float.bin');
    out.push('-floatfile', floatPath);
  }
  return {argv: out, floatPath, intPath};
}

export interface RunResult {
  ok: boolean;
  /** why it failed, one line */
  error?: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
}

export function runC(cBin: string, argv: string[], cwd: string): Promise<RunResult> {
  const t0 = process.hrtime.bigint();
  const secs = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  return new Promise((done) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let child;
    try {
      child = spawn(cBin, argv, {cwd, stdio: ['ignore', 'pipe', 'pipe']});
    } catch (e) {
      done({ok: false, error: `cannot start ${cBin}: ${(e as Error).message}`, exitCode: null, stdout: '', stderr: '', wallSeconds: secs()});
      return;
    }
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let settled = false;
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      done({ok: false, error: `cannot start ${cBin}: ${e.message}`, exitCode: null, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), wallSeconds: secs()});
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      const ok = code === 0;
      done({
        ok,
        error: ok ? undefined : `${cBin} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`,
        exitCode: code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        wallSeconds: secs(),
      });
    });
  });
}

export interface OurRunResult extends RunResult {
  /** why our engine failed (a UserError carries its exit code) */
  cause?: unknown;
}

/** Our engine on the same arguments; its warnings go to `warn` and to its stderr text, as C's stderr does. */
export async function runOurs(argv: string[], cwd: string, phiMode: PhiMode, workers?: number, warn?: (message: string) => void): Promise<OurRunResult> {
  const lines: string[] = [];
  const warnings: string[] = [];
  const t0 = process.hrtime.bigint();
  const secs = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  const onWarning = (m: string) => {
    warnings.push(`nbparity: warning: ${m}\n`);
    warn?.(m);
  };
  try {
    const code = await runSimulate({argv, phiMode, workers, cwd, print: (l) => lines.push(l), warn: onWarning});
    const stdout = lines.map((l) => `${l}\n`).join('');
    if (code !== 0) return {ok: false, error: `our engine refused the arguments (exit ${code}: no structure factors or no cell)`, exitCode: code, stdout, stderr: warnings.join(''), wallSeconds: secs()};
    return {ok: true, exitCode: 0, stdout, stderr: warnings.join(''), wallSeconds: secs()};
  } catch (e) {
    const msg = (e as Error).message;
    return {ok: false, error: `our engine failed: ${msg}`, exitCode: null, stdout: lines.map((l) => `${l}\n`).join(''), stderr: `${warnings.join('')}${msg}\n`, wallSeconds: secs(), cause: e};
  }
}

export function missing(path: string): boolean {
  return !existsSync(path);
}
