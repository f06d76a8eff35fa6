/**
 * How nanoBragg.c shares its pixel loop among OpenMP threads (`OMP_NUM_THREADS=N`).
 *
 * The loop over slow rows is `#pragma omp parallel for schedule(auto)`. GCC maps `auto` to
 * `static` without a chunk size and expands it inline (the reference binary calls
 * omp_get_num_threads and omp_get_thread_num, then divides): with q = floor(rows / N) and
 * r = rows mod N, thread t takes the contiguous rows starting at t*q + min(t, r), q + 1 of them
 * if t < r, else q. A thread with no rows does not render.
 *
 * Each thread starts from the `firstprivate` copies of the run state the loop had before it
 * began, so in c-parity mode every thread block starts from the run's initial carry-over state
 * (C-OPENMP-FIRSTPRIVATE in schemas/c-behaviours.json).
 *
 * What threads share is a race, and no thread count reproduces it (C-OPENMP-RACES): tricubic
 * interpolation (all threads fill one 4x4x4 scratch array through a firstprivate pointer, and
 * one flag switches interpolation off for all of them), and the max_I statistic. Its sums are
 * OpenMP reductions, per thread then added up in the order the threads finish.
 */

/** Row ranges [start, end) of the threads that get rows, in thread order. */
export function threadBlocks(rows: number, threads: number): Array<[number, number]> {
  if (!(Number.isInteger(threads) && threads >= 1)) throw new RangeError(`thread count must be a positive integer, got ${threads}`);
  const q = Math.floor(rows / threads);
  const r = rows % threads;
  const out: Array<[number, number]> = [];
  // threads beyond the row count get no rows (q = 0, r = rows)
  for (let t = 0; t < Math.min(threads, rows); t++) {
    const start = t * q + Math.min(t, r);
    out.push([start, start + q + (t < r ? 1 : 0)]);
  }
  return out;
}

/** The first row of the thread block that holds `row` (0 <= row < rows), without listing the blocks. */
export function blockStartRow(rows: number, threads: number, row: number): number {
  if (!(row >= 0 && row < rows)) throw new RangeError(`row ${row} is outside the ${rows} rows`);
  if (threads >= rows) return row;
  const q = Math.floor(rows / threads);
  const r = rows % threads;
  // the first r blocks have q + 1 rows, the others q
  const long = r * (q + 1);
  if (row < long) return row - (row % (q + 1));
  return row - ((row - long) % q);
}

/** Why C's image with `threads` threads cannot be reproduced, if it cannot. */
export function threadRaceWarning(interpolate: boolean, threads: number): string | undefined {
  if (threads <= 1 || !interpolate) return undefined;
  return `with ${threads} C threads, C's tricubic interpolation is a race (its threads share one scratch array and the switch-off flag): its image is not reproducible; interpolation here follows a one-thread run (C-OPENMP-RACES)`;
}
