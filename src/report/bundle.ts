/**
 * Evidence bundles: one timestamped folder per harness run,
 *
 *   ROOT/<UTC yyyymmddTHHMMSSZ>/
 *     <the files given, e.g. trace.log>
 *     reference/<basename>      copy of the reference trace (when one is given)
 *     summary.md, metrics.json  its comparison (when a reference is given)
 *     commands.txt              the exact command lines, one per line
 *     env.json                  Node version, platform, package version, git commit, mode, tolerance…
 *     sha256.txt                `<hex>  <relative path>` for every other file, sorted (sha256sum -c)
 *
 * The folder is built under ROOT/.tmp-… and renamed into place, so a failed step leaves nothing
 * behind (ROOT, and any parent folder this call had to create, are removed again). Two bundles
 * within the same UTC second get distinct names deterministically: the first takes
 * `<stamp>`, the next `<stamp>-2`, then `<stamp>-3`, … (the first free name at rename time;
 * rename never replaces a non-empty folder, so concurrent writers cannot overwrite each other).
 */
import {execFileSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import {mkdir, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import {basename, dirname, isAbsolute, join, normalize, relative, sep} from 'node:path';

import {UserError} from '../engine/errors.js';
import {FileWriteError, makeFolders, removeFolders, writeFileAtomic} from '../io/atomic.js';
import {compareTraceInputs, exitCodeOf, readTraceInput, type TraceComparison, type TraceInput} from '../trace/compare.js';
import {packageInfo, projectRoot} from '../trace/project.js';
import {buildMetrics, metricsText, validateMetrics} from './metrics.js';
import {renderSummary} from './summary.js';

export const MANIFEST = 'sha256.txt';
export const COMMANDS = 'commands.txt';
export const ENV = 'env.json';
export const SUMMARY = 'summary.md';
export const METRICS = 'metrics.json';
export const REFERENCE_DIR = 'reference';
const RESERVED = new Set([MANIFEST, COMMANDS, ENV, SUMMARY, METRICS]);

/** A bundle that cannot be written or read as one (exit 2); a UserError, so printed as one line. */
export class BundleError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'BundleError';
  }
}

export interface BundleEnvInput {
  /** phi mode of the run: "spec" or "c-parity" */
  mode: string;
  /** relative tolerance used for the comparison */
  tolerance: number;
  /** absolute tolerance (null/absent: the catalogue's per-key floors) */
  atol?: number | null;
  /** anything else worth recording (config, pixel, …) */
  [key: string]: unknown;
}

export interface WriteBundleOptions {
  /** folder that receives the timestamped bundle (created if missing) */
  root: string;
  /** relative path -> content; e.g. {'trace.log': harnessOutput} */
  files: Record<string, string | Buffer>;
  /** the exact command lines of the run, first the harness command */
  commands: string[];
  env: BundleEnvInput;
  /** path of a reference trace (C) to copy into reference/ and compare against */
  reference?: string;
  /** which entry of `files` is the test trace (default: the only entry, else `trace.log`) */
  trace?: string;
  /** harness command line for the confirm command of an attribution (default commands[0]) */
  harnessCommand?: string;
  /** clock, for tests */
  now?: Date;
}

export interface BundleResult {
  /** absolute path of the final folder */
  dir: string;
  /** its name (the timestamp, possibly with -N) */
  name: string;
  /** every file in it, relative, sorted */
  files: string[];
  comparison: TraceComparison | null;
  /** 0: no comparison or within tolerance; 1: divergence */
  exitCode: 0 | 1;
}

/** `yyyymmddTHHMMSSZ` in UTC. */
export function bundleTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** The n-th name for a stamp: n=1 -> stamp, n>=2 -> stamp-n. */
export function bundleName(stamp: string, n: number): string {
  return n <= 1 ? stamp : `${stamp}-${n}`;
}

function checkRelative(name: string): string {
  if (name === '' || isAbsolute(name) || /[\n\r\\]/.test(name)) throw new BundleError(`bad bundle file name: ${JSON.stringify(name)}`);
  const norm = normalize(name).split(sep).join('/');
  if (norm.startsWith('../') || norm === '..' || norm === '.' || norm.split('/').some((p) => p.startsWith('.tmp-'))) {
    throw new BundleError(`bad bundle file name: ${JSON.stringify(name)}`);
  }
  return norm;
}

export interface GitInfo {
  commit: string | null;
  dirty: boolean | null;
}

