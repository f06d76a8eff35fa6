/**
 * Evidence bundles: the one folder format of every piece of evidence nbparity keeps (harness
 * --bundle, compare-traces --out/--bundle, compare-images, and the commands built on them).
 *
 *   <bundle>/
 *     <the run's own files>      e.g. trace.log, reference/<name>, ref.png, c.stdout.txt
 *     <part>/                    sub-bundles (e.g. one per case of a campaign), each in this format
 *     commands.txt               the command lines of the run, shell-quoted, one per line
 *     env.json                   bundle_format, created_utc, Node, platform, package, git commit, and
 *                                what the run records (mode, tolerance, arguments, ...)
 *     warnings.txt               every warning the run printed, one per line (empty: none)
 *     metrics.json               the machine-readable result, validated against its schema
 *                                (`kind` names it; `warnings` repeats warnings.txt)
 *     summary.md                 the human-readable result; the warnings next to the verdict
 *     index.html                 only when the caller gives a renderer (`renderIndex`)
 *     sha256.txt                 `<hex>  <path>` of every other file below the folder, sub-bundles
 *                                included, sorted (`sha256sum -c sha256.txt` passes inside it)
 *
 * A bundle is built in a hidden `.tmp-…` folder beside its final name and renamed into place when
 * complete, so a failure (or SIGINT/SIGTERM) leaves nothing behind, and the folders the call had
 * to create are removed again. Its final name is either exact (`{dir}`: refused when something
 * non-empty is there) or a new timestamp under a root (`{root}`: `<UTC yyyymmddTHHMMSSZ>`, then
 * `-2`, `-3`… within the same second; a rename never replaces a non-empty folder, so concurrent
 * writers cannot overwrite each other).
 *
 * Long runs (a C program writing its outputs, one case after another) can write into the folder
 * as they go: `openBundle` returns a builder whose `path` is the folder being built; `writeBundle`
 * does it all at once for a run whose files are in memory.
 */
import {execFileSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {readFileSync, rmSync} from 'node:fs';
import {copyFile, lstat, mkdir, readdir, rename, stat, writeFile} from 'node:fs/promises';
import {basename, dirname, join, relative, resolve, sep} from 'node:path';

import {UserError} from '../engine/errors.js';
import {FileWriteError, makeFolders, removeFolders} from '../io/atomic.js';
import {onInterrupt} from '../io/interrupt.js';
import {hashInput, readInputFile} from '../io/input.js';
import {errnoReason} from '../util/errno.js';
import {packageInfo, projectRoot} from '../trace/project.js';
import {EXIT, type ExitCode} from '../util/exit-codes.js';
import {assertValid} from './validate.js';

export const MANIFEST = 'sha256.txt';
export const COMMANDS = 'commands.txt';
export const ENV = 'env.json';
export const WARNINGS = 'warnings.txt';
export const SUMMARY = 'summary.md';
export const METRICS = 'metrics.json';
export const INDEX = 'index.html';
/** The files every bundle folder has, written by this module (a run's own files cannot take these names). */
export const RESERVED: ReadonlySet<string> = new Set([MANIFEST, COMMANDS, ENV, WARNINGS, SUMMARY, METRICS, INDEX]);
export const BUNDLE_FORMAT = 2;

/** A bundle that cannot be read as one (exit 3), or a bad request to write one. */
export class BundleError extends UserError {
  constructor(message: string, exitCode: ExitCode = EXIT.BAD_INPUT) {
    super(message, exitCode);
    this.name = 'BundleError';
  }
}

export type Bytes = string | Uint8Array;

/** The folder being rendered, for an index.html renderer. */
export interface BundleView {
  /** the folder being built (absolute) */
  dir: string;
  /** every file of the folder so far (relative, `/`-separated, sorted), sub-bundles included */
  files: readonly string[];
  read(rel: string): Buffer;
}

/** What a run records in its bundle, beside its own files. */
export interface BundleRecord {
  /** the command lines of the run (e.g. from shellQuote), first the one that made it */
  commands: string[];
  /** what the run wants in env.json beyond the system fields (mode, tolerance, arguments...) */
  env: Record<string, unknown>;
  /** metrics.json: `data` must validate against schemas/<schema> once `warnings` is added */
  metrics: {schema: string; data: Record<string, unknown>};
  /** summary.md: `head` (title and verdict), then the warnings, then `body` */
  summary: {head: string; body: string};
  /** every warning the run printed */
  warnings: readonly string[];
  /** index.html from the finished folder (the view's renderer, src/view); none without it */
  renderIndex?: (bundle: BundleView) => Bytes | Promise<Bytes>;
}

export type BundleTarget = {dir: string} | {root: string};

export interface BundleResult {
  /** absolute path of the final folder */
  dir: string;
  /** its name (the timestamp with its -N, or the base name of an exact folder) */
  name: string;
  /** every file in it, relative, sorted */
  files: string[];
}

/** `yyyymmddTHHMMSSZ` in UTC. */
export function bundleTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** The n-th name for a stamp: n=1 -> stamp, n>=2 -> stamp-n. */
export function bundleName(stamp: string, n: number): string {
  return n <= 1 ? stamp : `${stamp}-${n}`;
}

/**
 * A file name made from something a user gave (a reference's base name) that is safe in a bundle:
 * no control character (a newline would break sha256.txt), no slash or backslash, not hidden.
 */
export function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._+@,=-]/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  return s === '' ? '_' : s;
}

