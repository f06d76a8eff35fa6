/**
 * index.html of a bundle, drawn from its metrics.json alone (plus the pictures the bundle already
 * holds): no second computation, so the page cannot show anything metrics.json does not say.
 * The same function draws it when the bundle is written (the bundle writer's renderIndex slot)
 * and when `metrics --verify` re-draws it to check that index.html still matches metrics.json.
 * The output is a pure function of metrics.json, the pictures and VIEW_FORMAT.
 */
import {imageComparisonPage} from './image-comparison.js';
import {matrixPage} from './matrix.js';
import {page} from './html.js';
import {traceComparisonPage} from './trace-comparison.js';
import {tracePage} from './trace.js';
import type {Obj} from './common.js';

/** Bump when the page changes for the same metrics.json: verify re-draws only pages of its own format. */
export const VIEW_FORMAT = 1;
export const VIEW_GENERATOR = `nbparity view ${VIEW_FORMAT}`;
export const VIEW_KINDS: ReadonlySet<string> = new Set(['trace-comparison', 'trace', 'image-comparison', 'matrix']);

const noFiles = (rel: string): Uint8Array => {
  throw new Error(`the page needs ${rel}, and no bundle folder was given`);
};

/** The page of a metrics object, by its kind; `read` gives a bundle file (relative path) for the pictures. */
export async function renderIndexFor(metrics: Obj, read: (rel: string) => Uint8Array = noFiles): Promise<string> {
  const kind = metrics.kind;
  const content =
    kind === 'trace-comparison'
      ? await traceComparisonPage(metrics)
      : kind === 'trace'
        ? await tracePage(metrics)
        : kind === 'image-comparison'
          ? await imageComparisonPage(metrics, read)
          : kind === 'matrix'
            ? matrixPage(metrics)
            : null;
  if (!content) throw new Error(`no page for metrics of kind ${JSON.stringify(kind)}`);
  return page({title: content.title, generator: VIEW_GENERATOR, body: stableClipIds(content.body)});
}

/**
 * vega numbers its clip paths with a counter that lives as long as the process (clip1, clip13...):
 * renumbered in order of appearance, so the page does not depend on what was drawn before it.
 */
function stableClipIds(html: string): string {
  const ids = new Map<string, string>();
  return html.replace(/(id="|url\(#)(clip\d+)/g, (_, lead: string, id: string) => {
    if (!ids.has(id)) ids.set(id, `page-clip${ids.size + 1}`);
    return lead + ids.get(id)!;
  });
}

/** For the bundle writer's renderIndex slot: the page of the metrics.json just written. */
export function indexRenderer(bundle: {read(rel: string): Uint8Array}): Promise<string> {
  return renderIndexFor(JSON.parse(Buffer.from(bundle.read('metrics.json')).toString('utf8')) as Obj, (rel) => bundle.read(rel));
}

/** The view format a page says it was drawn with (null: not one of ours). */
export function pageFormat(html: string): number | null {
  const m = /<meta name="generator" content="nbparity view (\d+)">/.exec(html.slice(0, 2000));
  return m ? Number(m[1]) : null;
}
