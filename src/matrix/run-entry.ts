/**
 * One case run of a campaign, in every requested phi mode: the float image against its reference
 * and every traced pixel against its reference trace, each comparison's evidence in a sub-bundle
 * of the case run's part. Nothing here ends the campaign: whatever goes wrong (bad arguments,
 * a crashing or hanging external program) becomes a row with status "error" and its reason.
 */
import {copyFileSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {openPrivateFolder, removeFolder} from '../cases/private-folder.js';
import {runPreArgs} from '../cli/config.js';
import {shellQuote} from '../cli/common.js';
import {buildDetector} from '../engine/detector.js';
import {UserError} from '../engine/errors.js';
import {tracePixel} from '../engine/harness.js';
import {defaultWorkers} from '../engine/render.js';
import {leastEvaluations, parseWithHeaders, type PhiMode} from '../engine/setup.js';
import {compareImagesEvidence} from '../images/compare.js';
import {runOurs} from '../images/runner.js';
import {DEFAULT_THRESHOLDS, type Thresholds} from '../images/thresholds.js';
import {runCCase} from '../impl/c-case.js';
import {runTemplate} from '../impl/template.js';
import {hashInput} from '../io/input.js';
import {safeName, sha256Hex, type BundleBuilder, type BundleRecord} from '../report/bundle.js';
import {traceComparisonRecord} from '../report/trace-evidence.js';
import {compareTraceInputs, readTraceInput, type TraceComparison} from '../trace/compare.js';
import {EXIT} from '../util/exit-codes.js';
import type {RenderThreads} from './render-threads.js';
import type {Slots} from './slots.js';
import type {ImageRow, MatrixEntry, MatrixRow, PixelRow, RowStatus} from './types.js';

export interface EntryContext {
  modes: PhiMode[];
  cBin?: string;
  /** the --impl template's words; undefined: the embedded engine */
  impl?: string[];
  timeoutSeconds?: number;
  tolerance: number;
  slots: Slots;
  /** draws the comparisons' index.html (a PageDrawer's, off the main thread); none: the record's own renderer */
  drawPage?: BundleRecord['renderIndex'];
  /** where one-thread renders run (off the main thread); none: on this thread */
  renderThreads?: RenderThreads;
}

/** Exact equality of the float image (what the engine achieves against C) when a case gives no thresholds. */
export const EXACT: Thresholds = {...DEFAULT_THRESHOLDS, max_abs_max: 0};

/** The image thresholds of a case: its own (a case list's) where given, else exact equality. */
export function caseThresholds(entry: MatrixEntry): Thresholds {
  const t = entry.spec.thresholds;
  if (!t || Object.values(t).every((v) => v === undefined)) return EXACT;
  return {
    corr_min: t.corrMin ?? DEFAULT_THRESHOLDS.corr_min,
    sum_ratio_min: t.sumRatioMin ?? DEFAULT_THRESHOLDS.sum_ratio_min,
    sum_ratio_max: t.sumRatioMax ?? DEFAULT_THRESHOLDS.sum_ratio_max,
    max_abs_max: t.maxAbsMax ?? null,
    rmse_max: null,
  };
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const codeOf = (e: unknown): number => (e instanceof UserError ? e.exitCode : EXIT.INTERNAL);

/** A failure inside a row: its reason and the exit code it would have as a command of its own. */
class RowFailure extends Error {
  constructor(
    msg: string,
    readonly exitCode: number,
  ) {
    super(msg);
  }
}

/** The frame size the arguments give (what C and the engine render). */
function frameOf(entry: MatrixEntry, cwd: string): {fpixels: number; spixels: number} {
  if (entry.spec.frame) return entry.spec.frame;
  const d = buildDetector(parseWithHeaders(entry.spec.args, cwd));
  return {fpixels: d.fpixels, spixels: d.spixels};
}

/** Render threads for a frame: as simulate would choose, at most the campaign's slots. */
function renderWorkers(argv: string[], cwd: string, slots: Slots): number {
  try {
    return Math.min(slots.capacity, defaultWorkers(leastEvaluations(parseWithHeaders(argv, cwd))));
  } catch {
    return 1; // the render itself reports what is wrong
  }
}

/** Run the case run in every mode; its evidence goes into `part` (relative name `rel`). */
export async function runEntry(entry: MatrixEntry, ctx: EntryContext, part: BundleBuilder, rel: string, firstIndex: number): Promise<MatrixRow[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'nbparity-matrix-'));
  try {
    const live =
      entry.spec.references.float || entry.spec.floatSha256 || entry.spec.exitCode !== 0
        ? undefined
        : await liveC(entry, ctx, part, scratch).catch((e: unknown) => new RowFailure(`C reference: ${message(e)}`, e instanceof UserError ? e.exitCode : EXIT.EXTERNAL));
    const rows: MatrixRow[] = [];
    for (const [i, mode] of ctx.modes.entries()) {
      const t0 = process.hrtime.bigint();
      const row: MatrixRow = {index: firstIndex + i, case: entry.caseId, run: entry.run, mode, status: 'pass', pixels: [], bundle: rel, seconds: 0};
      try {
        await runMode(entry, mode, ctx, part, rel, scratch, live, row);
      } catch (e) {
        row.status = 'error';
        row.reason = message(e);
        row.exit_code = e instanceof RowFailure ? e.exitCode : codeOf(e);
      }
      row.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      rows.push(row);
    }
    return rows;
  } finally {
    removeFolder(scratch);
  }
}

