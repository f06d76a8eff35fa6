#!/usr/bin/env node
// What drawing index.html costs: loads the view (vega and vega-lite included, as a bundle-writing
// command does on its first page) and draws the page of BUNDLE's metrics.json, in a fresh process;
// prints wall and CPU milliseconds. Usage (after npm run build):
//   node scripts/view-timing.mjs BUNDLE
import {readFileSync} from 'node:fs';
import {join} from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/view-timing.mjs BUNDLE');
  process.exit(2);
}
const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
const t0 = performance.now();
const c0 = process.cpuUsage();
const {renderIndexFor} = await import('../dist/src/view/index.js');
const html = await renderIndexFor(metrics, (rel) => readFileSync(join(dir, rel)));
const c = process.cpuUsage(c0);
const wall = performance.now() - t0;
const same = html === readFileSync(join(dir, 'index.html'), 'utf8');
console.log(`index.html of ${dir}: ${html.length} bytes (${same ? 'identical to the bundle\'s' : 'DIFFERS from the bundle\'s'}); wall ${wall.toFixed(0)} ms, CPU ${((c.user + c.system) / 1000).toFixed(0)} ms (user ${(c.user / 1000).toFixed(0)}, system ${(c.system / 1000).toFixed(0)})`);
