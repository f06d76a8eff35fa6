import {expect} from 'chai';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import {UserError} from '../src/engine/errors.js';
import {TraceInputError} from '../src/trace/errors.js';
import {rewritePrefix} from '../src/trace/parse.js';
import {comparePhiRows, loadPhiTable, phiTableFromText, type PhiTable} from '../src/trace/perphi.js';
import {caseFile} from './helpers/paths.js';

const C_SUP = readFileSync(caseFile('supervisor', 'trace_s685_f1039.log'), 'utf8');
const SPEC_SUP = rewritePrefix(readFileSync(caseFile('supervisor_specref', 'trace_s685_f1039.log'), 'utf8'), 'C', 'TS');
const TOL = {rtol: 1e-6, atol: null};
const floor = (f: string) => (f === 'phi_deg' ? 1e-12 : 0);

function asTable(t: PhiTable, sep: string): string {
  const head = ['phi_tic', 'phi_deg', 'k_frac', 'F_latt_b', 'F_latt'];
  return [head.join(sep), ...t.rows.map((r) => head.map((h) => r.raw[h]).join(sep))].join('\n') + '\n';
}

describe('per-phi', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nbparity-perphi-'));
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('spec oracle vs C: first_divergent_step 0, every later step passes', () => {
    const r = comparePhiRows(phiTableFromText(C_SUP, 'c.log').rows, phiTableFromText(SPEC_SUP, 'ts.log').rows, TOL, floor);
    expect(r.first_divergent_step).to.equal(0);
    expect(r.first_divergent_row).to.equal(0);
    expect(r.rows).to.have.length(10);
    expect(r.rows[0].divergent).to.deep.equal(['k_frac', 'F_latt_b', 'F_latt']);
    expect(r.rows[0].k_frac_delta).to.be.closeTo(-0.589167636095369 - -0.607255839576692, 1e-15);
    expect(r.rows.slice(1).every((x) => x.status === 'pass')).to.equal(true);
  });

  it('C vs itself (the c-parity situation): first_divergent_step null', () => {
    const rows = phiTableFromText(C_SUP, 'c.log').rows;
    const r = comparePhiRows(rows, phiTableFromText(rewritePrefix(C_SUP, 'C', 'TS'), 'ts.log').rows, TOL, floor);
    expect(r.first_divergent_step).to.equal(null);
    expect(r.first_divergent_row).to.equal(null);
  });

  it('reads per-phi tables as CSV, TSV and JSON, as the PyTorch scripts wrote them', () => {
    const spec = phiTableFromText(SPEC_SUP, 'ts.log');
    writeFileSync(join(dir, 'spec.csv'), '# per-phi from the port\n' + asTable(spec, ','));
    writeFileSync(join(dir, 'spec.tsv'), asTable(spec, '\t'));
    writeFileSync(join(dir, 'spec_table.txt'), asTable(spec, '\t'));
    writeFileSync(
      join(dir, 'spec.json'),
      JSON.stringify({metadata: {pixel_s: 685}, traces: spec.rows.map((r) => ({phi_tic: r.phi_tic, phi_deg: r.phi_deg, k_frac: r.k_frac, F_latt_b: r.F_latt_b, F_latt: r.F_latt, k: -1}))}),
    );
    const ref = phiTableFromText(C_SUP, 'c.log').rows;
    for (const [f, format] of [
      ['spec.csv', 'csv'],
      ['spec.tsv', 'tsv'],
      ['spec_table.txt', 'tsv'],
      ['spec.json', 'json'],
    ] as const) {
      const t = loadPhiTable(join(dir, f));
      expect(t.format, f).to.equal(format);
      expect(t.sha256, f).to.match(/^[0-9a-f]{64}$/);
      expect(t.rows.map((r) => r.k_frac), f).to.deep.equal(spec.rows.map((r) => r.k_frac));
      expect(comparePhiRows(ref, t.rows, TOL, floor).first_divergent_step, f).to.equal(0);
    }
  });

  it('refuses a table without the needed columns or with a non-number', () => {
    writeFileSync(join(dir, 'bad.csv'), 'phi_tic,k_frac\n0,1\n');
    expect(() => loadPhiTable(join(dir, 'bad.csv'))).to.throw(TraceInputError, /lacks the column phi_deg/);
    writeFileSync(join(dir, 'bad2.csv'), 'phi_tic,phi_deg,k_frac,F_latt_b,F_latt\n0,0,x,1,1\n');
    expect(() => loadPhiTable(join(dir, 'bad2.csv'))).to.throw(TraceInputError, /k_frac is not a number/);
    expect(() => loadPhiTable(join(dir, 'missing.csv'))).to.throw(UserError, /missing\.csv: cannot read \(ENOENT/);
  });

  it('reports missing and extra rows, and a phi_tic mismatch', () => {
    const ref = phiTableFromText(C_SUP, 'c.log').rows;
    const r = comparePhiRows(ref, ref.slice(0, 8), TOL, floor);
    expect(r.first_divergent_step).to.equal(8);
    expect(r.rows[8].status).to.equal('missing');
    const e = comparePhiRows(ref.slice(0, 8), ref, TOL, floor);
    expect(e.rows[9].status).to.equal('extra');
    const shifted = ref.map((x) => ({...x, phi_tic: x.phi_tic + 1}));
    expect(comparePhiRows(ref, shifted, TOL, floor).rows[0].divergent).to.contain('phi_tic');
  });
});
