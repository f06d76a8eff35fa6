/**
 * The page of an image comparison (metrics kind "image-comparison"): the verdict, the metrics, and
 * reference, test and difference side by side with their colour bars (linear or log), the ROI,
 * the peaks and the zoom window drawn over them, then the full-resolution zoom on the worst pixel.
 * The pictures are the bundle's own PNGs (metrics `previews` names them), embedded as data: URIs.
 */
import {arr, attributionsBlock, footer, obj, str, verdictBox, warningsBlock, type Obj} from './common.js';
import {dataUri, esc, num, section, table} from './html.js';
import {colourBarSpec, imagePanelSpec, svgOf, type ImagePanel} from './plots.js';

const PANEL = 300;
const ROLE_TITLE: Record<string, string> = {ref: 'reference', test: 'test', diff: '|test - reference|'};

type Peak = {x: number; y: number; side: string; matched: boolean};

function peaksFor(role: string, peaks: Obj): Peak[] {
  const list = (k: string, side: string) => arr(peaks[k]).map((p) => ({x: p.x as number, y: p.y as number, side, matched: p.matched === true}));
  const ref = list('ref_list', 'reference');
  const test = list('test_list', 'test');
  return role === 'ref' ? ref : role === 'test' ? test : [...ref, ...test];
}

async function pictures(m: Obj, readFile: (rel: string) => Uint8Array): Promise<string> {
  // a picture metrics.json names but the folder lacks (the hashes report it too) is drawn as an empty frame
  const read = (rel: string): Uint8Array => {
    try {
      return readFile(rel);
    } catch {
      return new Uint8Array(0);
    }
  };
  const pv = obj(m.previews);
  const image = obj(m.image);
  const images = arr(pv.images);
  if (images.length === 0 || !m.image) return '<p class="note">No pictures (the images could not be compared).</p>';
  const width = image.width as number;
  const height = image.height as number;
  const zoom = obj(pv.zoom) as {x0: number; y0: number; width: number; height: number; centre: {x: number; y: number}};
  const down = obj(pv.downsample);
  const peaks = obj(obj(m.metrics).peaks);
  const decades = (pv.log_decades as number) ?? 4;
  const roi = image.roi as ImagePanel['roi'];
  const full = roi && roi.xmin === 0 && roi.ymin === 0 && roi.xmax === width - 1 && roi.ymax === height - 1;
  const whole: string[] = [];
  const zooms: string[] = [];
  for (const img of images) {
    const role = str(img.role);
    const bar = async (log: boolean) => svgOf(colourBarSpec({map: img.colour_map as 'viridis' | 'magma', max: img.max as number, unit: str(img.unit), log, decades, width: PANEL - 60}));
    const inWindow = peaksFor(role, peaks).filter((p) => p.x >= zoom.x0 && p.x < zoom.x0 + zoom.width && p.y >= zoom.y0 && p.y < zoom.y0 + zoom.height);
    for (const log of [false, true]) {
      const cls = log ? 'logv' : 'lin';
      const scale = log ? `log, ${decades} decades` : 'linear';
      const panel = await svgOf(imagePanelSpec({title: `${ROLE_TITLE[role] ?? role} (${scale})`, uri: dataUri('image/png', read(str(log ? img.log : img.linear))), x0: 0, y0: 0, width, height, size: PANEL, roi: full ? undefined : roi, zoom, peaks: peaksFor(role, peaks)}));
      whole.push(`<div class="panel ${cls}" data-role="${esc(role)}">${panel}${await bar(log)}</div>`);
      const z = await svgOf(imagePanelSpec({title: `${ROLE_TITLE[role] ?? role}, zoom (${scale})`, uri: dataUri('image/png', read(str(log ? img.zoom_log : img.zoom_linear))), x0: zoom.x0, y0: zoom.y0, width: zoom.width, height: zoom.height, size: PANEL, peaks: inWindow}));
      zooms.push(`<div class="panel ${cls}" data-role="zoom-${esc(role)}">${z}${await bar(log)}</div>`);
    }
  }
  const factor = down.factor as number;
  return [
    `<p><label><input type="checkbox" id="log-toggle"> logarithmic colour scale</label> <span class="note">viridis for the images (0 to the p${esc(num(pv.percentile))} white level of both), magma for the difference (0 to its maximum); log: ${esc(num(decades))} decades below the top.</span></p>`,
    `<p class="note">Whole frame ${esc(num(width))} x ${esc(num(height))}${factor > 1 ? `, shown max-pooled ${esc(num(factor))} x ${esc(num(factor))} (${esc(num(down.width))} x ${esc(num(down.height))}: a peak or a single differing pixel stays visible)` : ''}. ${full ? 'ROI: the whole frame.' : 'White dashes: the ROI.'} Red box: the zoom window. Peaks: circles reference, squares test; green/cyan matched, red/orange unmatched.</p>`,
    `<div class="frames" id="frames">${whole.join('\n')}</div>`,
    `<h3>Zoom: ${esc(num(zoom.width))} x ${esc(num(zoom.height))} pixels at full resolution around the largest difference (fast ${esc(num(zoom.centre?.x))}, slow ${esc(num(zoom.centre?.y))})</h3>`,
    `<div class="frames" id="zoom">${zooms.join('\n')}</div>`,
  ].join('\n');
}