/** A relative path inside a bundle, `/`-separated; a BundleError for anything unsafe (a bug in the caller). */
export function checkRelative(name: string): string {
  const parts = name.split('/');
  const bad =
    name === '' ||
    name.startsWith('/') ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f\\]/.test(name) ||
    parts.some((p) => p === '' || p === '.' || p === '..' || p.startsWith('.tmp-'));
  if (bad) throw new BundleError(`bad bundle file name: ${JSON.stringify(name)}`, EXIT.INTERNAL);
  return name;
}

export interface GitInfo {
  commit: string | null;
  dirty: boolean | null;
}

const gitInfoCache = new Map<string, GitInfo>();

/**
 * Commit and dirty flag of the nbparity checkout (read-only git calls; null outside a
 * repository), asked once per process: a campaign finishes hundreds of sub-bundles, and two git
 * processes for each were seconds of its time.
 */
export function gitInfo(cwd: string = projectRoot()): GitInfo {
  let info = gitInfoCache.get(cwd);
  if (!info) gitInfoCache.set(cwd, (info = askGit(cwd)));
  return info;
}

function askGit(cwd: string): GitInfo {
  const run = (args: string[]) =>
    execFileSync('git', args, {cwd, env: {...process.env, GIT_OPTIONAL_LOCKS: '0'}, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8'}).trim();
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

/** The system fields of env.json. */
export function systemEnv(): Record<string, unknown> {
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

export function sha256Hex(data: Bytes): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every file under dir (recursive), relative with `/`, sorted bytewise. */
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

/** sha256.txt content over every file below dir except dir's own sha256.txt. */
export async function manifestText(dir: string): Promise<string> {
  const files = (await listFiles(dir)).filter((f) => f !== MANIFEST);
  const lines: string[] = [];
  for (const f of files) lines.push(`${hashInput(join(dir, f))}  ${f}`);
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}

/** commands.txt: one command line per line (a line break inside one would split it: made visible). */
export function commandsText(commands: readonly string[]): string {
  return commands.map((c) => c.replace(/\r?\n|\r/g, '\\n')).join('\n') + '\n';
}

/** warnings.txt: one warning per line, nothing when there are none. */
export function warningsText(warnings: readonly string[]): string {
  return warnings.map((w) => `${w.replace(/\s*\n\s*/g, ' ')}\n`).join('');
}

/** The warnings block summary.md shows next to the verdict. */
export function warningsMarkdown(warnings: readonly string[]): string {
  if (warnings.length === 0) return 'Warnings: none.\n';
  return [`**Warnings (${warnings.length})**, also in \`warnings.txt\`:`, '', ...warnings.map((w) => `- ${w.replace(/\s*\n\s*/g, ' ')}`), ''].join('\n');
}

/** A bundle folder under construction (see the module comment); `part` opens a sub-bundle inside it. */
export class BundleBuilder {
  private finished = false;

  private constructor(
    /** the folder being built: a run may write its files into it directly */
    readonly path: string,
    private readonly now: Date,
    /** how errors name the folder: its final place */
    private readonly label: string,
    private readonly top?: {target: BundleTarget; stamp: string; created: string[]; release: () => void},
  ) {}

  /** @internal */
  static create(path: string, now: Date, label: string, top?: BundleBuilder['top']): BundleBuilder {
    return new BundleBuilder(path, now, label, top);
  }

  private where(rel: string): string {
    const name = checkRelative(rel);
    if (RESERVED.has(name)) throw new BundleError(`${name} is written by the bundle itself`, EXIT.INTERNAL);
    return join(this.path, ...name.split('/'));
  }

  /** A file of the folder being built, named in errors by where it goes (the hidden name means nothing). */
  private failure(p: string, e: unknown, what = 'cannot write'): FileWriteError {
    return new FileWriteError(`${this.label}/${relative(this.path, p).split(sep).join('/')}`, e, what);
  }

  private async put(p: string, data: Bytes): Promise<void> {
    try {
      await mkdir(dirname(p), {recursive: true});
      await writeFile(p, data, {flag: 'wx'});
    } catch (e) {
      throw this.failure(p, e);
    }
  }

  /** A file of the run (relative path, `/`-separated). */
  async add(rel: string, data: Bytes): Promise<void> {
    await this.put(this.where(rel), data);
  }

  /** A copy of an existing file (e.g. a reference trace). */
  async copy(rel: string, source: string): Promise<void> {
    const p = this.where(rel);
    try {
      await mkdir(dirname(p), {recursive: true});
      await copyFile(source, p);
    } catch (e) {
      throw this.failure(p, e);
    }
  }

  /** A sub-bundle in the folder `name`, finished (its own records and sha256.txt) by its `finish`. */
  async part(name: string): Promise<BundleBuilder> {
    const p = this.where(name);
    try {
      await mkdir(p, {recursive: true});
    } catch (e) {
      throw this.failure(p, e, 'cannot create the folder');
    }
    return BundleBuilder.create(p, this.now, `${this.label}/${name}`);
  }

  /**
   * Write the records (commands.txt, env.json, warnings.txt, metrics.json, summary.md, index.html
   * if asked for) and sha256.txt; the top bundle is then renamed into place. Throws on a
   * metrics.json that does not validate (a bug), leaving nothing.
   */
  async finish(record: BundleRecord): Promise<BundleResult> {
    if (this.finished) throw new Error('bundle finished twice');
    this.finished = true;
    const metrics = {...record.metrics.data, warnings: [...record.warnings]};
    assertValid(record.metrics.schema, metrics);
    const env = {bundle_format: BUNDLE_FORMAT, created_utc: this.now.toISOString(), ...record.env, ...systemEnv()};
    const w = (name: string, data: Bytes) => this.put(join(this.path, name), data);
    await w(METRICS, `${JSON.stringify(metrics, null, 2)}\n`);
    await w(SUMMARY, composeSummary(record.summary, record.warnings));
    await w(WARNINGS, warningsText(record.warnings));
    await w(COMMANDS, commandsText(record.commands));
    await w(ENV, `${JSON.stringify(env, null, 2)}\n`);
    if (record.renderIndex) {
      const files = await listFiles(this.path);
      await w(INDEX, await record.renderIndex({dir: this.path, files, read: (rel) => readFileSync(join(this.path, checkRelative(rel)))}));
    }
    await w(MANIFEST, await manifestText(this.path));
    if (!this.top) return {dir: this.path, name: basename(this.path), files: await listFiles(this.path)};
    const dir = await this.rename();
    this.top.release();
    return {dir, name: basename(dir), files: await listFiles(dir)};
  }

  private async rename(): Promise<string> {
    const {target, stamp} = this.top!;
    if ('dir' in target) {
      const final = resolve(target.dir);
      try {
        await rename(this.path, final);
      } catch (e) {
        throw new FileWriteError(final, e, 'cannot put the bundle here');
      }
      return final;
    }
    for (let n = 1; n <= 10000; n++) {
      const final = resolve(target.root, bundleName(stamp, n));
      if (await lstat(final).catch(() => null)) continue;
      try {
        await rename(this.path, final);
        return final;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EISDIR') throw new FileWriteError(final, error, 'cannot put the bundle here');
      }
    }
    throw new BundleError(`no free bundle name for ${stamp} under ${target.root}`, EXIT.CANNOT_WRITE);
  }

  /** Give up: remove the folder being built and the folders the call created. */
  async discard(): Promise<void> {
    if (!this.top) return;
    this.finished = true;
    rmSync(this.path, {recursive: true, force: true});
    removeFolders(this.top.created);
    this.top.release();
  }
}

/** summary.md: the head (title, verdict), the warnings, the body. */
export function composeSummary(summary: BundleRecord['summary'], warnings: readonly string[]): string {
  return `${summary.head.trimEnd()}\n\n${warningsMarkdown(warnings)}\n${summary.body.trimStart()}`;
}

/** An exact target folder must not hold anything: the bundle replaces no one's files. */
async function checkFreeTarget(dir: string): Promise<void> {
  const s = await lstat(dir).catch(() => null);
  if (!s) return;
  if (!s.isDirectory()) throw new FileWriteError(dir, {code: 'EEXIST'}, 'cannot put the bundle here');
  if ((await readdir(dir)).length > 0) throw new FileWriteError(dir, {code: 'ENOTEMPTY'}, 'cannot put the bundle here');
}

/**
 * Start a bundle: the hidden folder it is built in, beside its final name (created with any
 * missing parent; removed with them on failure, discard or interrupt).
 */
export async function openBundle(target: BundleTarget, now: Date = new Date()): Promise<BundleBuilder> {
  const stamp = bundleTimestamp(now);
  const parent = 'dir' in target ? dirname(resolve(target.dir)) : resolve(target.root);
  if ('dir' in target) await checkFreeTarget(resolve(target.dir));
  const created = makeFolders(parent);
  const label = 'dir' in target ? basename(resolve(target.dir)) : stamp;
  const tmp = join(parent, `.tmp-${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(tmp);
  } catch (error) {
    removeFolders(created);
    throw new FileWriteError(parent, error, 'cannot create a bundle folder here');
  }
  const release = onInterrupt(() => {
    rmSync(tmp, {recursive: true, force: true});
    removeFolders(created);
  });
  const where = 'dir' in target ? target.dir : join(target.root, `${stamp}…`);
  return BundleBuilder.create(tmp, now, where, {target, stamp, created, release});
}

export interface WriteBundleOptions extends BundleRecord {
  target: BundleTarget;
  /** the run's own files: relative path -> content */
  files: Record<string, Bytes>;
  /** files to copy in: relative path -> source path */
  copies?: Record<string, string>;
  /** clock, for tests */
  now?: Date;
}

/** A whole bundle from files in memory (see openBundle for runs that write as they go). */
export async function writeBundle(o: WriteBundleOptions): Promise<BundleResult> {
  const b = await openBundle(o.target, o.now);
  try {
    for (const [rel, data] of Object.entries(o.files)) await b.add(rel, data);
    for (const [rel, source] of Object.entries(o.copies ?? {})) await b.copy(rel, source);
    return await b.finish(o);
  } catch (e) {
    await b.discard();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Verification

export interface VerifyResult {
  ok: boolean;
  /** files checked against the manifests */
  checked: number;
  changed: string[];
  missing: string[];
  extra: string[];
  /** every sha256.txt checked, relative (the top one is "sha256.txt") */
  manifests: string[];
  /** index.html pages re-drawn from their metrics.json (src/view) and compared, relative */
  pages: string[];
  /** those that differ from what their metrics.json draws */
  stale_pages: string[];
  /** index.html pages drawn by another view format: not re-drawn (their hashes are still checked) */
  other_format_pages: string[];
}

// `\` first: sha256sum's escaped form for names with a backslash or a line break
const MANIFEST_LINE = /^(\\?)([0-9a-fA-F]{64}) [ *](.+)$/;

/** The folder of a bundle to read, or a BundleError (exit 3). */
export async function requireBundleDir(dir: string): Promise<void> {
  let s;
  try {
    s = await stat(dir);
  } catch (e) {
    // a symbolic link loop is not a missing folder: say which
    throw new BundleError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `${dir}: no such bundle folder` : `${dir}: cannot read the bundle folder (${errnoReason(e, 'read')})`);
  }
  if (!s.isDirectory()) throw new BundleError(`${dir}: not a folder, so not a bundle`);
}

/** The entries of a sha256.txt; an empty, missing or malformed manifest is bad input (exit 3). */
export async function readManifest(dir: string): Promise<Map<string, string>> {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = readInputFile(path).toString('utf8');
  } catch (e) {
    if (e instanceof UserError && e.exitCode === EXIT.LIMIT) throw e;
    throw new BundleError(`${dir}: no ${MANIFEST}, so not a bundle`);
  }
  const listed = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = MANIFEST_LINE.exec(line);
    if (!m) throw new BundleError(`${path}:${i + 1}: expected '<64 hex digits>  <file>' (sha256sum format), got ${JSON.stringify(line.slice(0, 80))}`);
    const name = m[1] ? m[3].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)) : m[3];
    listed.set(name, m[2].toLowerCase());
  });
  // an empty manifest vouches for nothing: calling every file "extra" would hide that
  if (listed.size === 0) throw new BundleError(`${path}: lists no file (an empty manifest vouches for nothing)`);
  return listed;
}

/**
 * Re-hashes every file of a bundle against its sha256.txt, and every sub-bundle against its own
 * (the top manifest covers them too). A changed, missing or extra file is a verdict (ok false);
 * a folder that is not a bundle, or a manifest that is empty or malformed, is a BundleError.
 */
export async function verifyBundle(dir: string): Promise<VerifyResult> {
  await requireBundleDir(dir);
  const all = await listFiles(dir);
  const manifests = all.filter((f) => f === MANIFEST || f.endsWith(`/${MANIFEST}`));
  if (!manifests.includes(MANIFEST)) throw new BundleError(`${dir}: no ${MANIFEST}, so not a bundle`);
  const result: VerifyResult = {ok: true, checked: 0, changed: [], missing: [], extra: [], manifests, pages: [], stale_pages: [], other_format_pages: []};
  const hashes = new Map<string, string>();
  const hashOf = async (rel: string) => {
    let h = hashes.get(rel);
    if (h === undefined) hashes.set(rel, (h = hashInput(join(dir, rel))));
    return h;
  };
  for (const m of manifests) {
    const base = m === MANIFEST ? '' : m.slice(0, -MANIFEST.length);
    const listed = await readManifest(join(dir, base));
    const present = all.filter((f) => f.startsWith(base) && f !== m);
    const presentSet = new Set(present);
    for (const [file, hash] of listed) {
      const rel = base + file;
      result.checked++;
      if (!presentSet.has(rel)) result.missing.push(rel);
      else if ((await hashOf(rel)) !== hash) result.changed.push(rel);
    }
    for (const f of present) if (!listed.has(f.slice(base.length))) result.extra.push(f);
  }
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  result.changed = uniq(result.changed);
  result.missing = uniq(result.missing);
  result.extra = uniq(result.extra);
  await checkPages(dir, all, result);
  result.ok = result.changed.length + result.missing.length + result.extra.length + result.stale_pages.length === 0;
  return result;
}

/**
 * The page check, beside the hashes: every index.html must be exactly what its metrics.json draws
 * today, so a page cannot disagree with the numbers even when someone rewrites sha256.txt.
 */
async function checkPages(dir: string, all: readonly string[], result: VerifyResult): Promise<void> {
  const pages = all.filter((f) => f === INDEX || f.endsWith(`/${INDEX}`));
  if (pages.length === 0) return;
  const view = await import('../view/index.js');
  for (const p of pages) {
    const base = p.slice(0, -INDEX.length);
    const html = readInputFile(join(dir, p)).toString('utf8');
    if (view.pageFormat(html) !== view.VIEW_FORMAT) {
      result.other_format_pages.push(p);
      continue;
    }
    result.pages.push(p);
    let drawn: string | null = null;
    try {
      const metrics = JSON.parse(readInputFile(join(dir, base, METRICS)).toString('utf8')) as Record<string, unknown>;
      drawn = await view.renderIndexFor(metrics, (rel) => readInputFile(join(dir, base, checkRelative(rel))));
    } catch {
      // no metrics.json, not JSON, or a picture it names is missing: the page is not what it draws
    }
    if (drawn !== html) result.stale_pages.push(p);
  }
}