/** A case list's reference: C run now (one thread, private folder), its float image kept in `scratch`. */
async function liveC(entry: MatrixEntry, ctx: EntryContext, part: BundleBuilder, scratch: string): Promise<string | RowFailure> {
  if (!ctx.cBin) return new RowFailure(`${entry.spec.name} has no stored reference image: give --c-bin to run C for it`, EXIT.USAGE);
  const floatPath = join(scratch, 'c-float.bin');
  const r = await ctx.slots.with(1, () =>
    runCCase(ctx.cBin!, entry.spec, ['-floatfile', 'matrix-c-float.bin'], {threads: 1, timeoutSeconds: ctx.timeoutSeconds}, (result, dir) => {
      if (result.ok) {
        try {
          copyFileSync(join(dir, 'matrix-c-float.bin'), floatPath);
        } catch {
          return {...result, ok: false, error: 'the C program exited 0 but wrote no float image'};
        }
      }
      return result;
    }),
  );
  await part.add('c.stdout.txt', r.stdout);
  await part.add('c.stderr.txt', r.stderr);
  if (!r.ok) return new RowFailure(`C reference: ${r.error}`, EXIT.EXTERNAL);
  return floatPath;
}

async function runMode(entry: MatrixEntry, mode: PhiMode, ctx: EntryContext, part: BundleBuilder, rel: string, scratch: string, live: string | RowFailure | undefined, row: MatrixRow): Promise<void> {
  const c = entry.spec;
  const folder = openPrivateFolder(c.inputsDir, [c.args, c.preArgs ?? []], 'nbparity-matrix-run-');
  try {
    if (c.preArgs) {
      if (ctx.impl) {
        const pre = await ctx.slots.with(1, () => runTemplate(ctx.impl!, {args: c.preArgs!, float: join(scratch, 'pre-float.bin'), mode}, folder.dir, ctx.timeoutSeconds));
        if (!pre.ok) throw new RowFailure(`the earlier run (pre_args): ${pre.error}`, EXIT.EXTERNAL);
      } else await runPreArgs(c.preArgs, folder.dir, mode, c.name);
    }
    row.image = await image(entry, mode, ctx, part, rel, scratch, folder.dir, live);
    if (c.exitCode === 0) {
      // a pixel listed twice (the brightest pixel also asked for by name) is judged once
      const pixels = c.pixels.filter((p, i) => c.pixels.findIndex((q) => q.slow === p.slow && q.fast === p.fast) === i);
      for (const p of pixels) row.pixels.push(await pixel(entry, mode, ctx, part, rel, folder.dir, p.slow, p.fast, p.trace!));
    }
  } finally {
    folder.dispose();
  }
  judge(row);
}

