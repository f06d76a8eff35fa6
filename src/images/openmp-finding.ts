/**
 * compare-images' report of C-OPENMP-FIRSTPRIVATE: the image analysis of openmp.ts and, when
 * the nanoBragg arguments are known, its confirmation: our c-parity render with --c-threads N
 * equals one of the two float images byte for byte.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {readInputFile} from '../io/input.js';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {decodeFloatImage} from '../io/floatimage.js';
import {loadBehaviours} from '../trace/catalogue.js';
import type {Pixels} from './metrics.js';
import {explainByThreadBlocks, OPENMP_BEHAVIOUR} from './openmp.js';
import {rewriteArgs} from '../impl/rewrite-args.js';
import {runOurs} from './runner.js';

/** The nanoBragg arguments behind the images, input files relative to `cwd`. */
export interface KnownArgs {
  argv: string[];
  cwd: string;
  workers?: number;
}

export interface ThreadFinding {
  id: string;
  title: string;
  explanation: string;
  /** the differing pixels, raster order */
  differing_pixels: Array<{slow: number; fast: number}>;
  /** the thread counts that explain them exactly (every block start that would differ does) */
  threads_exact: number[];
  /** the smallest thread counts that explain them */
  threads: number[];
  /** how many thread counts explain them (up to the row count) */
  threads_total: number;
  /** the thread count whose --c-threads render equals an image byte for byte; null if none tried did */
  reproduced_by: number | null;
  /** the image it reproduced */
  reproduced_image: 'ref' | 'test' | null;
  /** thread counts rendered to confirm, smallest first */
  tried: number[];
  confirm_command: string;
}

/** thread counts listed in the report */
const LISTED = 20;
/** renders spent on confirming, smallest thread count first */
const RENDERS = 3;

const identical = (a: Pixels, b: Float32Array): boolean => a.length === b.length && b.every((v, i) => Object.is(v, a[i]));

/** What explains the two images' differences as C OpenMP thread blocks; null when nothing does. */
export async function threadFinding(ref: Pixels, test: Pixels, width: number, height: number, known?: KnownArgs): Promise<ThreadFinding | null> {
  const found = explainByThreadBlocks(ref, test, width, height);
  if (!found) return null;
  const behaviour = loadBehaviours().behaviours.find((b) => b.id === OPENMP_BEHAVIOUR)!;
  const finding: ThreadFinding = {
    id: behaviour.id,
    title: behaviour.title,
    explanation: '',
    differing_pixels: found.pixels,
    threads_exact: found.exact,
    threads: found.threads.slice(0, LISTED),
    threads_total: found.threads.length,
    reproduced_by: null,
    reproduced_image: null,
    tried: [],
    confirm_command: '',
  };
  // the exact explanations first, then the others, smallest first
  const order = [...found.exact, ...found.threads.filter((n) => !found.exact.includes(n))];
  const command = (n: number) => `nbparity simulate --phi-mode c-parity --c-threads ${n} -- ${known ? known.argv.join(' ') : '<the nanoBragg arguments>'}`;
  finding.confirm_command = command(order[0]);
  // only float images can be equal byte for byte to a float render
  const floats = ref instanceof Float32Array || test instanceof Float32Array;
  if (known && floats) {
    for (const n of order.slice(0, RENDERS)) {
      finding.tried.push(n);
      const image = await renderWithThreads(known, n, width, height);
      if (!image) break;
      const side = identical(ref, image) ? 'ref' : identical(test, image) ? 'test' : null;
      if (side) {
        finding.reproduced_by = n;
        finding.reproduced_image = side;
        finding.confirm_command = command(n);
        break;
      }
    }
  }
  const pixels = found.pixels.map((p) => `(slow ${p.slow}, fast ${p.fast})`).join(', ');
  const list = (ns: number[]) => `${ns.slice(0, LISTED).join(', ')}${ns.length > LISTED ? `, ... (${ns.length} in all)` : ''}`;
  const others = found.threads.filter((n) => !found.exact.includes(n));
  const counts =
    found.exact.length > 0
      ? `exactly for ${list(found.exact)} threads (every block start differs)${others.length > 0 ? `, also consistent with ${list(others)}` : ''}`
      : `for ${list(found.threads)} threads (some of their block starts do not differ)`;
  const verdict =
    finding.reproduced_by !== null
      ? `reproduced exactly by --c-threads ${finding.reproduced_by} (the ${finding.reproduced_image} image, byte for byte)`
      : finding.tried.length > 0
        ? `not reproduced by --c-threads ${finding.tried.join(', ')}`
        : `confirm with: ${finding.confirm_command}`;
  finding.explanation = `${behaviour.id}: the only differing pixels, ${pixels}, are first pixels of C OpenMP thread blocks that run a phi loop, ${counts}; ${verdict}.`;
  return finding;
}

/** Our c-parity float image of the arguments with --c-threads `threads`, or undefined if the engine refuses them. */
async function renderWithThreads(known: KnownArgs, threads: number, width: number, height: number): Promise<Float32Array | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'nbparity-threads-'));
  try {
    const args = rewriteArgs(known.argv, known.cwd, dir);
    const run = await runOurs(args.argv, dir, {phiMode: 'c-parity', workers: known.workers, cThreads: threads});
    if (!run.ok) return undefined;
    const bytes = readInputFile(args.floatPath, {kind: 'binary'});
    return bytes.length === 4 * width * height ? decodeFloatImage(bytes, width, height, args.floatPath) : undefined;
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}
