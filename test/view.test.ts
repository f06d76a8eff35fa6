import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {colourOn, paintVerdict, prepareColour} from '../src/cli/colour.js';
import {manifestText, verifyBundle} from '../src/report/bundle.js';
import {pageFormat, renderIndexFor, VIEW_FORMAT} from '../src/view/index.js';
import {ROOT} from './helpers/paths.js';
import {CLI, harnessBundle, imageBundle, matrixBundle, readText} from './helpers/view-bundles.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Nothing in a page may load from anywhere: no src/href to a URL, no external script or style. */
function expectSelfContained(html: string): void {
  expect(html).to.not.match(/(?:src|href)\s*=\s*["']?(?:https?:|\/\/)/i);
  expect(html).to.not.match(/<script[^>]+src=/i);
  expect(html).to.not.match(/<link\b/i);
  expect(html).to.not.match(/url\(\s*["']?(?:https?:|\/\/)/i);
  expect(html).to.include("default-src 'none'");
}

const readMetrics = (dir: string): Json => JSON.parse(readText(dir, 'metrics.json'));

describe('view: index.html of every bundle, drawn from metrics.json', function () {
  this.timeout(120000);
  let tmp: string;
  let spec: string;
  let cparity: string;
  let image: string;
  let matrix: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'nbparity-view-'));
    spec = harnessBundle(join(tmp, 'spec'), 'spec');
    cparity = harnessBundle(join(tmp, 'c-parity'), 'c-parity');
    image = await imageBundle(join(tmp, 'image'), [0, 150, 20, 180]);
    matrix = matrixBundle(join(tmp, 'matrix'));
  });
  after(() => rmSync(tmp, {recursive: true, force: true}));

  it('harness bundles hold index.html, listed in sha256.txt, and verify re-draws it', async () => {
    for (const dir of [spec, cparity]) {
      expect(readText(dir, 'sha256.txt')).to.match(/^[0-9a-f]{64} {2}index\.html$/m);
      const html = readText(dir, 'index.html');
      expectSelfContained(html);
      expect(pageFormat(html)).to.equal(VIEW_FORMAT);
      const v = await verifyBundle(dir);
      expect(v.ok).to.equal(true);
      expect(v.pages).to.deep.equal(['index.html']);
    }
  });

  it('the spec page: verdict and first divergence first, C-PARITY-001 under it, deltas and per-phi plots as SVG, every key', async () => {
    const html = readText(spec, 'index.html');
    const m = readMetrics(spec);
    const at = (s: string) => html.indexOf(s);
    expect(at('DIVERGENCE: first at rot_a_angstroms')).to.be.greaterThan(0);
    expect(at('C-PARITY-001')).to.be.greaterThan(at('DIVERGENCE: first at rot_a_angstroms'));
    expect(at('id="delta-strip"')).to.be.greaterThan(at('C-PARITY-001'));
    expect(html).to.match(/id="delta-strip"><svg[^>]*>/);
    expect(html).to.match(/id="per-phi"><svg[^>]*>/);
    // every key occurrence of metrics.json has its row, with the values as metrics.json states them
    const rows = html.split('\n').filter((l) => l.startsWith('<tr') && !l.includes('class="stage"')).length;
    expect(rows).to.equal(m.keys.length + m.per_phi.rows.length);
    for (const k of m.keys.slice(0, 20)) expect(html).to.include(`<code>${String(k.ref_text).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code>`);
    // the divergent phi step is ringed: one ring per divergent quantity of step 0
    expect(m.per_phi.rows[0].divergent).to.deep.equal(['k_frac', 'F_latt_b', 'F_latt']);
    expect(readText(cparity, 'index.html')).to.include('PASS: 114 key occurrences compared');
  });

  it('the page is a pure function of metrics.json (drawn twice: the same bytes)', async () => {
    const m = readMetrics(spec);
    const a = await renderIndexFor(m);
    expect(a).to.equal(readText(spec, 'index.html'));
    expect(await renderIndexFor(m)).to.equal(a);
  });

  it('changing one value in metrics.json fails metrics --verify, even with sha256.txt regenerated', async () => {
    const dir = join(tmp, 'tampered');
    const copy = spawnSync('cp', ['-r', spec, dir]);
    expect(copy.status).to.equal(0);
    const m = readMetrics(dir);
    m.first_divergence_detail.abs_delta = 0.5;
    writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(m, null, 2)}\n`);
    const cli = () => spawnSync(process.execPath, [CLI, 'metrics', dir, '--verify'], {encoding: 'utf8'});
    let r = cli();
    expect(r.status).to.equal(1);
    expect(r.stdout).to.include('changed: metrics.json');
    writeFileSync(join(dir, 'sha256.txt'), await manifestText(dir));
    r = cli();
    expect(r.status, r.stdout).to.equal(1);
    expect(r.stdout).to.include('not drawn from its metrics.json: index.html');
    const v = await verifyBundle(dir);
    expect([v.changed, v.stale_pages]).to.deep.equal([[], ['index.html']]);
  });

  it('metrics BUNDLE (recomputation) draws the page again, so the bundle still verifies', async () => {
    const dir = join(tmp, 'recomputed');
    expect(spawnSync('cp', ['-r', spec, dir]).status).to.equal(0);
    const r = spawnSync(process.execPath, [CLI, 'metrics', dir, '--tolerance', '0.5'], {encoding: 'utf8'});
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('index.html');
    expect(readText(dir, 'index.html')).to.not.equal(readText(spec, 'index.html'));
    expect((await verifyBundle(dir)).ok).to.equal(true);
  });

  it('explanations and diagnostics (from explain) are drawn when metrics.json holds them', async () => {
    const m = readMetrics(spec);
    m.diagnostics = [{code: 'D-TEST-1', severity: 'warning', message: 'a diagnostic <b>kept as text</b>'}];
    m.explanations = [
      {rank: 1, hypotheses: ['C-PARITY-001'], title: 'phi carry-over', first_divergence_before: 'rot_a_angstroms', first_divergence_after: null, keys_agreeing: 114, tolerance: 1e-6, command: 'nbparity explain ...'},
      {rank: 2, hypotheses: ['H-A', 'H-B'], title: 'something else', first_divergence_before: 'rot_a_angstroms', first_divergence_after: 'hkl_frac', keys_agreeing: 90, tolerance: 1e-6, command: 'nbparity explain --only H-A'},
    ];
    const html = await renderIndexFor(m);
    expect(html).to.include('id="explanation"');
    expect(html).to.include('<code>C-PARITY-001</code>');
    expect(html).to.include('<span class="badge pass">removed</span>');
    expect(html).to.include('<code>hkl_frac</code>');
    expect(html).to.include('D-TEST-1');
    expect(html).to.include('a diagnostic &lt;b&gt;kept as text&lt;/b&gt;');
    expect(html.indexOf('id="explanation"')).to.be.lessThan(html.indexOf('id="delta-strip"'));
  });

  it('the image page embeds every picture metrics.json names, with colour bars, ROI, peaks and the zoom', async () => {
    const html = readText(image, 'index.html');
    expectSelfContained(html);
    const m = readMetrics(image);
    expect(m.previews.images.map((i: Json) => i.role)).to.deep.equal(['ref', 'test', 'diff']);
    for (const img of m.previews.images) {
      for (const f of [img.linear, img.log, img.zoom_linear, img.zoom_log]) expect(html).to.include(`data:image/png;base64,${readFileSync(join(image, f)).toString('base64')}`);
    }
    expect(html).to.include('id="log-toggle"');
    expect(html).to.include('photons (log scale)');
    expect(m.metrics.peaks.ref_list.length).to.be.greaterThan(0);
    expect(m.previews.zoom.centre).to.deep.equal(m.metrics.max_abs_diff_at);
    expect(html).to.include('White dashes: the ROI');
    expect((await verifyBundle(image)).ok).to.equal(true);
  });

  it('the supervisor frame (2463x2527) is max-pooled to at most 512 pixels a side, a lone hot pixel kept', async () => {
    const {previews} = await import('../src/images/previews.js');
    const w = 2463;
    const h = 2527;
    const ref = new Float32Array(w * h);
    const test = new Float32Array(w * h);
    test[1000 * w + 2000] = 7;
    const p = previews(ref, test, w, h, {percentile: 99.5, worst: {x: 2000, y: 1000}});
    expect(p.json.downsample).to.deep.equal({method: 'max', factor: 5, width: 493, height: 506});
    expect(p.json.zoom).to.deep.equal({x0: 1968, y0: 968, width: 64, height: 64, centre: {x: 2000, y: 1000}});
    const {decode} = await import('fast-png');
    const diff = decode(p.files['diff.png']);
    const top = [...p.files['diff.png']].length > 0 ? diff.data.slice(3 * (200 * 493 + 400), 3 * (200 * 493 + 400) + 3) : null;
    const bottom = diff.data.slice(0, 3);
    expect([...top!]).to.not.deep.equal([...bottom]);
  });

  it('the matrix page: one row per run with its status and a link to the case page, which exists', async () => {
    const html = readText(matrix, 'index.html');
    expectSelfContained(html);
    expect(html).to.include('href="cases/simple_cubic/default/index.html"');
    expect(html).to.include('href="cases/mosaic/default/index.html"');
    expect(html).to.include('Matrix: 2 runs, 1 passed, 1 failed');
    // a case run's own page links to its image and pixel pages relative to where it sits
    const casePage = readText(join(matrix, 'cases', 'mosaic', 'default'), 'index.html');
    expect(casePage).to.include('href="image-c-parity/index.html"');
    const pixelPage = casePage.match(/href="(trace-c-parity-[^"]+)\/index\.html"/);
    expect(pixelPage, 'a link to the traced pixel page').to.not.equal(null);
    expect(readText(join(matrix, 'cases', 'mosaic', 'default', pixelPage![1]), 'index.html')).to.include('DIVERGENCE');
    const v = await verifyBundle(matrix);
    expect(v.ok).to.equal(true);
    expect(v.pages).to.include.members(['index.html', 'cases/simple_cubic/default/index.html', 'cases/mosaic/default/index.html', 'cases/mosaic/default/image-c-parity/index.html']);
    expect(v.stale_pages).to.deep.equal([]);
  });

  it('view BUNDLE prints the page; --json the pages and pictures; a missing bundle is exit 3', () => {
    const run = (...a: string[]) => spawnSync(process.execPath, [CLI, 'view', ...a], {encoding: 'utf8', cwd: ROOT});
    let r = run(spec);
    expect([r.status, r.stdout]).to.deep.equal([0, `${join(spec, 'index.html')}\n`]);
    r = run(image, '--json');
    const j = JSON.parse(r.stdout);
    expect(j.index).to.equal(join(image, 'index.html'));
    expect(j.pictures).to.have.length(12);
    r = run(matrix, '--json');
    expect(JSON.parse(r.stdout).pages.length).to.be.greaterThan(3);
    r = run(join(tmp, 'no-such-bundle'));
    expect(r.status).to.equal(3);
    expect(r.stderr).to.match(/^nbparity: .*no such bundle folder\n$/);
  });
});

describe('terminal colour', () => {
  it('is on only for a terminal without NO_COLOR', () => {
    expect(colourOn({isTTY: true}, {})).to.equal(true);
    expect(colourOn({isTTY: false}, {})).to.equal(false);
    expect(colourOn({}, {})).to.equal(false);
    expect(colourOn({isTTY: true}, {NO_COLOR: '1'})).to.equal(false);
    expect(colourOn({isTTY: true}, {NO_COLOR: ''})).to.equal(true);
  });

  it('colours the verdict word only', async () => {
    await prepareColour(true);
    expect(paintVerdict('DIVERGENCE: first at x', true)).to.equal('\u001b[31m\u001b[1mDIVERGENCE\u001b[22m\u001b[39m: first at x');
    expect(paintVerdict('PASS: 3 compared', true)).to.match(/^\u001b\[32m/);
    expect(paintVerdict('status: below threshold: corr', true)).to.match(/^status: \u001b\[31m/);
    expect(paintVerdict('DIVERGENCE: first at x', false)).to.equal('DIVERGENCE: first at x');
  });

  it('pipes and --no-color get plain text from the real binary', () => {
    const ref = join(ROOT, 'traces', 'supervisor', 'trace_s685_f1039.log');
    const spec = join(ROOT, 'traces', 'supervisor_specref', 'trace_s685_f1039.log');
    for (const extra of [[], ['--no-color']]) {
      const r = spawnSync(process.execPath, [CLI, 'compare-traces', '--c', ref, '--py', spec, ...extra], {encoding: 'utf8', env: {...process.env, FORCE_COLOR: '3'}});
      expect(r.status).to.equal(1);
      expect(r.stdout).to.match(/^DIVERGENCE: first at rot_a_angstroms/);
      expect(r.stdout).to.not.include('\u001b[');
    }
  });
});