/** The row's status from its parts: an error first, then a verdict against. */
function judge(row: MatrixRow): void {
  const problems: Array<{status: RowStatus; reason: string; code: number}> = [];
  if (row.image && row.image.status !== 'pass') problems.push({status: row.image.status, reason: `image: ${row.image.detail}`, code: row.image.status === 'fail' ? EXIT.VERDICT : EXIT.EXTERNAL});
  for (const p of row.pixels) {
    const at = `pixel (slow ${p.slow}, fast ${p.fast})`;
    if (p.verdict === 'error') problems.push({status: 'error', reason: `${at}: ${p.reason}`, code: EXIT.EXTERNAL});
    else if (p.verdict === 'divergence') problems.push({status: 'fail', reason: `${at}: first divergence at ${p.first_divergence}${p.attribution ? ` (${p.attribution})` : ''}`, code: EXIT.VERDICT});
  }
  const worst = problems.find((p) => p.status === 'error') ?? problems[0];
  if (!worst) return;
  row.status = worst.status;
  row.reason = problems.map((p) => p.reason).join('; ');
  row.exit_code = worst.code;
}

/** Our (or the external program's) float image, written to `path`; a RowFailure when there is none. */
async function renderTest(entry: MatrixEntry, mode: PhiMode, ctx: EntryContext, cwd: string, path: string): Promise<{exitCode: number}> {
  const args = entry.spec.args;
  if (ctx.impl) {
    const r = await ctx.slots.with(1, () => runTemplate(ctx.impl!, {args, float: path, mode}, cwd, ctx.timeoutSeconds));
    if (!r.ok && !(entry.spec.exitCode !== 0 && r.exitCode === entry.spec.exitCode)) throw new RowFailure(`the implementation under test: ${r.error}${lastLine(r.stderr)}`, EXIT.EXTERNAL);
    return {exitCode: r.exitCode ?? -1};
  }
  const workers = renderWorkers(args, cwd, ctx.slots);
  const argv = [...args, '-floatfile', path, '-nopgm', '-noprogress'];
  const r = await ctx.slots.with(workers, async () => {
    if (workers === 1 && ctx.renderThreads) return ctx.renderThreads.run(argv, cwd, {phiMode: mode, workers});
    const own = await runOurs(argv, cwd, {phiMode: mode, workers});
    return {...own, causeExitCode: own.cause instanceof UserError ? own.cause.exitCode : undefined};
  });
  if (!r.ok && !(entry.spec.exitCode !== 0 && r.exitCode === entry.spec.exitCode)) throw new RowFailure(r.error ?? 'our engine failed', r.causeExitCode ?? r.exitCode ?? EXIT.INTERNAL);
  return {exitCode: r.exitCode ?? -1};
}

const lastLine = (text: string): string => {
  const l = text.trim().split('\n').pop();
  return l ? ` (${l.slice(0, 200)})` : '';
};

const noMetrics = {corr: null, sum_ratio: null, max_abs: null, rmse: null};

