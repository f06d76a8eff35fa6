/**
 * The one way to get cases, whatever holds them. A source is named on the command line:
 *   - a stored case by name: `supervisor` is traces/supervisor/;
 *   - a case folder (as `capture` writes them) or its meta.json, by path;
 *   - a folder of case folders (traces/ itself): every case in it, by name order;
 *   - a case list in the PyTorch port's YAML format (src/cases/yaml-list.ts): every run in it.
 * Each kind of source is one entry of SOURCES, returning the same Case objects.
 */
import {existsSync, readdirSync, statSync, type Stats} from 'node:fs';
import {basename, join, resolve} from 'node:path';
import {UserError} from '../engine/errors.js';
import {projectRoot} from '../trace/project.js';
import {EXIT} from '../util/exit-codes.js';
import type {Case} from './case.js';
import {caseFromMeta, META_FILE, readMeta} from './meta.js';
import {isCaseList, readCaseList} from './yaml-list.js';

/** traces/: the stored cases, and their shared inputs folder. */
export function storedCasesDir(): string {
  return join(projectRoot(), 'traces');
}

/** Names of the case folders directly under `dir` (those with a meta.json), sorted. */
function caseFolderNames(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true})
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, META_FILE)))
    .map((d) => d.name)
    .sort();
}

/** Names of the stored cases (traces/<name>/meta.json). */
export function storedCaseNames(): string[] {
  return caseFolderNames(storedCasesDir());
}

/** One case folder, given as the folder or as its meta.json. */
export function loadCaseFolder(path: string): Case {
  const metaPath = basename(path) === META_FILE && !isFolder(path) ? path : join(path, META_FILE);
  if (!existsSync(metaPath)) throw new UserError(`${path}: not a case folder (no ${META_FILE})`, EXIT.BAD_INPUT);
  return caseFromMeta(readMeta(metaPath), metaPath);
}

export function loadStoredCase(name: string): Case {
  return loadCaseFolder(join(storedCasesDir(), name));
}

function isFolder(path: string): boolean {
  return statOf(path)?.isDirectory() ?? false;
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

interface CaseSource {
  /** true when this source reads the existing file or folder at `path` */
  accepts(path: string, stat: Stats): boolean;
  read(path: string): Case[];
}

const SOURCES: CaseSource[] = [
  {
    accepts: (path, stat) => (stat.isDirectory() ? existsSync(join(path, META_FILE)) : basename(path) === META_FILE),
    read: (path) => [loadCaseFolder(path)],
  },
  {
    accepts: (path, stat) => stat.isDirectory() && caseFolderNames(path).length > 0,
    read: (path) => caseFolderNames(path).map((name) => loadCaseFolder(join(path, name))),
  },
  {
    accepts: (path, stat) => stat.isFile() && isCaseList(path),
    read: (path) => readCaseList(path),
  },
];

/** A name of a stored case rather than a path: no separator, no file extension. */
function isCaseName(spec: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(spec);
}

/**
 * The cases `spec` names: a stored case's name first, else a path (relative to `cwd`) that one
 * of SOURCES reads. Exit 2 for a name that names nothing, 3 for a path that holds no case.
 */
export function loadCases(spec: string, cwd = process.cwd()): Case[] {
  if (isCaseName(spec) && existsSync(join(storedCasesDir(), spec, META_FILE))) return [loadStoredCase(spec)];
  const path = resolve(cwd, spec);
  const stat = statOf(path);
  if (!stat) {
    if (isCaseName(spec)) throw new UserError(`no stored case named '${spec}' (the names are the folders of traces/), and no folder '${spec}' here`, EXIT.USAGE);
    throw new UserError(`${spec}: no such case folder or file`, EXIT.BAD_INPUT);
  }
  const source = SOURCES.find((s) => s.accepts(path, stat));
  if (!source) throw new UserError(`${spec}: not a case folder (no ${META_FILE}), a folder of cases nor a case list (.yaml)`, EXIT.BAD_INPUT);
  return source.read(path);
}

/** Exactly one case (what --config takes). */
export function resolveCase(spec: string, cwd = process.cwd()): Case {
  const cases = loadCases(spec, cwd);
  if (cases.length !== 1) throw new UserError(`${spec}: holds ${cases.length} cases; name one of them (e.g. ${join(spec, cases[0].name)})`, EXIT.USAGE);
  return cases[0];
}
