/**
 * `nbparity view BUNDLE`: where a bundle's page and pictures are. Prints the path of index.html and,
 * on a terminal of a desktop session, opens it with the desktop's opener (xdg-open, open); with
 * --json, the paths of every page and picture (sub-bundles included). Nothing is drawn here: the
 * page was drawn from metrics.json when the bundle was written.
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {delimiter, join, resolve} from 'node:path';

import {BundleError, INDEX, listFiles, requireBundleDir} from '../report/bundle.js';
import {EXIT, type ExitCode} from '../util/exit-codes.js';

export interface ViewPaths {
  bundle: string;
  index: string;
  /** every index.html, the bundle's own first */
  pages: string[];
  /** every PNG picture */
  pictures: string[];
}

export async function bundlePaths(dir: string): Promise<ViewPaths> {
  await requireBundleDir(dir);
  const root = resolve(dir);
  const files = await listFiles(root);
  if (!files.includes(INDEX)) throw new BundleError(`${dir}: no ${INDEX} (a bundle written before nbparity drew pages, or not a bundle)`);
  const pages = files.filter((f) => f === INDEX || f.endsWith(`/${INDEX}`)).sort((a, b) => (a === INDEX ? -1 : b === INDEX ? 1 : 0));
  return {bundle: root, index: join(root, INDEX), pages: pages.map((f) => join(root, f)), pictures: files.filter((f) => f.endsWith('.png')).map((f) => join(root, f))};
}

/** The desktop's opener, when there is a desktop to open in (never on a server or in CI). */
function opener(env: NodeJS.ProcessEnv = process.env): string | null {
  const name = process.platform === 'darwin' ? 'open' : process.platform === 'linux' && (env.DISPLAY || env.WAYLAND_DISPLAY) ? 'xdg-open' : null;
  if (!name) return null;
  return (env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, name))) ? name : null;
}

export async function viewCommand(dir: string, o: {json: boolean; open: boolean}): Promise<ExitCode> {
  const p = await bundlePaths(dir);
  if (o.json) {
    process.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
    return EXIT.OK;
  }
  process.stdout.write(`${p.index}\n`);
  const cmd = o.open && process.stdout.isTTY ? opener() : null;
  if (cmd) {
    // detached and unwaited: the browser outlives us; an opener that fails changes nothing printed
    const child = spawn(cmd, [p.index], {detached: true, stdio: 'ignore'});
    child.on('error', () => undefined);
    child.unref();
  }
  return EXIT.OK;
}
