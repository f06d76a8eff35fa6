/**
 * `matrix`: a whole parity campaign in one process. Every case run (src/matrix/plan.ts) in every
 * phi mode, a bounded number at a time (--jobs: external programs take one slot each, an engine
 * render as many as its threads), each case run's evidence in its own part of one bundle:
 *
 *   <bundle>/summary.md, metrics.json (kind "matrix"), ..., sha256.txt
 *   <bundle>/cases/<case>/<run>/          a sub-bundle per case run (its rows' metrics and summary)
 *       image-<mode>/                      the compare-images evidence of its float image
 *       trace-<mode>-s<S>-f<F>[-vs-c]/     the harness --ref evidence of each traced pixel
 *       c.stdout.txt, c.stderr.txt         a case list's live C run
 */
import {availableParallelism} from 'node:os';
import {ProgressBar} from '../cli/progress.js';
import {UserError} from '../engine/errors.js';
import {EXIT} from '../util/exit-codes.js';
import type {PhiMode} from '../engine/setup.js';
import {indexRenderer} from '../view/index.js';
import {PageDrawer} from '../view/page-drawer.js';
import {openBundle, safeName, type BundleBuilder, type BundleResult, type BundleTarget} from '../report/bundle.js';
import {packageInfo} from '../trace/project.js';
import {runEntry, type EntryContext} from './run-entry.js';
import {planCampaign} from './plan.js';
import {RenderThreads} from './render-threads.js';
import type {Shard} from './shard.js';
import {Slots} from './slots.js';
import {matrixSummary} from './summary.js';
import type {MatrixEntry, MatrixMetrics, MatrixRow} from './types.js';

export const MATRIX_SCHEMA = 'matrix-metrics.schema.json';

export interface CampaignOptions {
  sources: string[];
  modes: PhiMode[];
  cBin?: string;
  implTemplate?: string;
  impl?: string[];
  only?: string;
  shard?: Shard;
  jobs?: number;
  timeoutSeconds?: number;
  tolerance: number;
  target: BundleTarget;
  commands: string[];
  /** progress on this stream (a terminal) */
  progress?: NodeJS.WriteStream;
}

export interface CampaignResult {
  metrics: MatrixMetrics;
  bundle: BundleResult;
}

/** metrics.json of a set of rows (the campaign's, or one case run's). */
export function matrixMetrics(base: Omit<MatrixMetrics, 'rows' | 'totals' | 'warnings'>, rows: MatrixRow[]): MatrixMetrics {
  const sorted = [...rows].sort((a, b) => a.index - b.index);
  const count = (s: string) => sorted.filter((r) => r.status === s).length;
  return {...base, rows: sorted, totals: {rows: sorted.length, passed: count('pass'), failed: count('fail'), errors: count('error')}, warnings: []};
}

/** The part of a case run, relative to the bundle. */
export function entryFolder(e: Pick<MatrixEntry, 'caseId' | 'run'>): string {
  return `cases/${safeName(e.caseId)}/${safeName(e.run)}`;
}

export function matrixRecord(m: MatrixMetrics, commands: string[], env: Record<string, unknown>, title?: string) {
  return {commands, env, metrics: {schema: MATRIX_SCHEMA, data: m as unknown as Record<string, unknown>}, summary: matrixSummary(m, title), warnings: m.warnings, renderIndex: indexRenderer};
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const plan = planCampaign(o.sources, o.only, o.shard);
  const needsC = plan.all.find((e) => !e.spec.references.float && !e.spec.floatSha256 && e.spec.exitCode === 0);
  if (needsC && !o.cBin) throw new UserError(`${needsC.spec.name} (${needsC.spec.origin}) has no stored reference image: give --c-bin PATH to run C for it`, EXIT.USAGE);
  const jobs = o.jobs ?? availableParallelism();
  const pages = new PageDrawer();
  const renderThreads = new RenderThreads();
  const ctx: EntryContext = {modes: o.modes, cBin: o.cBin, impl: o.impl, timeoutSeconds: o.timeoutSeconds, tolerance: o.tolerance, slots: new Slots(jobs), drawPage: pages.render, renderThreads};
  const pkg = packageInfo();
  const base = {
    schema_version: 1 as const,
    kind: 'matrix' as const,
    generator: {name: pkg.name, version: pkg.version},
    generated_utc: new Date().toISOString(),
    sources: o.sources,
    phi_modes: o.modes,
    implementation: {kind: o.impl ? ('external' as const) : ('engine' as const), template: o.implTemplate ?? null},
    c_bin: o.cBin ?? null,
    only: o.only ?? null,
    tolerance: o.tolerance,
    planned_rows: plan.all.length * o.modes.length,
    timing: {wall_seconds: 0, cpu_seconds: 0},
  };
  const env = {jobs, shard: o.shard ? `${o.shard.k}/${o.shard.n}` : null, timeout_seconds: o.timeoutSeconds ?? null};
  const bundle = await openBundle(o.target);
  try {
    const rows: MatrixRow[] = [];
    const bar = o.progress && plan.mine.length > 0 ? new ProgressBar(o.progress, 'case runs') : undefined;
    let done = 0;
    bar?.update(0, plan.mine.length);
    const queue = [...plan.mine];
    // case runs start 2 x `jobs` at a time (while one waits for its pages or a render worker, the
    // main thread works on another); the slots bound the threads they keep busy
    const worker = async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        rows.push(...(await runPart(bundle, e, ctx, base, o.commands)));
        bar?.update(++done, plan.mine.length);
      }
    };
    await Promise.all(Array.from({length: Math.min(2 * jobs, Math.max(1, plan.mine.length))}, worker));
    bar?.done();
    const cpu = process.cpuUsage(cpu0);
    base.timing = {wall_seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu_seconds: (cpu.user + cpu.system) / 1e6};
    const metrics = matrixMetrics(base, rows);
    const result = await bundle.finish(matrixRecord(metrics, o.commands, env));
    return {metrics, bundle: result};
  } catch (e) {
    await bundle.discard();
    throw e;
  } finally {
    await Promise.all([pages.close(), renderThreads.close()]);
  }
}

async function runPart(bundle: BundleBuilder, e: MatrixEntry, ctx: EntryContext, base: Omit<MatrixMetrics, 'rows' | 'totals' | 'warnings'>, commands: string[]): Promise<MatrixRow[]> {
  const rel = entryFolder(e);
  const part = await bundle.part(rel);
  const rows = await runEntry(e, ctx, part, rel, e.position * ctx.modes.length);
  const m = matrixMetrics({...base, planned_rows: rows.length, root: rel}, rows);
  await part.finish(matrixRecord(m, commands, {case: e.caseId, run: e.run, origin: e.spec.origin, nanobragg_args: e.spec.args}, `${e.caseId} / ${e.run}`));
  return rows;
}

