/**
 * `matrix merge`: shard bundles into one campaign bundle. Each shard's case-run parts are copied
 * byte for byte (their own sha256.txt stays valid); metrics.json and summary.md are made again
 * from the union of the shards' rows, in campaign order, so they equal those of a single run of
 * the whole campaign apart from the timing fields (generated_utc, timing, rows[].seconds).
 */
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {UserError} from '../engine/errors.js';
import {BundleError, checkRelative, listFiles, openBundle, verifyBundle, type BundleResult, type BundleTarget} from '../report/bundle.js';
import {assertValid} from '../report/validate.js';
import {EXIT} from '../util/exit-codes.js';
import {MATRIX_SCHEMA, matrixMetrics, matrixRecord} from './campaign.js';
import type {MatrixMetrics, MatrixRow} from './types.js';

/** The campaign a bundle belongs to: shards of one campaign agree on all of it. */
const CAMPAIGN_FIELDS = ['sources', 'phi_modes', 'implementation', 'c_bin', 'only', 'tolerance', 'planned_rows'] as const;

async function readShard(dir: string): Promise<MatrixMetrics> {
  const v = await verifyBundle(dir);
  if (!v.ok) throw new BundleError(`${dir}: does not match its sha256.txt (changed ${v.changed.length}, missing ${v.missing.length}, extra ${v.extra.length}, pages not what metrics.json draws ${v.stale_pages.length}); run metrics ${dir} --verify`, EXIT.VERDICT);
  let m: unknown;
  try {
    m = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
  } catch (e) {
    throw new BundleError(`${dir}/metrics.json: cannot read it as JSON (${(e as Error).message})`);
  }
  if ((m as {kind?: unknown})?.kind !== 'matrix') throw new BundleError(`${dir}: not a matrix bundle (metrics.json kind ${JSON.stringify((m as {kind?: unknown})?.kind)})`);
  try {
    assertValid(MATRIX_SCHEMA, m);
  } catch (e) {
    throw new BundleError(`${dir}/metrics.json: ${(e as Error).message}`);
  }
  const rows = (m as MatrixMetrics).rows;
  rows.forEach((row, i) => checkPartPaths(row, `${dir}/metrics.json: rows[${i}]`));
  return m as MatrixMetrics;
}

/**
 * Every `bundle` field of a row (the case run's part, its image and pixel sub-bundles) is a path
 * inside the shard: a hand-made shard whose rows point at `../..` or `/etc` would have the merged
 * page link out of its bundle (exit 3, naming the field).
 */
function checkPartPaths(value: unknown, where: string): void {
  if (Array.isArray(value)) return value.forEach((v, i) => checkPartPaths(v, `${where}[${i}]`));
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'bundle' && typeof v === 'string') {
      try {
        checkRelative(v);
      } catch {
        throw new BundleError(`${where}.bundle: ${JSON.stringify(v.slice(0, 80))} is not a path inside the bundle`, EXIT.BAD_INPUT);
      }
    } else {
      checkPartPaths(v, `${where}.${k}`);
    }
  }
}

export interface MergeResult {
  metrics: MatrixMetrics;
  bundle: BundleResult;
  /** rows of the campaign that no shard holds */
  missingRows: number;
}

export async function mergeShards(dirs: string[], target: BundleTarget, commands: string[]): Promise<MergeResult> {
  if (dirs.length === 0) throw new UserError('matrix merge: give the shard bundles to merge', EXIT.USAGE);
  const shards = [];
  for (const d of dirs) shards.push({dir: d, m: await readShard(d)});
  const first = shards[0].m;
  for (const s of shards.slice(1)) {
    for (const f of CAMPAIGN_FIELDS) {
      if (JSON.stringify(s.m[f]) !== JSON.stringify(first[f])) throw new UserError(`${s.dir} is a shard of another campaign: its ${f} is ${JSON.stringify(s.m[f])}, ${shards[0].dir}'s ${JSON.stringify(first[f])}`, EXIT.BAD_INPUT);
    }
  }
  const rows: MatrixRow[] = [];
  const seen = new Map<number, string>();
  for (const s of shards) {
    for (const r of s.m.rows) {
      const other = seen.get(r.index);
      if (other !== undefined) throw new UserError(`row ${r.case} / ${r.run} / ${r.mode} is in both ${other} and ${s.dir} (the same shard twice?)`, EXIT.BAD_INPUT);
      seen.set(r.index, s.dir);
      rows.push(r);
    }
  }
  const b = await openBundle(target);
  try {
    for (const s of shards) {
      const parts = new Set(s.m.rows.map((r) => r.bundle));
      for (const f of await listFiles(s.dir)) if ([...parts].some((p) => f.startsWith(`${p}/`))) await b.copy(f, join(s.dir, f));
    }
    const cpu = shards.reduce((a, s) => a + s.m.timing.cpu_seconds, 0);
    const wall = Math.max(...shards.map((s) => s.m.timing.wall_seconds));
    const metrics = matrixMetrics(
      {
        schema_version: 1,
        kind: 'matrix',
        generator: first.generator,
        generated_utc: new Date().toISOString(),
        sources: first.sources,
        phi_modes: first.phi_modes,
        implementation: first.implementation,
        c_bin: first.c_bin,
        only: first.only,
        tolerance: first.tolerance,
        planned_rows: first.planned_rows,
        timing: {wall_seconds: wall, cpu_seconds: cpu},
      },
      rows,
    );
    const bundle = await b.finish(matrixRecord(metrics, commands, {merged_from: dirs}));
    return {metrics, bundle, missingRows: first.planned_rows - rows.length};
  } catch (e) {
    await b.discard();
    throw e;
  }
}
