/**
 * Recognising C-OPENMP-FIRSTPRIVATE in an image comparison: nanoBragg run with N OpenMP
 * threads differs from its one-thread run (or from nbparity without --c-threads) only at the
 * first pixel of each thread block that runs a phi loop, because that thread starts from the
 * unrotated cell where one thread would carry the previous pixel's last phi step
 * (src/engine/threads.ts has the schedule).
 *
 * Given two images, N explains the differing pixels when each is the first pixel of a thread
 * block (not the first block) that runs a phi loop, with a pixel before that block that runs
 * one too (else one thread starts it from the unrotated cell as well). N explains them exactly
 * when every such block start differs; a block start can also come out the same by accident
 * (its value rounds to the same float), so the others still explain them, less tightly.
 * Which pixels run a phi loop is known exactly when the nanoBragg arguments are
 * (`runsPhiLoop`); from the images alone, a pixel that is zero in both is taken not to (outside
 * the ROI, masked, or every source below -dmin all give 0; a rendered pixel that ran a phi loop
 * is zero only by accident).
 */
import {threadBlocks} from '../engine/threads.js';
import type {Pixels} from './metrics.js';

export const OPENMP_BEHAVIOUR = 'C-OPENMP-FIRSTPRIVATE';

export interface ThreadBlockExplanation {
  behaviour: typeof OPENMP_BEHAVIOUR;
  /** the differing pixels, raster order */
  pixels: Array<{slow: number; fast: number}>;
  /** every thread count that explains them, smallest first (counts above the row count act as the row count) */
  threads: number[];
  /** those that explain them exactly: every block start that would differ does */
  exact: number[];
}

export interface ThreadBlockOptions {
  /** does pixel (slow, fast) run a phi loop? (default: it is not zero in both images) */
  runsPhiLoop?: (slow: number, fast: number) => boolean;
}

/** The thread counts whose block starts explain every differing pixel; null when nothing differs or no count does. */
export function explainByThreadBlocks(ref: Pixels, test: Pixels, width: number, height: number, options: ThreadBlockOptions = {}): ThreadBlockExplanation | null {
  const total = width * height;
  const differing: number[] = [];
  for (let i = 0; i < total; i++) {
    if (Object.is(ref[i], test[i])) continue;
    differing.push(i);
    // each thread block holds at most one
    if (differing.length > height) return null;
  }
  if (differing.length === 0) return null;
  const runs = options.runsPhiLoop ?? ((s: number, f: number) => ref[s * width + f] !== 0 || test[s * width + f] !== 0);
  // nextRun[s]: the first pixel at or after row s that runs a phi loop (total: none)
  const nextRun = new Float64Array(height + 1).fill(total);
  for (let s = height - 1; s >= 0; s--) {
    nextRun[s] = nextRun[s + 1];
    for (let f = 0; f < width; f++) {
      if (!runs(s, f)) continue;
      nextRun[s] = s * width + f;
      break;
    }
  }
  const threads: number[] = [];
  const exact: number[] = [];
  for (let n = 2; n <= height; n++) {
    // the block starts where a thread's fresh cell differs from one thread's carried cell
    const starts: number[] = [];
    for (const [start, end] of threadBlocks(height, n).slice(1)) {
      const first = nextRun[start];
      if (first < end * width && nextRun[0] < start * width) starts.push(first);
    }
    // both ascending: is every differing pixel one of the starts?
    let k = 0;
    const explained = differing.every((p) => {
      while (k < starts.length && starts[k] < p) k++;
      return starts[k] === p;
    });
    if (!explained) continue;
    threads.push(n);
    if (starts.length === differing.length) exact.push(n);
  }
  if (threads.length === 0) return null;
  return {behaviour: OPENMP_BEHAVIOUR, pixels: differing.map((p) => ({slow: Math.floor(p / width), fast: p % width})), threads, exact};
}
