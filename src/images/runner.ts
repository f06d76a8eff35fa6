/** Our engine on the arguments the C runner gets (src/impl/c-binary.ts), in its own temporary folder. */
import {runSimulate} from '../cli/simulate.js';
import type {PhiMode} from '../engine/setup.js';
import type {RunResult} from '../impl/result.js';

export async function runOurs(argv: string[], cwd: string, phiMode: PhiMode, workers?: number, cThreads?: number): Promise<RunResult> {
  const lines: string[] = [];
  // our warnings go to ours.stderr.txt in the report, as the C program's stderr does
  const warnings: string[] = [];
  const t0 = process.hrtime.bigint();
  const secs = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
  try {
    const code = await runSimulate({argv, phiMode, workers, cThreads, cwd, print: (l) => lines.push(l), warn: (m) => warnings.push(`nbparity: warning: ${m}\n`)});
    const stdout = lines.map((l) => `${l}\n`).join('');
    if (code !== 0) return {ok: false, error: `our engine refused the arguments (exit ${code}: no structure factors or no cell)`, exitCode: code, stdout, stderr: warnings.join(''), wallSeconds: secs()};
    return {ok: true, exitCode: 0, stdout, stderr: warnings.join(''), wallSeconds: secs()};
  } catch (e) {
    const msg = (e as Error).message;
    return {ok: false, error: `our engine failed: ${msg}`, exitCode: null, stdout: lines.map((l) => `${l}\n`).join(''), stderr: `${warnings.join('')}${msg}\n`, wallSeconds: secs()};
  }
}
