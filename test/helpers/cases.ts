import {readFileSync} from 'node:fs';

import {loadStoredCase} from '../../src/cases/load.js';
import {outputFileNames} from '../../src/cases/meta.js';
import type {Roi} from '../../src/engine/output.js';

/** What a trace case tells about its output stage: sizes, ROI, oversampling, options and C's printed lines. */
export interface CaseInfo {
  name: string;
  args: string[];
  fpixels: number;
  spixels: number;
  roi: Roi;
  oversample: number;
  pixelSizeM: number;
  /** -scale, -pgmscale, -adc as C would parse them (0 = automatic). */
  intfileScale: number;
  pgmScale: number;
  adcOffset: number;
  /** C's `seed` after argument parsing, when -seed was given. */
  seed?: number;
  /** The output file names appended to the arguments. */
  files: {float: string; int: string; pgm: string; noise: string};
  stdout: string[];
  floatPath?: string;
}

function argAfter(args: string[], flag: string): string | undefined {
  const i = args.lastIndexOf(flag);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined;
}

export function loadCase(name: string): CaseInfo {
  const c = loadStoredCase(name);
  if (!c.frame || !c.references.stdout) throw new Error(`${name}: meta.json gives no frame size, or stdout.log is missing`);
  const stdout = readFileSync(c.references.stdout, 'utf8').split('\n');
  const over = stdout.map((l) => /^\s*(\d+)x\1 pixel oversample steps/.exec(l)).find((m) => m);
  const roiLine = stdout.map((l) => /^\s*roi: (-?\d+) < x < (-?\d+) && (-?\d+) < y < (-?\d+)/.exec(l)).find((m) => m);
  if (!over || !roiLine) throw new Error(`${name}: stdout.log lacks the oversample or roi line`);
  const pixel = argAfter(c.args, '-pixel');
  const seed = argAfter(c.args, '-seed');
  return {
    name,
    args: c.args,
    fpixels: c.frame.fpixels,
    spixels: c.frame.spixels,
    roi: {xmin: Number(roiLine[1]), xmax: Number(roiLine[2]), ymin: Number(roiLine[3]), ymax: Number(roiLine[4])},
    oversample: Number(over[1]),
    // C: pixel_size = atof(value)/1000.0, default 0.1e-3
    pixelSizeM: pixel === undefined ? 0.1e-3 : Number(pixel) / 1000.0,
    intfileScale: Number(argAfter(c.args, '-scale') ?? 0),
    pgmScale: Number(argAfter(c.args, '-pgmscale') ?? 0),
    adcOffset: Number(argAfter(c.args, '-adc') ?? 40),
    seed: seed === undefined ? undefined : -Number.parseInt(seed, 10),
    files: outputFileNames(c.outputArgs),
    stdout,
    floatPath: c.references.float,
  };
}

/** Cases whose C run produced an image (a float.bin or float.bin.gz). */
export function imageCaseNames(all: string[]): string[] {
  return all.filter((n) => loadStoredCase(n).references.float !== undefined);
}
