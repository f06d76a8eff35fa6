/**
 * A page-drawing thread (see page-drawer.ts): each message names a finished bundle folder; the
 * answer is its index.html, drawn by the same renderIndexFor as everywhere else, from the
 * folder's metrics.json and pictures.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parentPort} from 'node:worker_threads';
import {checkRelative, METRICS} from '../report/bundle.js';
import {renderIndexFor} from './index.js';
import type {Obj} from './common.js';

const port = parentPort!;
port.on('message', ({id, dir}: {id: number; dir: string}) => {
  const read = (rel: string): Uint8Array => readFileSync(join(dir, checkRelative(rel)));
  Promise.resolve()
    .then(() => renderIndexFor(JSON.parse(readFileSync(join(dir, METRICS), 'utf8')) as Obj, read))
    .then(
      (html) => port.postMessage({id, html}),
      (e: unknown) => port.postMessage({id, error: e instanceof Error ? e.message : String(e)}),
    );
});