/** Commit and dirty flag of the nbparity checkout (read-only git calls; null outside a repository). */
export function gitInfo(cwd: string = projectRoot()): GitInfo {
  const run = (args: string[]) =>
    execFileSync('git', args, {
      cwd,
      env: {...process.env, GIT_OPTIONAL_LOCKS: '0'},
      stdio: ['ignore', 'pipe', 'ignore'],
      encoding: 'utf8',
    }).trim();
  try {
    const commit = run(['rev-parse', 'HEAD']);
    let dirty: boolean | null = null;
    try {
      dirty = run(['status', '--porcelain', '--untracked-files=no']) !== '';
    } catch {
      dirty = null;
    }
    return {commit, dirty};
  } catch {
    return {commit: null, dirty: null};
  }
}

export interface BundleEnv {
  bundle_format: 1;
  created_utc: string;
  updated_utc?: string;
  node_version: string;
  platform: string;
  arch: string;
  package_name: string;
  package_version: string;
  git_commit: string | null;
  git_dirty: boolean | null;
  mode: string;
  tolerance: number;
  atol: number | null;
  trace_file: string | null;
  reference_file: string | null;
  reference_source: string | null;
  verdict: 'pass' | 'divergence' | null;
  first_divergence: string | null;
  [key: string]: unknown;
}

function systemEnv(): Pick<BundleEnv, 'node_version' | 'platform' | 'arch' | 'package_name' | 'package_version' | 'git_commit' | 'git_dirty'> {
  const pkg = packageInfo();
  const git = gitInfo();
  return {
    node_version: process.version,
    platform: process.platform,
    arch: process.arch,
    package_name: pkg.name,
    package_version: pkg.version,
    git_commit: git.commit,
    git_dirty: git.dirty,
  };
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every file under dir (recursive), relative with `/`, sorted bytewise; skips nothing. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, {withFileTypes: true})) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** sha256.txt content over every file of dir except sha256.txt itself. */
export async function manifestText(dir: string): Promise<string> {
  const files = (await listFiles(dir)).filter((f) => f !== MANIFEST);
  const lines: string[] = [];
  for (const f of files) lines.push(`${sha256Hex(await readFile(join(dir, f)))}  ${f}`);
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}

function commandsText(commands: string[]): string {
  return commands.map((c) => c.replace(/[\r\n]+/g, ' ')).join('\n') + '\n';
}

function compareInBundle(trace: TraceInput, reference: TraceInput, env: {tolerance: number; atol: number | null}, harnessCommand?: string) {
  return compareTraceInputs(reference, trace, {rtol: env.tolerance, atol: env.atol, harnessCommand});
}

/**
 * Writes a bundle (see the module comment). Throws BundleError / TraceInputError (exit 2) on bad
 * input, leaving nothing behind. A divergence is not an error: the bundle is written and
 * exitCode is 1.
 */
