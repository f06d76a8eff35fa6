/**
 * index.html in a real browser: headless Chromium (Debian's `chromium` package, driven by
 * playwright-core) loads the page of a harness bundle (the supervisor M1 pixel, spec and
 * c-parity), a compare-images report and a matrix bundle from file://, and must log no
 * console error, throw no page error and ask for nothing from the network. Screenshots go to a
 * temporary folder, or to NBPARITY_SCREENSHOTS (reports/examples/ holds the committed ones).
 * Skipped, saying so, when no Chromium is installed (.ci/run installs it).
 */
import {expect} from 'chai';
import {existsSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';

import {harnessBundle, imageBundle, matrixBundle} from './helpers/view-bundles.js';

const CHROMIUM = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));

describe('index.html in headless Chromium', function () {
  this.timeout(180000);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let browser: any;
  let tmp: string;
  let shots: string;
  const pages: Record<string, string> = {};

  before(async function () {
    if (!CHROMIUM) {
      console.log('      (skipped: no Chromium; install Debian\'s "chromium" package, or set CHROMIUM=/path/to/chromium)');
      this.skip();
    }
    tmp = mkdtempSync(join(tmpdir(), 'nbparity-browser-'));
    shots = process.env.NBPARITY_SCREENSHOTS ? resolve(process.env.NBPARITY_SCREENSHOTS) : join(tmp, 'shots');
    mkdirSync(shots, {recursive: true});
    pages['supervisor-m1-spec'] = join(harnessBundle(join(tmp, 'spec'), 'spec'), 'index.html');
    pages['supervisor-m1-c-parity'] = join(harnessBundle(join(tmp, 'c-parity'), 'c-parity'), 'index.html');
    pages['compare-images'] = join(await imageBundle(join(tmp, 'image'), [0, 150, 20, 180]), 'index.html');
    pages['matrix'] = join(matrixBundle(join(tmp, 'matrix')), 'index.html');
    const {chromium} = await import('playwright-core');
    browser = await chromium.launch({executablePath: CHROMIUM, args: ['--no-sandbox']});
  });

  after(async () => {
    await browser?.close();
    if (tmp) rmSync(tmp, {recursive: true, force: true});
  });

  for (const name of ['supervisor-m1-spec', 'supervisor-m1-c-parity', 'compare-images', 'matrix']) {
    it(`${name}: no console error, no network request, a screenshot`, async () => {
      const page = await browser.newPage({viewport: {width: 1280, height: 900}});
      const problems: string[] = [];
      const network: string[] = [];
      page.on('console', (m: {type(): string; text(): string}) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
      // anything but the page's own file (data: URIs never reach the network) fails the test
      await page.route('**/*', (route: {request(): {url(): string}; abort(): Promise<void>; continue(): Promise<void>}) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        network.push(url);
        return route.abort();
      });
      page.on('request', (r: {url(): string}) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) network.push(r.url());
      });
      await page.goto(pathToFileURL(pages[name]).href, {waitUntil: 'load'});
      // the screenshots first, as the page opens (the interactions below scroll it)
      await page.screenshot({path: join(shots, `${name}.png`)});
      if (name === 'supervisor-m1-spec') {
        await page.locator('#deltas').screenshot({path: join(shots, `${name}-deltas.png`)});
        await page.locator('#per-phi').screenshot({path: join(shots, `${name}-per-phi.png`)});
      }
      if (name === 'compare-images') await page.locator('#pictures').screenshot({path: join(shots, `${name}-pictures.png`)});
      expect(await page.locator('#verdict').count()).to.equal(1);
      const svgs = await page.locator('svg').count();
      if (name.startsWith('supervisor')) {
        expect(svgs).to.be.greaterThanOrEqual(2);
        // sorting a column runs the page's script without an error
        await page.locator('table.keys th').nth(6).click();
      }
      if (name === 'compare-images') {
        // every picture decoded, and the log switch shows the log pictures
        const broken = await page.evaluate(() => Array.from(document.querySelectorAll('svg image')).filter((i) => !(i as SVGImageElement).href.baseVal.startsWith('data:image/png')).length);
        expect(broken).to.equal(0);
        await page.locator('#log-toggle').check();
        expect(await page.evaluate(() => document.body.classList.contains('log'))).to.equal(true);
        await page.locator('#pictures').screenshot({path: join(shots, `${name}-log.png`)});
        await page.locator('#log-toggle').uncheck();
      }
      if (name === 'matrix') {
        // the failing case run's page, then its traced pixel's page: links work from where each page sits
        await page.locator('a[href="cases/mosaic/default/index.html"]').first().click();
        await page.waitForLoadState('load');
        expect(page.url()).to.match(/cases\/mosaic\/default\/index\.html$/);
        await page.locator('a[href^="trace-c-parity-"]').first().click();
        await page.waitForLoadState('load');
        expect(await page.locator('#verdict').innerText()).to.match(/DIVERGENCE/);
        await page.goBack();
        await page.goBack();
      }
      await page.close();
      expect(problems, problems.join('\n')).to.deep.equal([]);
      expect(network, network.join('\n')).to.deep.equal([]);
      expect(existsSync(join(shots, `${name}.png`))).to.equal(true);
    });
  }
});
