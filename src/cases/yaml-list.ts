/**
 * A case list in the PyTorch port's format (its tests/parity_cases.yaml):
 *
 *   cases:
 *     - id: AT-PARALLEL-001
 *       description: ...
 *       base_args: "-default_F 100 -cell 100 100 100 90 90 90 ..."   (one string, words split on blanks)
 *       thresholds: {corr_min: 0.9999, sum_ratio_min: 0.9, sum_ratio_max: 1.1, max_abs_max: 500}
 *       runs:
 *         - name: detpixels-64
 *           extra_args: "-detpixels 64 -Xbeam 3.2 -Ybeam 3.2"
 *
 * Every run is one Case (`name` "<id>/<run>", args base_args then extra_args). A list holds no
 * C output, so its cases have no references: a C program must be run for them. Input files the
 * arguments name are read relative to the folder nbparity runs in, as the port's tests run them.
 */
import {parse} from 'yaml';
import {UserError} from '../engine/errors.js';
import {readInputFile} from '../io/input.js';
import {thresholdsFromCase} from '../images/thresholds.js';
import {EXIT} from '../util/exit-codes.js';
import type {Case} from './case.js';

/** A file name that is a case list. */
export function isCaseList(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

function words(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v.split(/\s+/).filter((w) => w !== '');
  if (Array.isArray(v) && v.every((w) => typeof w === 'string' || typeof w === 'number')) return v.map(String);
  throw new UserError(`${where}: expected a string of nanoBragg arguments`, EXIT.BAD_INPUT);
}

function mapping(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${where}: expected a mapping`, EXIT.BAD_INPUT);
  return v as Record<string, unknown>;
}

function text(v: unknown, where: string): string {
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number') return String(v);
  throw new UserError(`${where}: expected a non-empty name`, EXIT.BAD_INPUT);
}

/**
 * A case list is a few KiB (the port's, with every case, ~20 KiB); parsed, YAML takes tens of times
 * its size (a 16 MB list: 1.3 GB, 48 s), so a list is capped far below the other text inputs.
 */
export const CASE_LIST_CAP_BYTES = 2 * 1024 * 1024;

/** The runs of a case list file, in file order; a malformed list is bad input (exit 3) naming the place. */
export function readCaseList(path: string, inputsDir = process.cwd()): Case[] {
  // the one input reader: a regular file (a FIFO or /dev/zero is refused), under the case-list cap
  const source = readInputFile(path, {capBytes: CASE_LIST_CAP_BYTES}).toString('utf8');
  let doc: unknown;
  try {
    // the parser's own alias limit refuses an alias bomb ("billion laughs")
    doc = parse(source);
  } catch (e) {
    // a document nested deeper than the parser's recursion can go
    const message = (e as Error).message;
    const why = e instanceof RangeError || /Maximum call stack/.test(message) ? 'nested too deeply to read' : message.split('\n')[0];
    throw new UserError(`${path}: not YAML (${why})`, EXIT.BAD_INPUT);
  }
  const cases = mapping(doc, path).cases;
  if (!Array.isArray(cases)) throw new UserError(`${path}: expected a 'cases' list`, EXIT.BAD_INPUT);
  const out: Case[] = [];
  const seen = new Set<string>();
  cases.forEach((entry, i) => {
    const c = mapping(entry, `${path}: cases[${i}]`);
    const id = text(c.id, `${path}: cases[${i}].id`);
    const where = `${path}: case ${id}`;
    const base = words(c.base_args, `${where}: base_args`);
    const thresholds = thresholdsFromCase(c.thresholds, where);
    const given = c.thresholds ? mapping(c.thresholds, `${where}: thresholds`) : {};
    const runs = c.runs === undefined ? [{name: 'default'}] : c.runs;
    if (!Array.isArray(runs) || runs.length === 0) throw new UserError(`${where}: expected a non-empty 'runs' list`, EXIT.BAD_INPUT);
    runs.forEach((r, j) => {
      const run = mapping(r, `${where}: runs[${j}]`);
      const name = text(run.name, `${where}: runs[${j}].name`);
      const full = `${id}/${name}`;
      if (seen.has(full)) throw new UserError(`${where}: run '${name}' appears twice`, EXIT.BAD_INPUT);
      seen.add(full);
      out.push({
        name: full,
        list: {id, run: name},
        description: typeof c.description === 'string' ? c.description : undefined,
        origin: path,
        args: [...base, ...words(run.extra_args, `${where}: run ${name}: extra_args`)],
        outputArgs: [],
        inputsDir,
        exitCode: 0,
        ompThreads: 1,
        pixels: [],
        references: {},
        // only the thresholds the list gives: the others keep the comparison's defaults
        thresholds: {
          corrMin: 'corr_min' in given ? thresholds.corr_min : undefined,
          sumRatioMin: 'sum_ratio_min' in given ? thresholds.sum_ratio_min : undefined,
          sumRatioMax: 'sum_ratio_max' in given ? thresholds.sum_ratio_max : undefined,
          maxAbsMax: 'max_abs_max' in given && thresholds.max_abs_max !== null ? thresholds.max_abs_max : undefined,
        },
      });
    });
  });
  return out;
}