export async function writeBundle(options: WriteBundleOptions): Promise<BundleResult> {
  const now = options.now ?? new Date();
  const {env} = options;
  if (typeof env?.mode !== 'string' || env.mode === '') throw new BundleError('env.mode is required');
  if (typeof env.tolerance !== 'number' || !(env.tolerance >= 0) || !Number.isFinite(env.tolerance)) {
    throw new BundleError('env.tolerance must be a finite number >= 0');
  }
  const atol = env.atol ?? null;
  if (!Array.isArray(options.commands) || options.commands.length === 0) throw new BundleError('commands must list at least one command line');

  const files = new Map<string, string | Buffer>();
  for (const [name, content] of Object.entries(options.files ?? {})) {
    const rel = checkRelative(name);
    if (RESERVED.has(rel) || rel.startsWith(`${REFERENCE_DIR}/`)) throw new BundleError(`${rel} is written by the bundle itself`);
    files.set(rel, content);
  }
  if (files.size === 0) throw new BundleError('a bundle needs at least one file (the trace)');

  let comparison: TraceComparison | null = null;
  let referenceFile: string | null = null;
  let referenceContent: Buffer | null = null;
  let traceFile: string | null = null;
  if (options.trace !== undefined) traceFile = checkRelative(options.trace);
  else if (files.size === 1) traceFile = [...files.keys()][0];
  else if (files.has('trace.log')) traceFile = 'trace.log';
  if (traceFile !== null && !files.has(traceFile)) throw new BundleError(`the trace ${traceFile} is not among the bundle files`);

  if (options.reference !== undefined) {
    if (traceFile === null) throw new BundleError('a reference is given but the trace among the files is unknown: pass `trace`');
    const ref = readTraceInput(options.reference);
    referenceFile = `${REFERENCE_DIR}/${basename(options.reference)}`;
    referenceContent = readFileSync(options.reference);
    const traceContent = files.get(traceFile)!;
    const traceBuf = typeof traceContent === 'string' ? Buffer.from(traceContent, 'utf8') : traceContent;
    comparison = compareInBundle(
      {path: traceFile, text: traceBuf.toString('utf8'), sha256: sha256Hex(traceBuf), bytes: traceBuf.length},
      {...ref, path: referenceFile},
      {tolerance: env.tolerance, atol},
      options.harnessCommand ?? options.commands[0],
    );
  }

  const root = options.root;
  // the folders this call creates (ROOT and any missing parent) go again if the bundle fails
  const created = makeFolders(root);
  const stamp = bundleTimestamp(now);
  const tmp = join(root, `.tmp-${stamp}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    try {
      await mkdir(tmp);
    } catch (error) {
      throw new FileWriteError(root, error, 'cannot create the bundle folder in');
    }
    const put = async (rel: string, data: string | Buffer) => {
      const p = join(tmp, rel);
      makeFolders(dirname(p));
      await writeFile(p, data, {flag: 'wx'});
    };
    for (const [rel, content] of files) await put(rel, content);
    if (referenceFile && referenceContent) await put(referenceFile, referenceContent);
    if (comparison) {
      const metrics = buildMetrics(comparison, now);
      validateMetrics(metrics);
      await put(METRICS, metricsText(metrics));
      await put(SUMMARY, renderSummary(comparison));
    }
    await put(COMMANDS, commandsText(options.commands));
    const envJson: BundleEnv = {
      ...env,
      bundle_format: 1,
      created_utc: now.toISOString(),
      ...systemEnv(),
      mode: env.mode,
      tolerance: env.tolerance,
      atol,
      trace_file: traceFile,
      reference_file: referenceFile,
      reference_source: options.reference ?? null,
      verdict: comparison?.verdict ?? null,
      first_divergence: comparison?.first_divergence?.key ?? null,
    };
    await put(ENV, JSON.stringify(envJson, null, 2) + '\n');
    await put(MANIFEST, await manifestText(tmp));

    let n = 1;
    let finalName = '';
    for (;;) {
      finalName = bundleName(stamp, n);
      const target = join(root, finalName);
      if (!existsSync(target)) {
        try {
          await rename(tmp, target);
          break;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EISDIR') throw new FileWriteError(target, error, 'cannot rename the finished bundle to');
        }
      }
      if (++n > 10000) throw new BundleError(`no free bundle name for ${stamp} under ${root}`);
    }
    const dir = join(root, finalName);
    return {
      dir,
      name: finalName,
      files: await listFiles(dir),
      comparison,
      exitCode: comparison ? exitCodeOf(comparison) : 0,
    };
  } catch (error) {
    await rm(tmp, {recursive: true, force: true}).catch(() => undefined);
    removeFolders(created);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Verification and regeneration

export interface VerifyResult {
  ok: boolean;
  /** files checked against the manifest */
  checked: number;
  changed: string[];
  missing: string[];
  extra: string[];
}

const MANIFEST_LINE = /^([0-9a-fA-F]{64}) [ *](.+)$/;

async function requireBundleDir(dir: string): Promise<void> {
  let s;
  try {
    s = await stat(dir);
  } catch {
    throw new BundleError(`${dir}: no such bundle folder`);
  }
  if (!s.isDirectory()) throw new BundleError(`${dir} is not a folder`);
}

/** Re-hashes every file of a bundle against its sha256.txt. */
export async function verifyBundle(dir: string): Promise<VerifyResult> {
  await requireBundleDir(dir);
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), 'utf8');
  } catch {
    throw new BundleError(`${dir}: no ${MANIFEST}`);
  }
  const listed = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = MANIFEST_LINE.exec(line);
    if (!m) throw new BundleError(`${join(dir, MANIFEST)}:${i + 1}: not a sha256sum line`);
    listed.set(m[2], m[1].toLowerCase());
  });
  const present = (await listFiles(dir)).filter((f) => f !== MANIFEST);
  const presentSet = new Set(present);
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [file, hash] of listed) {
    if (!presentSet.has(file)) {
      missing.push(file);
      continue;
    }
    if (sha256Hex(await readFile(join(dir, file))) !== hash) changed.push(file);
  }
  const extra = present.filter((f) => !listed.has(f));
  return {ok: changed.length + missing.length + extra.length === 0, checked: listed.size, changed, missing, extra};
}

export interface RegenerateOptions {
  /** override the tolerance recorded in env.json */
  tolerance?: number;
  atol?: number | null;
  /** the command line doing the regeneration, appended to commands.txt */
  command?: string;
  now?: Date;
}

export interface RegenerateResult {
  dir: string;
  written: string[];
  comparison: TraceComparison | null;
}

function readEnv(dir: string): Partial<BundleEnv> {
  const p = join(dir, ENV);
  if (!existsSync(p)) return {};
  try {
    const v = JSON.parse(readFileSync(p, 'utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Partial<BundleEnv>;
  } catch {
    // fall through
  }
  throw new BundleError(`${p} is not a JSON object`);
}

/**
 * (Re)writes metrics.json + summary.md (when the bundle has a trace and a reference),
 * commands.txt (keeps its lines, appends `command`), env.json (refreshed system fields, kept
 * mode/tolerance unless overridden) and finally sha256.txt. Each file is replaced atomically.
 */
export async function regenerateBundle(dir: string, options: RegenerateOptions = {}): Promise<RegenerateResult> {
  await requireBundleDir(dir);
  const now = options.now ?? new Date();
  const env = readEnv(dir);
  const files = (await listFiles(dir)).filter((f) => f !== MANIFEST);
  const refs = files.filter((f) => f.startsWith(`${REFERENCE_DIR}/`));
  const referenceFile = typeof env.reference_file === 'string' ? env.reference_file : refs.length === 1 ? refs[0] : null;
  const candidates = files.filter((f) => !RESERVED.has(f) && !f.startsWith(`${REFERENCE_DIR}/`));
  const traceFile =
    typeof env.trace_file === 'string' ? env.trace_file : candidates.length === 1 ? candidates[0] : candidates.includes('trace.log') ? 'trace.log' : null;
  const tolerance = options.tolerance ?? (typeof env.tolerance === 'number' ? env.tolerance : 1e-6);
  const atol = options.atol !== undefined ? options.atol : typeof env.atol === 'number' ? env.atol : null;
  const written: string[] = [];

  let comparison: TraceComparison | null = null;
  if (referenceFile && traceFile) {
    for (const f of [referenceFile, traceFile]) if (!existsSync(join(dir, f))) throw new BundleError(`${dir}: ${f} is missing`);
    const commands = existsSync(join(dir, COMMANDS)) ? readFileSync(join(dir, COMMANDS), 'utf8').split('\n')[0] : undefined;
    const rel = (p: string): TraceInput => ({...readTraceInput(join(dir, p)), path: p});
    comparison = compareInBundle(rel(traceFile), rel(referenceFile), {tolerance, atol}, commands || undefined);
    const metrics = buildMetrics(comparison, now);
    validateMetrics(metrics);
    await writeFileAtomic(join(dir, METRICS), metricsText(metrics));
    await writeFileAtomic(join(dir, SUMMARY), renderSummary(comparison));
    written.push(METRICS, SUMMARY);
  } else if (referenceFile === null && traceFile !== null && files.includes(METRICS)) {
    throw new BundleError(`${dir}: has ${METRICS} but no reference trace to recompute it from`);
  }

  const commandsPath = join(dir, COMMANDS);
  const previous = existsSync(commandsPath) ? readFileSync(commandsPath, 'utf8').split('\n').filter((l) => l !== '') : [];
  const lines = options.command && previous[previous.length - 1] !== options.command ? [...previous, options.command] : previous;
  if (lines.length === 0) throw new BundleError(`${dir}: no ${COMMANDS} and no command to record`);
  await writeFileAtomic(commandsPath, commandsText(lines));
  written.push(COMMANDS);

  const newEnv: BundleEnv = {
    ...(env as BundleEnv),
    bundle_format: 1,
    created_utc: typeof env.created_utc === 'string' ? env.created_utc : now.toISOString(),
    updated_utc: now.toISOString(),
    ...systemEnv(),
    mode: typeof env.mode === 'string' ? env.mode : 'unknown',
    tolerance,
    atol,
    trace_file: traceFile,
    reference_file: referenceFile,
    reference_source: typeof env.reference_source === 'string' ? env.reference_source : null,
    verdict: comparison?.verdict ?? null,
    first_divergence: comparison?.first_divergence?.key ?? null,
  };
  await writeFileAtomic(join(dir, ENV), JSON.stringify(newEnv, null, 2) + '\n');
  written.push(ENV);

  await writeFileAtomic(join(dir, MANIFEST), await manifestText(dir));
  written.push(MANIFEST);
  return {dir, written, comparison};
}

