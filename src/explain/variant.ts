/** One engine run that stands for "what the test program computed" under some hypotheses. */
import type {PhiMode} from '../engine/setup.js';

export interface Variant {
  argv: string[];
  spixel: number;
  fpixel: number;
  phiMode: PhiMode;
  /** the C OpenMP thread count whose thread-start state the pixel sees */
  cThreads: number;
  /** how the test's numbers are judged: exactly (float64) or at float32's reachable tolerance */
  precision: 'float64' | 'float32';
  /** hypothesis ids applied, in order */
  ids: string[];
  /** what each applied hypothesis changed, in words (e.g. "-distance ×1000") */
  details: string[];
}

/** What makes two variants the same engine run (precision only changes the judging). */
export function runKey(v: Variant): string {
  return JSON.stringify([v.argv, v.spixel, v.fpixel, v.phiMode, v.cThreads]);
}