async function image(entry: MatrixEntry, mode: PhiMode, ctx: EntryContext, part: BundleBuilder, rel: string, scratch: string, cwd: string, live: string | RowFailure | undefined): Promise<ImageRow> {
  const c = entry.spec;
  const testPath = join(scratch, `${mode}-float.bin`);
  const test = await renderTest(entry, mode, ctx, cwd, testPath);
  if (c.exitCode !== 0) {
    // C refused the arguments (its usage text, exit 9): the implementation must refuse them too
    const same = test.exitCode === c.exitCode;
    return {status: same ? 'pass' : 'fail', reference: 'stored-c', method: 'exit-code', ...noMetrics, identical: null, thresholds: null, detail: same ? null : `C exits ${c.exitCode}, the implementation ${test.exitCode}`, bundle: null};
  }
  // the spec oracle's image where spec mode cannot equal C's (C-PARITY-001)
  const oracle = mode === 'spec' && entry.oracle ? entry.oracle : undefined;
  const refCase = oracle ?? c;
  const reference: ImageRow['reference'] = oracle ? 'specref' : live ? 'live-c' : 'stored-c';
  if (live instanceof RowFailure) throw live;
  const refPath = live ?? refCase.references.float;
  if (!refPath) {
    if (!refCase.floatSha256) return {status: 'error', reference: 'none', method: 'sha256', ...noMetrics, identical: null, thresholds: null, detail: `${refCase.name} keeps no float image and no float_sha256`, bundle: null};
    const same = hashInput(testPath) === refCase.floatSha256;
    return {status: same ? 'pass' : 'fail', reference, method: 'sha256', ...noMetrics, identical: same, thresholds: null, detail: same ? null : `the float image's sha256 differs from ${refCase.name}'s float_sha256`, bundle: null};
  }
  const frame = frameOf(entry, cwd);
  const thresholds = caseThresholds(entry);
  const e = await compareImagesEvidence({
    ref: refPath,
    test: testPath,
    fpixels: frame.fpixels,
    spixels: frame.spixels,
    thresholds,
    percentile: 99.5,
    peakPercentile: 99.9,
    peakTop: 50,
    phiMode: mode,
    argv: [],
    commands: [
      shellQuote(['nbparity', 'compare-images', '--ref', live ? 'c-float.bin' : refPath, '--test', `${mode}-float.bin`, '--fpixels', String(frame.fpixels), '--spixels', String(frame.spixels), ...thresholdFlags(thresholds)]),
    ],
  });
  const sub = `image-${mode}`;
  const p = await part.part(sub);
  for (const [name, data] of Object.entries(e.files)) await p.add(name, data);
  await p.finish(withPage(e.record, ctx));
  const m = e.metrics.metrics;
  const status: RowStatus = e.metrics.verdict === 'pass' ? 'pass' : e.metrics.verdict === 'fail' ? 'fail' : 'error';
  return {
    status,
    reference,
    method: 'metrics',
    corr: m?.correlation ?? null,
    sum_ratio: m?.sum_ratio ?? null,
    max_abs: m?.max_abs_diff ?? null,
    rmse: m?.rmse ?? null,
    identical: e.metrics.identical,
    thresholds,
    detail: status === 'pass' ? null : (e.metrics.message ?? e.metrics.status),
    bundle: `${rel}/${sub}`,
  };
}

/** The record with the campaign's page drawer in its renderIndex slot, when it has one. */
function withPage(record: BundleRecord, ctx: EntryContext): BundleRecord {
  return ctx.drawPage && record.renderIndex ? {...record, renderIndex: ctx.drawPage} : record;
}

function thresholdFlags(t: Thresholds): string[] {
  const out = ['--corr-min', String(t.corr_min), '--sum-ratio-min', String(t.sum_ratio_min), '--sum-ratio-max', String(t.sum_ratio_max)];
  if (t.max_abs_max !== null) out.push('--max-abs-max', String(t.max_abs_max));
  if (t.rmse_max !== null) out.push('--rmse-max', String(t.rmse_max));
  return out;
}