export async function imageComparisonPage(m: Obj, read: (rel: string) => Uint8Array): Promise<{title: string; body: string}> {
  const verdict = m.verdict === null || m.verdict === undefined ? 'NO VERDICT' : m.verdict === 'pass' ? 'PASS' : 'FAIL';
  const status = str(m.status);
  const title = `Image comparison: ${verdict}`;
  const failed = arr(m.failed_thresholds);
  const detail = [
    `status <strong>${esc(status.replace(/_/g, ' '))}</strong>${m.identical ? ' (identical images)' : ''}`,
    m.message ? esc(m.message) : '',
    failed.length ? `failed: ${failed.map((f) => esc(`${str(f.name)} = ${num(f.value)}, ${str(f.relation)} its limit ${num(f.limit)}`)).join('; ')}` : '',
  ]
    .filter((x) => x !== '')
    .join('; ');
  const inputs = obj(m.inputs);
  const mm = m.metrics ? obj(m.metrics) : null;
  const peaks = mm ? obj(mm.peaks) : {};
  const rows: Array<[string, unknown]> = mm
    ? [
        ['correlation', mm.correlation],
        ['RMSE', mm.rmse],
        ['max |diff|', mm.max_abs_diff],
        ['max |diff| at (fast, slow)', mm.max_abs_diff_at ? `${num(obj(mm.max_abs_diff_at).x)}, ${num(obj(mm.max_abs_diff_at).y)}` : null],
        ['max relative diff', mm.max_rel_diff],
        ['identical fraction', mm.identical_fraction],
        ['sum reference', mm.sum_ref],
        ['sum test', mm.sum_test],
        ['sum ratio (test/ref)', mm.sum_ratio],
        [`peaks matched (top ${num(peaks.top)} above p${num(peaks.percentile)})`, `${num(peaks.matched)}/${num(peaks.ref_peaks)}`],
        ['peak mean distance (px)', peaks.mean_distance],
      ]
    : [];
  const t = obj(m.thresholds);
  const runner = m.runner ? obj(m.runner) : null;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p>reference <code>${esc(obj(inputs.ref).label ?? '')}</code> against test <code>${esc(obj(inputs.test).label ?? '')}</code></p>`,
    verdictBox(m.verdict === 'pass' ? 'pass' : m.verdict === 'fail' ? 'fail' : 'neutral', `${verdict}: ${status.replace(/_/g, ' ')}`, detail),
    attributionsBlock(arr(m.attributions)),
    warningsBlock(m.warnings),
    mm ? section('Metrics', table(['metric', {text: 'value', numeric: true}], rows.map(([k, v]) => ({cells: [esc(k), esc(num(v))]})))) : '',
    `<p class="note">Thresholds: correlation &gt;= ${esc(num(t.corr_min))}; sum ratio in [${esc(num(t.sum_ratio_min))}, ${esc(num(t.sum_ratio_max))}]${t.max_abs_max !== null && t.max_abs_max !== undefined ? `; max |diff| &lt;= ${esc(num(t.max_abs_max))}` : ''}${t.rmse_max !== null && t.rmse_max !== undefined ? `; RMSE &lt;= ${esc(num(t.rmse_max))}` : ''}. Identical images pass whatever the thresholds.</p>`,
    runner ? `<p class="note">Runner: <code>${esc(runner.c_bin)}</code> (OMP_NUM_THREADS=${esc(num(runner.c_threads))}) against our engine (${esc(runner.phi_mode)}).</p>` : '',
    section('Pictures', await pictures(m, read), 'pictures'),
    footer(m),
  ];
  return {title, body: body.filter((x) => x !== '').join('\n')};
}
