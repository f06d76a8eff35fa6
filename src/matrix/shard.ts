/**
 * `--shard K/N`: which rows of a campaign one machine runs. A case run belongs to shard
 * 1 + (first 32 bits of sha256("<case>\n<run>") mod N): it depends on the case's id and the
 * run's name alone, never on its place in the list, so adding or removing a case elsewhere moves
 * no other run to another shard. Every phi mode of a case run goes to the same shard (they share
 * its part of the bundle and, for a case list, its C run).
 */
import {createHash} from 'node:crypto';
import {UserError} from '../engine/errors.js';
import {EXIT} from '../util/exit-codes.js';

export interface Shard {
  /** 1-based */
  k: number;
  n: number;
}

/** "K/N" with 1 <= K <= N; a usage error otherwise. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!(n >= 1 && k >= 1 && k <= n)) throw new UserError(`--shard: expected K/N with 1 <= K <= N (e.g. 2/3), got ${JSON.stringify(text)}`, EXIT.USAGE);
  return {k, n};
}

/** The shard (1..n) of a case run. */
export function shardOf(caseId: string, run: string, n: number): number {
  const h = createHash('sha256').update(`${caseId}\n${run}`).digest();
  return 1 + (h.readUInt32BE(0) % n);
}
