/** `simulate`: set up, render on workers, then write C's output files and print its summary. */
import {resolve} from 'node:path';
import {UsageError, UserError} from '../engine/errors.js';
import {fdumpPieces} from '../engine/hkl.js';
import {produceOutputs, rowsOutsideRoi, ThreadedStats, type RenderOutputs, type SmvHeaderParams} from '../engine/output.js';
import {WorkerPool} from '../engine/pool.js';
import {defaultWorkers, renderFrame, workersFor} from '../engine/render.js';
import {renderedPixels} from '../engine/detector.js';
import {seedRef} from '../engine/rng.js';
import {defaultMaxMemoryBytes} from '../engine/footprint.js';
import {FDUMP_NAME, leastEvaluations, parseWithHeaders, preflight, setupFromSettings, type PhiMode, type Simulation} from '../engine/setup.js';
import {threadBlocks, threadRaceWarning} from '../engine/threads.js';
import {NANOBRAGG_USAGE} from '../engine/usage.js';
import {formatG} from '../util/cformat.js';
import {FileWriteError, StagingBatch, type ZeroRanges} from '../io/atomic.js';
import type {SmvHeaderLayout} from '../io/smv.js';
import {EXIT} from '../util/exit-codes.js';
import {encodeFloatImage} from '../io/floatimage.js';
import {printFailure, warn as printWarning} from './common.js';
import {nanoBraggInputs, refuseOverwritingInputs} from './inputs-outputs.js';
import type {FlagValues} from './flags.js';
import {ProgressBar} from './progress.js';
import {maxMemoryOf} from './limits.js';

export interface SimulateOptions {
  argv: string[];
  phiMode: PhiMode;
  workers?: number;
  /** reproduce the C program run with OMP_NUM_THREADS=cThreads (default 1) */
  cThreads?: number;
  json?: boolean;
  cwd?: string;
  print?: (line: string) => void;
  /** nbparity's own warnings (default: `nbparity: warning: ...` on stderr) */
  warn?: (message: string) => void;
  /** render workers the caller started already (runSimulate closes them) */
  pool?: WorkerPool;
  /** SMV headers longer than 512 bytes: as C writes them (default) or valid */
  smvHeader?: SmvHeaderLayout;
  /** refuse (exit 10) a run estimated over this many bytes (default: half the machine memory) */
  maxMemoryBytes?: number;
}

export function headerParams(sim: Simulation): SmvHeaderParams {
  const d = sim.detector;
  return {
    fpixels: d.fpixels,
    spixels: d.spixels,
    pixelSizeM: d.pixelSizeM,
    distanceM: d.distanceM,
    lambdaM: sim.settings.lambda0M,
    xbeamM: d.XbeamM,
    ybeamM: d.YbeamM,
    fbeamM: d.FbeamM,
    sbeamM: d.SbeamM,
    detsizeSM: d.detsizeSM,
    dialsOriginMm: d.dialsOriginMm,
    orgxPx: d.ORGX,
    orgyPx: d.ORGY,
    closeDistanceM: d.closeDistanceM,
    phi0Rad: sim.phi0Rad,
    oscRad: sim.oscRad,
    twothetaRad: d.twothetaRad,
  };
}

/** The command: its parsed flags and the nanoBragg arguments. Returns the exit code (0, or 9 for C's usage refusal); throws UserError on bad input. */
export async function simulateCommand(flags: FlagValues, passthrough: string[]): Promise<number> {
  const code = await runSimulate({
    argv: passthrough,
    phiMode: flags['phi-mode'] as PhiMode,
    workers: flags.workers as number | undefined,
    cThreads: flags['c-threads'] as number | undefined,
    json: flags.json === true,
    smvHeader: (flags['smv-header'] as SmvHeaderLayout | undefined) ?? 'c',
    maxMemoryBytes: await maxMemoryOf(flags),
  });
  if (code !== 0) printFailure('no structure factors or no unit cell (see usage above)');
  return code;
}

