/** Our engine on the arguments the C runner gets (src/impl/c-binary.ts), in its own temporary folder. */
import {runSimulate} from '../cli/simulate.js';
import type {PhiMode} from '../engine/setup.js';
import type {RunResult} from '../impl/result.js';

export interface OurRunOptions {
  phiMode: PhiMode;
  workers?: number;
  /** reproduce C run with OMP_NUM_THREADS=cThreads (default 1) */
  cThreads?: number;
  maxMemoryBytes?: number;
  /** each of our warnings as it happens (they also go to the run's stderr text, as C's do) */
  warn?: (message: string) => void;
}

export interface OurRunResult extends RunResult {
  /** why our engine failed (a UserError carries its exit code) */
  cause?: unknown;
}

export async function runOurs(argv: string[], cwd: string, o: OurRunOptions): Promise<OurRunResult> {
  const lines: string[] = [];
  const warnings: string[] = [];
  const t0 = process.hrtime.bigint();
  const secs = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  const onWarning = (m: string) => {
    warnings.push(`nbparity: warning: ${m}\n`);
    o.warn?.(m);
  };
  try {
    const code = await runSimulate({argv, phiMode: o.phiMode, workers: o.workers, cThreads: o.cThreads, maxMemoryBytes: o.maxMemoryBytes, cwd, print: (l) => lines.push(l), warn: onWarning});
    const stdout = lines.map((l) => `${l}\n`).join('');
    if (code !== 0) return {ok: false, error: `our engine refused the arguments (exit ${code}: no structure factors or no cell)`, exitCode: code, stdout, stderr: warnings.join(''), wallSeconds: secs()};
    return {ok: true, exitCode: 0, stdout, stderr: warnings.join(''), wallSeconds: secs()};
  } catch (e) {
    const msg = (e as Error).message;
    return {ok: false, error: `our engine failed: ${msg}`, exitCode: null, stdout: lines.map((l) => `${l}\n`).join(''), stderr: `${warnings.join('')}${msg}\n`, wallSeconds: secs(), cause: e};
  }
}
