/** `matrix` and `matrix merge`: flags to options, one line per row (or the metrics with --json), the exit code. */
import {UserError} from '../engine/errors.js';
import type {PhiMode} from '../engine/setup.js';
import {checkCBinary} from '../impl/c-binary.js';
import {parseTemplate} from '../impl/template.js';
import {runCampaign} from '../matrix/campaign.js';
import {STORED} from '../matrix/plan.js';
import {mergeShards} from '../matrix/merge.js';
import {parseShard} from '../matrix/shard.js';
import type {MatrixMetrics} from '../matrix/types.js';
import {EXIT} from '../util/exit-codes.js';
import {shellQuote, warn} from './common.js';

export interface MatrixFlags {
  cases?: string[];
  'c-bin'?: string;
  impl?: string;
  'phi-mode': string;
  only?: string;
  shard?: string;
  bundle: string;
  jobs?: number;
  timeout?: number;
  tolerance: string;
  json?: boolean;
}

function rowLines(m: MatrixMetrics): string {
  const lines = m.rows.map((r) => `${r.status.toUpperCase().padEnd(5)} ${r.case} / ${r.run} / ${r.mode}${r.reason ? `: ${r.reason}` : ''}`);
  const t = m.totals;
  lines.push(`matrix: ${t.rows} rows, ${t.passed} passed, ${t.failed} failed, ${t.errors} errors`);
  return lines.map((l) => `${l}\n`).join('');
}

export async function matrixCommand(flags: MatrixFlags, commandLine: string[]): Promise<number> {
  const modes: PhiMode[] = flags['phi-mode'] === 'both' ? ['c-parity', 'spec'] : [flags['phi-mode'] as PhiMode];
  const tolerance = Number(flags.tolerance);
  if (flags.tolerance.trim() === '' || !(tolerance >= 0 && Number.isFinite(tolerance))) throw new UserError(`--tolerance: expected a finite number >= 0, got '${flags.tolerance}'`, EXIT.USAGE);
  const impl = flags.impl !== undefined ? parseTemplate(flags.impl) : undefined;
  const cBin = flags['c-bin'] !== undefined ? checkCBinary(flags['c-bin']) : undefined;
  const r = await runCampaign({
    sources: flags.cases && flags.cases.length > 0 ? flags.cases : [STORED],
    modes,
    cBin,
    impl,
    implTemplate: flags.impl,
    only: flags.only,
    shard: flags.shard !== undefined ? parseShard(flags.shard) : undefined,
    jobs: flags.jobs,
    timeoutSeconds: flags.timeout,
    tolerance,
    target: {root: flags.bundle},
    commands: [shellQuote(['nbparity', 'matrix', ...commandLine])],
    progress: process.stderr.isTTY && !flags.json ? process.stderr : undefined,
  });
  process.stdout.write(flags.json ? `${JSON.stringify(r.metrics, null, 2)}\n` : `${rowLines(r.metrics)}bundle: ${r.bundle.dir}\n`);
  return r.metrics.totals.passed === r.metrics.totals.rows ? EXIT.OK : EXIT.VERDICT;
}

export async function matrixMergeCommand(bundles: string[], flags: {bundle: string; json?: boolean}, commandLine: string[]): Promise<number> {
  const r = await mergeShards(bundles, {root: flags.bundle}, [shellQuote(['nbparity', 'matrix', 'merge', ...commandLine])]);
  process.stdout.write(flags.json ? `${JSON.stringify(r.metrics, null, 2)}\n` : `${rowLines(r.metrics)}bundle: ${r.bundle.dir}\n`);
  if (r.missingRows > 0) {
    warn(`${r.missingRows} of the campaign's ${r.metrics.planned_rows} rows are in none of the shards given: a shard is missing`);
    return EXIT.PARTIAL;
  }
  return r.metrics.totals.passed === r.metrics.totals.rows ? EXIT.OK : EXIT.VERDICT;
}
