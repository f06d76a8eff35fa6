/** The rows of a campaign and what each records (metrics.json of kind "matrix", schemas/matrix-metrics.schema.json). */
import type {Case} from '../cases/case.js';
import type {PhiMode} from '../engine/setup.js';

/** One case run of the campaign; its rows are one per phi mode. */
export interface MatrixEntry {
  /** position in the whole campaign (every source, before --shard): rows sort by it */
  position: number;
  caseId: string;
  run: string;
  spec: Case;
  /** the spec-mode oracle: the stored `<case>_specref` (C run so that C-PARITY-001 cannot occur) */
  oracle?: Case;
}

export type RowStatus = 'pass' | 'fail' | 'error';

export interface ImageRow {
  /** pass: within the thresholds (or identical); fail: a verdict against; error: no comparison */
  status: RowStatus;
  /** what was compared against: a stored C image, the spec oracle's, a live C run's */
  reference: 'stored-c' | 'specref' | 'live-c' | 'none';
  /** how: compare-images metrics, the sha256 the case records (no image stored), or C's own refusal */
  method: 'metrics' | 'sha256' | 'exit-code';
  corr: number | null;
  sum_ratio: number | null;
  max_abs: number | null;
  rmse: number | null;
  identical: boolean | null;
  /** the thresholds judged against (null for sha256 / exit-code) */
  thresholds: {corr_min: number; sum_ratio_min: number; sum_ratio_max: number; max_abs_max: number | null; rmse_max: number | null} | null;
  /** the failed thresholds or the reason, one line; null on a pass */
  detail: string | null;
  /** the image evidence's sub-bundle, relative to the campaign bundle (null when none was kept) */
  bundle: string | null;
}

export interface PixelRow {
  slow: number;
  fast: number;
  mode: PhiMode;
  /** explained: spec mode diverges from C only through C-PARITY-001 (no oracle trace to judge by) */
  verdict: 'pass' | 'divergence' | 'explained' | 'error';
  /** the trace that judged the verdict */
  reference: 'c' | 'specref';
  first_divergence: string | null;
  /** the known C behaviour(s) behind a difference from C's trace (C-PARITY-001 ...), or null */
  attribution: string | null;
  reason: string | null;
  bundle: string | null;
}

export interface MatrixRow {
  index: number;
  case: string;
  run: string;
  mode: PhiMode;
  status: RowStatus;
  reason?: string;
  /** the exit code the failure would have as a command of its own (7: an external program failed) */
  exit_code?: number;
  image?: ImageRow;
  pixels: PixelRow[];
  /** the case run's part of the bundle, relative */
  bundle: string;
  /** timing field: wall seconds of the row */
  seconds: number;
}

export interface MatrixMetrics {
  schema_version: 1;
  kind: 'matrix';
  generator: {name: string; version: string};
  /** timing field */
  generated_utc: string;
  /** the case sources as given (default: traces) */
  sources: string[];
  phi_modes: PhiMode[];
  implementation: {kind: 'engine' | 'external'; template: string | null};
  c_bin: string | null;
  only: string | null;
  tolerance: number;
  /** rows of the whole campaign (every shard); equal to totals.rows once every shard is in */
  planned_rows: number;
  /** this bundle's folder below the campaign's bundle (a case run's part); absent at the top */
  root?: string;
  rows: MatrixRow[];
  totals: {rows: number; passed: number; failed: number; errors: number};
  /** timing fields */
  timing: {wall_seconds: number; cpu_seconds: number};
  warnings: string[];
}

/** The fields that differ between two runs of the same campaign (everything else is equal). */
export const TIMING_FIELDS = ['generated_utc', 'timing', 'seconds'] as const;
