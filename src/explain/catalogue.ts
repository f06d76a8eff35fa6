/** The hypothesis catalogue (schemas/hypotheses.json), validated against its schema when first loaded. */
import {assertValid} from '../report/validate.js';
import {readSchemaJson} from '../trace/project.js';

export interface UnitFactor {
  factor: number;
  units: string;
}

export interface UnitInput {
  flag: string;
  /** how many numbers after the flag the slip scales (-cell: the three lengths) */
  values: number;
  /** trace keys (`key` or `key.pairName`) proportional to those numbers */
  keys: string[];
}

export type Change =
  | {kind: 'phi-mode'; mode: 'spec' | 'c-parity'}
  | {kind: 'pixel'; swap: boolean; dslow: number; dfast: number}
  | {kind: 'rename-flag'; from: string; to: string; also?: Array<{from: string; to: string}>}
  | {kind: 'pivot'}
  | {kind: 'swap-flags'; a: string; b: string}
  | {kind: 'beam-centre-as-org'}
  | {kind: 'beam-centre-offset'; pixels: number}
  | {kind: 'convention'; flag: '-mosflm' | '-xds' | '-denzo' | '-adxv' | '-dials'}
  | {kind: 'unit-scale'; factors: UnitFactor[]; inputs: UnitInput[]}
  | {kind: 'precision'; dtype: 'float32'}
  | {kind: 'c-threads'};

export interface HypothesisEntry {
  id: string;
  title: string;
  change: Change;
  why: string;
}

let cache: HypothesisEntry[] | undefined;

export function loadHypotheses(): HypothesisEntry[] {
  if (cache) return cache;
  const data = readSchemaJson<{hypotheses: HypothesisEntry[]}>('hypotheses.json');
  assertValid('hypotheses.schema.json', data);
  cache = data.hypotheses;
  return cache;
}