export async function runSimulate(o: SimulateOptions): Promise<number> {
  const pool = o.pool ?? new WorkerPool();
  try {
    return await simulate(o, pool);
  } finally {
    await pool.close();
  }
}

/** Rendering threads: all cores the frame keeps busy, or at most `--workers`. */
function threadsOf(o: SimulateOptions, sim: Simulation): number {
  const evaluations = renderedPixels(sim.detector) * sim.steps;
  return o.workers === undefined ? defaultWorkers(evaluations) : workersFor(evaluations, o.workers);
}

async function simulate(o: SimulateOptions, pool: WorkerPool): Promise<number> {
  const cwd = o.cwd ?? process.cwd();
  const print = o.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const warn = o.warn ?? printWarning;
  const nowSeconds = Math.floor(Date.now() / 1000);
  let sim: Simulation;
  try {
    const settings = parseWithHeaders(o.argv, cwd, nowSeconds);
    // workers start loading now, while this thread reads the inputs (never more than it will use)
    const least = leastEvaluations(settings);
    const early = o.workers === undefined ? defaultWorkers(least) : workersFor(least, o.workers);
    const maxMemoryBytes = o.maxMemoryBytes ?? defaultMaxMemoryBytes();
    preflight(settings, {workers: early, frame: true, maxMemoryBytes});
    if (early > 1) pool.grow(early - 1); // this thread renders too
    sim = setupFromSettings(settings, {phiMode: o.phiMode, cwd, nowSeconds});
    // the structure factors are known now: each rendering thread gets a copy of the grid
    preflight(settings, {workers: threadsOf(o, sim), frame: true, maxMemoryBytes, hklGridValues: sim.hkl?.F.length});
  } catch (e) {
    if (e instanceof UsageError) {
      for (const line of NANOBRAGG_USAGE.trimEnd().split('\n')) print(line);
      return e.exitCode;
    }
    throw e;
  }
  const s = sim.settings;
  refuseOverwritingInputs(
    [
      ['-floatfile', s.floatFile],
      ['-intfile', s.intFile],
      ...(s.writePgm ? [['-pgmfile', s.pgmFile]] : []),
      ...(s.calculateNoise ? [['-noisefile', s.noiseFile]] : []),
    ].map(([flag, path]) => ({flag, path, cwd})),
    nanoBraggInputs(s, cwd),
  );
  const say = o.json ? () => undefined : print;
  const cThreads = o.cThreads ?? 1;
  for (const w of sim.warnings) warn(w);
  const race = threadRaceWarning(sim.interpolate, cThreads);
  if (race) warn(race);
  for (const note of sim.notes) say(note);
  if (sim.hklSource === 'fdump') say(`reading Fs from ${FDUMP_NAME}`);
  // Every file of the run, Fdump.bin included, is staged and renamed only once all are
  // written: a run that fails anywhere (a bad input, an unwritable last output) leaves the
  // files of an earlier run exactly as they were. Files are staged as soon as their bytes are
  // known, the float image row by row as the render finishes them. `flagOf` names the culprit.
  const batch = new StagingBatch();
  const flagOf = new Map<string, string>(
    [
      [FDUMP_NAME, `${FDUMP_NAME} (the -hkl cache)`],
      [s.noiseFile, '-noisefile'],
      [s.pgmFile, '-pgmfile'],
      [s.intFile, '-intfile'],
      [s.floatFile, '-floatfile'],
    ].map(([name, flag]) => [resolve(cwd, name), flag]),
  );
  const stage = (name: string, data: Uint8Array | readonly Uint8Array[], zeros: ZeroRanges = []) => batch.stage(resolve(cwd, name), data, zeros);
  const d = sim.detector;
  let outputs: RenderOutputs;
  let workers: number;
  let solidAngleSr: number;
  try {
    if (sim.hklSource === 'hkl' && sim.hkl) {
      // like C: cache the grid for the next run without -hkl (C writes it here, before rendering)
      stage(FDUMP_NAME, fdumpPieces(sim.hkl));
      say(`writing dump file for next time: ${FDUMP_NAME}`);
    }
    const floatFile = batch.stream(resolve(cwd, s.floatFile));
    const stats = new ThreadedStats(threadBlocks(d.spixels, cThreads));
    const layout = {fpixels: d.fpixels, spixels: d.spixels, roi: d.roi, mask: s.mask, oversample: sim.oversample, pixelSizeM: d.pixelSizeM};
    const floatZeros = rowsOutsideRoi(d.roi, d.fpixels, d.spixels, 4);
    const onFinalRows = (rowStart: number, rowEnd: number, image: Float32Array) => {
      stats.addRows(image, layout, [rowStart, rowEnd]);
      floatFile.write(encodeFloatImage(image.subarray(rowStart * d.fpixels, rowEnd * d.fpixels)), rowStart * d.fpixels * 4, floatZeros);
    };
    workers = threadsOf(o, sim);
    const bar = s.progress && process.stderr.isTTY && !o.json ? new ProgressBar(process.stderr) : undefined;
    const frame = await renderFrame({argv: o.argv, cwd, phiMode: o.phiMode, nowSeconds}, sim, {workers, pool, cThreads, onFinalRows, onProgress: bar ? (done, rows) => bar.update(done, rows) : undefined});
    floatFile.end();
    // one turn of the event loop hands the float image's last writes and fsync to the I/O
    // threads, where they overlap the int image's computation below
    await new Promise(setImmediate);
    bar?.done();
    if (frame.interpolationExit) {
      const x = frame.interpolationExit;
      say(`WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: ${formatG(x.h)},${formatG(x.k)},${formatG(x.l)},${x.h0},${x.k0},${x.l0} `);
      say('WARNING: further warnings will not be printed! ');
    }
    solidAngleSr = frame.omegaSum / sim.steps;
    say(`solid angle subtended by detector = ${formatG(solidAngleSr)} steradian ( ${formatG((100 * frame.omegaSum) / sim.steps / 4 / Math.PI)}% sphere)`);
    outputs = produceOutputs(frame.image, stats.total(), headerParams(sim), {
      roi: d.roi,
      intfileScale: s.intfileScale,
      pgmScale: s.pgmScale,
      adcOffset: s.adcOffset,
      writePgm: s.writePgm,
      noise: s.calculateNoise ? {rng: sim.rng, seed: seedRef(s.seed)} : undefined,
      fileNames: {float: s.floatFile, int: s.intFile, pgm: s.pgmFile, noise: s.noiseFile},
      smvHeader: o.smvHeader,
    });
    let floatStep = true; // the first file, staged already, row by row
    for (const step of outputs.steps) {
      if (step.kind === 'line') say(step.text);
      else if (floatStep) floatStep = false;
      else stage(step.name, step.bytes, step.zeros);
    }
  } catch (e) {
    await batch.discard();
    throw e;
  }
  try {
    await batch.commit();
  } catch (e) {
    if (e instanceof FileWriteError) {
      const flag = flagOf.get(e.path);
      throw new UserError(`${flag ? `${flag} ` : ''}${e.message}`, EXIT.CANNOT_WRITE);
    }
    throw e;
  }
  if (o.json) {
    const sm = outputs.summary;
    print(
      JSON.stringify({
        phi_mode: o.phiMode,
        workers,
        c_threads: cThreads,
        fpixels: d.fpixels,
        spixels: d.spixels,
        steps: sim.steps,
        solid_angle_sr: solidAngleSr,
        max_I: sm.maxI,
        max_I_x_m: sm.maxIxM,
        max_I_y_m: sm.maxIyM,
        mean: sm.mean,
        rms: sm.rms,
        rmsd: sm.rmsd,
        intfile_scale: outputs.intfileScale,
        pgm_scale: outputs.pgmScale ?? null,
        noise_photons: outputs.noise?.photons ?? null,
        noise_overloads: outputs.noise?.overloads ?? null,
        seed: s.calculateNoise ? -s.seed : null,
        files: outputs.files.map((f) => f.name),
        notes: sim.notes,
      }),
    );
  }
  return 0;
}
