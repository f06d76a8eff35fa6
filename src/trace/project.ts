/**
 * Locating the project's own files (package.json, schemas/) at run time.
 *
 * The compiled modules live in dist/src/..., the sources in src/...; JSON under schemas/ is not
 * compiled, so both walk up from this module until they find the nbparity package.json.
 */
import {existsSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

let cachedRoot: string | undefined;

/** The folder holding nbparity's package.json (and schemas/). */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'schemas'))) {
      try {
        const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as {name?: string};
        if (parsed.name === 'nbparity') {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot locate the nbparity package root (package.json with schemas/)');
    dir = up;
  }
}

/** Absolute path of a file under schemas/. */
export function schemaPath(name: string): string {
  return join(projectRoot(), 'schemas', name);
}

/** Reads and parses a JSON file under schemas/. */
export function readSchemaJson<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(schemaPath(name), 'utf8')) as T;
}

export interface PackageInfo {
  name: string;
  version: string;
}

/** name and version from the project's package.json. */
export function packageInfo(): PackageInfo {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {name: string; version: string};
  return {name: pkg.name, version: pkg.version};
}
