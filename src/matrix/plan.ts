/** Which case runs a campaign has: its sources in order, --only, and --shard. */
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import type {Case} from '../cases/case.js';
import {loadCaseFolder, loadCases, storedCasesDir} from '../cases/load.js';
import {META_FILE} from '../cases/meta.js';
import {UserError} from '../engine/errors.js';
import {EXIT} from '../util/exit-codes.js';
import {shardOf, type Shard} from './shard.js';
import type {MatrixEntry} from './types.js';

/** The default source: every stored case. */
export const STORED = 'traces';

/** A stored-layout case's spec oracle: the folder `<name>_specref` beside it. */
function oracleOf(c: Case): Case | undefined {
  if (c.list || c.name.endsWith('_specref')) return undefined;
  const dir = join(dirname(dirname(c.origin)), `${c.name}_specref`);
  return existsSync(join(dir, META_FILE)) ? loadCaseFolder(dir) : undefined;
}

/** `--only`: comma-separated patterns (`*` any text) matched against "<case>" and "<case>/<run>". */
export function onlyMatcher(pattern: string | undefined): (caseId: string, run: string) => boolean {
  if (pattern === undefined) return () => true;
  const res = pattern
    .split(',')
    .filter((p) => p !== '')
    .map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`));
  if (res.length === 0) throw new UserError('--only: expected a pattern', EXIT.USAGE);
  return (caseId, run) => res.some((re) => re.test(caseId) || re.test(`${caseId}/${run}`));
}

export interface Plan {
  /** every case run of the campaign (before --shard) */
  all: MatrixEntry[];
  /** those this run does */
  mine: MatrixEntry[];
}

export function planCampaign(sources: readonly string[], only: string | undefined, shard: Shard | undefined): Plan {
  const cases = sources.flatMap((s) => (s === STORED ? loadCases(storedCasesDir()) : loadCases(s)));
  const match = onlyMatcher(only);
  const all: MatrixEntry[] = [];
  const seen = new Set<string>();
  for (const c of cases) {
    const caseId = c.list?.id ?? c.name;
    const run = c.list?.run ?? 'default';
    if (!match(caseId, run)) continue;
    const key = `${caseId}\n${run}`;
    if (seen.has(key)) throw new UserError(`case ${caseId} run ${run} comes from two sources (${c.origin} and another): give each once`, EXIT.USAGE);
    seen.add(key);
    all.push({position: all.length, caseId, run, spec: c, oracle: oracleOf(c)});
  }
  if (all.length === 0) throw new UserError(`no case${only ? ` matches --only ${only}` : ' in the sources'}`, EXIT.USAGE);
  const mine = shard ? all.filter((e) => shardOf(e.caseId, e.run, shard.n) === shard.k) : all;
  return {all, mine};
}