/** The trace under test of one pixel: the engine's (harness) or the external program's stdout. */
async function testTrace(entry: MatrixEntry, mode: PhiMode, ctx: EntryContext, cwd: string, slow: number, fast: number): Promise<{text: string; command: string}> {
  const harness = shellQuote(['nbparity', 'harness', '--config', entry.spec.origin.replace(/\/meta\.json$/, ''), '--pixel', String(slow), String(fast), '--phi-mode', mode]);
  if (ctx.impl) {
    const r = await ctx.slots.with(1, () => runTemplate(ctx.impl!, {args: entry.spec.args, float: join(cwd, 'matrix-trace-float.bin'), mode, pixel: {slow, fast}}, cwd, ctx.timeoutSeconds));
    if (!r.ok) throw new RowFailure(`the implementation under test: ${r.error}${lastLine(r.stderr)}`, EXIT.EXTERNAL);
    return {text: r.stdout, command: shellQuote(ctx.impl)};
  }
  const text = await ctx.slots.with(1, () => tracePixel({argv: entry.spec.args, spixel: slow, fpixel: fast, phiMode: mode, cwd}).trace);
  return {text, command: harness};
}

function attributionOf(cmp: TraceComparison): string | null {
  const a = cmp.attributions.filter((x) => x.scope === 'verdict');
  return a.length === 0 ? null : a.map((x) => `${x.id} (${x.match})`).join(', ');
}

/** One traced pixel in one mode, judged against C's trace, or in spec mode against the oracle's. */
async function pixel(entry: MatrixEntry, mode: PhiMode, ctx: EntryContext, part: BundleBuilder, rel: string, cwd: string, slow: number, fast: number, cTrace: string): Promise<PixelRow> {
  const oracleTrace = mode === 'spec' ? entry.oracle?.pixels.find((p) => p.slow === slow && p.fast === fast)?.trace : undefined;
  const row: PixelRow = {slow, fast, mode, verdict: 'error', reference: oracleTrace ? 'specref' : 'c', first_divergence: null, attribution: null, reason: null, bundle: null};
  let test;
  try {
    test = await testTrace(entry, mode, ctx, cwd, slow, fast);
  } catch (e) {
    row.reason = message(e);
    return row;
  }
  const bytes = Buffer.from(test.text, 'utf8');
  const input = {path: 'trace.log', text: test.text, sha256: sha256Hex(bytes), bytes: bytes.length};
  const keep = async (ref: string, tag: string): Promise<TraceComparison> => {
    const cmp = compareTraceInputs(readTraceInput(ref), input, {rtol: ctx.tolerance, atol: null, harnessCommand: test.command});
    const refName = `reference/${safeName(basename(ref))}`;
    cmp.inputs.ref.path = refName;
    const sub = `trace-${mode}-s${slow}-f${fast}${tag}`;
    const p = await part.part(sub);
    await p.add('trace.log', test.text);
    await p.copy(refName, ref);
    await p.finish(
      withPage(
        traceComparisonRecord(cmp, {
          commands: [`${test.command} ${shellQuote(['--ref', ref])}`],
          env: {mode, pixel: {slow, fast}, trace_file: 'trace.log', reference_file: refName, reference_source: ref, tolerance: ctx.tolerance, atol: null},
          warnings: [],
        }),
        ctx,
      ),
    );
    if (!tag) row.bundle = `${rel}/${sub}`;
    return cmp;
  };
  try {
    if (oracleTrace) {
      const judged = await keep(oracleTrace, '');
      row.verdict = judged.verdict === 'pass' ? 'pass' : 'divergence';
      row.first_divergence = judged.first_divergence?.key ?? null;
      // against C, spec mode shows C-PARITY-001: named, not judged
      row.attribution = attributionOf(await keep(cTrace, '-vs-c'));
    } else {
      const cmp = await keep(cTrace, '');
      row.first_divergence = cmp.first_divergence?.key ?? null;
      row.attribution = attributionOf(cmp);
      const explained = mode === 'spec' && cmp.attributions.some((a) => a.id === 'C-PARITY-001' && a.scope === 'verdict' && a.match === 'full' && a.side === 'reference');
      row.verdict = cmp.verdict === 'pass' ? 'pass' : explained ? 'explained' : 'divergence';
    }
  } catch (e) {
    row.verdict = 'error';
    row.reason = message(e);
  }
  return row;
}
