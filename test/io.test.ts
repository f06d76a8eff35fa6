import {expect} from 'chai';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';

import {FileWriteError, makeFolders, removeFolders, StagingBatch, writeFileAtomic, writeFilesAtomic} from '../src/io/atomic.js';
import {decodeFloatImage, encodeFloatImage, readFloatImage} from '../src/io/floatimage.js';
import {allocatePgm} from '../src/io/pgm.js';
import {allocateNanoBraggSmv, cAtof, encodeSmv, parseSmv, readSmv, smvBytes, smvValueOf} from '../src/io/smv.js';
import {headerParams} from '../src/cli/simulate.js';
import {setupSimulation} from '../src/engine/setup.js';
import {imageCaseNames, loadCase} from './helpers/cases.js';
import {TRACES, caseFile, traceCases} from './helpers/paths.js';
import {meta} from './helpers/workdir.js';

describe('io', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nbparity-io-'));
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  describe('writeFileAtomic', () => {
    it('writes, replaces, and leaves no temporary file', async () => {
      const p = join(dir, 'a.bin');
      await writeFileAtomic(p, 'first');
      await writeFileAtomic(p, Buffer.from([1, 2, 3]));
      await writeFileAtomic(join(dir, 'b.txt'), 'sync');
      expect([...readFileSync(p)]).to.deep.equal([1, 2, 3]);
      expect(readFileSync(join(dir, 'b.txt'), 'utf8')).to.equal('sync');
      expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
    });

    it('on failure removes the temporary file and rethrows', async () => {
      const sub = join(dir, 'fail');
      mkdirSync(sub);
      const target = join(sub, 'is-a-directory');
      mkdirSync(target);
      writeFileSync(join(target, 'keep'), 'x'); // a non-empty directory cannot be renamed over
      let caught: unknown;
      try {
        await writeFileAtomic(target, 'data');
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(Error);
      expect(readdirSync(sub)).to.deep.equal(['is-a-directory']);
    });

    it('fails cleanly when the folder does not exist', async () => {
      let caught: unknown;
      try {
        await writeFileAtomic(join(dir, 'missing', 'x'), 'data');
      } catch (error) {
        caught = error;
      }
      expect((caught as NodeJS.ErrnoException).code).to.equal('ENOENT');
      // the message names the target, not the hidden temporary file
      expect((caught as Error).message).to.contain(join(dir, 'missing', 'x')).and.not.contain('.tmp');
    });

    it('writeFilesAtomic: all or nothing when one output cannot be staged', async () => {
      const sub = join(dir, 'multi');
      mkdirSync(sub);
      writeFileSync(join(sub, 'a'), 'old a');
      writeFileSync(join(sub, 'plain'), 'a file, so nothing goes under it');
      const bad = join(sub, 'plain', 'b');
      let caught: unknown;
      try {
        await writeFilesAtomic([
          {path: join(sub, 'a'), data: 'new a'},
          {path: bad, data: 'new b'},
        ]);
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(FileWriteError);
      expect((caught as FileWriteError).path).to.equal(bad);
      expect(readFileSync(join(sub, 'a'), 'utf8')).to.equal('old a');
      expect(readdirSync(sub).sort()).to.deep.equal(['a', 'plain']);
      await writeFilesAtomic([{path: join(sub, 'a'), data: 'new a'}]);
      expect(readFileSync(join(sub, 'a'), 'utf8')).to.equal('new a');
    });
    it('StagingBatch.stream: pieces written out of order make the whole file, committed in the order opened', async () => {
      const sub = join(dir, 'stream');
      mkdirSync(sub);
      writeFileSync(join(sub, 'same'), 'old');
      const batch = new StagingBatch();
      const streamed = batch.stream(join(sub, 'same'));
      streamed.write(Buffer.from('world'), 6);
      streamed.write(Buffer.from('hello '), 0);
      batch.stage(join(sub, 'other'), 'x');
      streamed.end();
      // nothing is visible before the commit; then the stream (opened first) and the file staged after it
      expect(readFileSync(join(sub, 'same'), 'utf8')).to.equal('old');
      await batch.commit();
      expect(readFileSync(join(sub, 'same'), 'utf8')).to.equal('hello world');
      expect(readFileSync(join(sub, 'other'), 'utf8')).to.equal('x');
      expect(readdirSync(sub).sort()).to.deep.equal(['other', 'same']);
    });

    it('StagingBatch: ranges known to be zero are left unwritten and read as zeros (one at the end of the file too), in streamed pieces and in pieces of one file', async () => {
      const sub = join(dir, 'zeros');
      mkdirSync(sub);
      // 3 MiB + 5 with a zero run of 2 MiB; the buffer holds junk there, which must not be read
      const size = 3 * 2 ** 20 + 5;
      const data = Buffer.alloc(size, 7);
      const zeros = [[10, 2 ** 21 + 3], [size - 2, size]] as const;
      const expected = Buffer.from(data);
      for (const [a, b] of zeros) expected.fill(0, a, b);
      const batch = new StagingBatch();
      batch.stage(join(sub, 'staged'), data, zeros);
      const streamed = batch.stream(join(sub, 'streamed'));
      // two pieces, the cut inside the first zero run
      streamed.write(data.subarray(2 ** 20), 2 ** 20, zeros);
      streamed.write(data.subarray(0, 2 ** 20), 0, zeros);
      streamed.end();
      await batch.commit();
      expect(readFileSync(join(sub, 'staged')).equals(expected)).to.equal(true);
      expect(readFileSync(join(sub, 'streamed')).equals(expected)).to.equal(true);
      // in pieces (Fdump.bin's header and grid): one after the other, the zero ranges over the whole
      await writeFileAtomic(join(sub, 'pieces'), [data.subarray(0, 7), data.subarray(7)]);
      expect(readFileSync(join(sub, 'pieces')).equals(data)).to.equal(true);
      const batch2 = new StagingBatch();
      batch2.stage(join(sub, 'pieces'), [data.subarray(0, 2 ** 20), data.subarray(2 ** 20)], zeros);
      await batch2.commit();
      expect(readFileSync(join(sub, 'pieces')).equals(expected)).to.equal(true);
    });

    it('StagingBatch: a stream that cannot be written fails the commit, names its target and changes nothing', async () => {
      const sub = join(dir, 'stream-bad');
      mkdirSync(sub);
      writeFileSync(join(sub, 'a'), 'old a');
      const batch = new StagingBatch();
      batch.stage(join(sub, 'a'), 'new a');
      const bad = join(sub, 'missing', 'f.bin');
      const streamed = batch.stream(bad);
      streamed.write(Buffer.from('rows'), 0);
      streamed.end();
      let caught: unknown;
      try {
        await batch.commit();
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(FileWriteError);
      expect((caught as FileWriteError).path).to.equal(bad);
      expect(readFileSync(join(sub, 'a'), 'utf8')).to.equal('old a');
      expect(readdirSync(sub)).to.deep.equal(['a']);
    });

    it('StagingBatch.discard: a caller that fails mid-way leaves no temporary file, even of an unfinished stream', async () => {
      const sub = join(dir, 'stream-discard');
      mkdirSync(sub);
      const batch = new StagingBatch();
      batch.stage(join(sub, 'a'), 'a');
      batch.stream(join(sub, 'b')).write(Buffer.from('part'), 0);
      await batch.discard();
      expect(readdirSync(sub)).to.deep.equal([]);
    });
  });

  describe('makeFolders', () => {
    it('creates the missing folders, reports them, and removeFolders takes them away again', () => {
      const base = join(dir, 'mk');
      const created = makeFolders(join(base, 'x', 'y'));
      expect(created).to.deep.equal([base, join(base, 'x'), join(base, 'x', 'y')]);
      expect(makeFolders(join(base, 'x', 'y'))).to.deep.equal([]);
      removeFolders(created);
      expect(existsSync(base)).to.equal(false);
    });

    it('fails with the path under a file, and under /proc (where Node 20 mkdir -p never returns)', () => {
      writeFileSync(join(dir, 'mkfile'), 'x');
      for (const target of [join(dir, 'mkfile', 'a', 'b'), ...(existsSync('/proc/self') ? ['/proc/nbparity-no-such/x'] : [])]) {
        expect(() => makeFolders(target), target).to.throw(FileWriteError);
      }
    });
  });

  describe('float images', () => {
    it('round-trips little-endian float32, including .gz', async () => {
      const img = new Float32Array([0, -0, 1.5, -2.25e-30, 3.4e38, Infinity, NaN, 7]);
      const p = join(dir, 'f.bin');
      writeFileSync(p, encodeFloatImage(img));
      const bytes = readFileSync(p);
      expect(bytes.length).to.equal(32);
      expect(bytes.readFloatLE(8)).to.equal(1.5);
      const back = readFloatImage(p, 4, 2);
      expect([...back].map((v) => (Number.isNaN(v) ? 'NaN' : v))).to.deep.equal([...img].map((v) => (Number.isNaN(v) ? 'NaN' : v)));
      expect(Object.is(back[1], -0)).to.equal(true);
      writeFileSync(p + '.gz', gzipSync(encodeFloatImage(img)));
      expect(readFloatImage(p + '.gz', 2, 4)[2]).to.equal(1.5);
    });

    it('reports a size mismatch with the file name and both sizes', () => {
      expect(() => decodeFloatImage(new Uint8Array(12), 2, 2, 'x.bin')).to.throw(/x\.bin: expected 16 bytes \(2x2 float32 pixels\) but found 12 \(3 pixels\)/);
      expect(() => decodeFloatImage(new Uint8Array(4), 0, 1)).to.throw(/positive integers/);
      writeFileSync(join(dir, 'bad.gz'), 'not gzip');
      expect(() => readFloatImage(join(dir, 'bad.gz'), 1, 1)).to.throw(/bad\.gz: not a valid gzip file/);
    });

    it("reads every case's float.bin at the size meta.json gives", () => {
      let n = 0;
      for (const name of imageCaseNames(traceCases())) {
        const c = loadCase(name);
        if (c.floatPath === undefined || c.floatPath.endsWith('.gz')) continue;
        expect(readFloatImage(c.floatPath, c.fpixels, c.spixels).length).to.equal(c.fpixels * c.spixels);
        n++;
      }
      expect(n).to.be.greaterThan(25);
    });
  });

  describe('SMV', () => {
    const smvFiles = traceCases().flatMap((name) => ['int.img', 'noise.img'].filter((f) => existsSync(caseFile(name, f))).map((f) => ({name, f})));

    it(`parses all ${smvFiles.length} C SMV files and re-encodes them byte for byte`, () => {
      expect(smvFiles.length).to.be.greaterThan(25);
      for (const {name, f} of smvFiles) {
        const path = caseFile(name, f);
        const raw = readFileSync(path);
        const img = readSmv(path);
        const c = loadCase(name);
        expect(img.width, path).to.equal(c.fpixels);
        expect(img.height, path).to.equal(c.spixels);
        expect(img.headerBytes).to.equal(512);
        expect(img.byteOrder).to.equal('little_endian');
        expect([...img.header.keys()].slice(0, 6)).to.deep.equal(['HEADER_BYTES', 'DIM', 'BYTE_ORDER', 'TYPE', 'SIZE1', 'SIZE2']);
        expect(img.header.get('DIALS_ORIGIN')).to.match(/^-?[\d.e+-]+,-?[\d.e+-]+,-?[\d.e+-]+$/);
        const text = img.headerText.slice(0, img.headerText.indexOf('}') + 2);
        expect(encodeSmv(text, img.data, 'little_endian').equals(raw), path).to.equal(true);
      }
    });

    it('decodes big-endian files, and can ignore BYTE_ORDER like C', () => {
      const data = new Uint16Array([1, 258, 65535, 0]);
      const text = '{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=big_endian;\nTYPE=unsigned_short;\nSIZE1=2;\nSIZE2=2;\n}\f';
      const buf = encodeSmv(text, data, 'big_endian');
      expect(buf.length).to.equal(520);
      expect(buf.readUInt16BE(514)).to.equal(258);
      expect([...parseSmv(buf, 'be.img').data]).to.deep.equal([1, 258, 65535, 0]);
      expect([...parseSmv(buf, 'be.img', {byteOrder: 'host'}).data]).to.deep.equal([256, 513, 65535, 0]);
    });

    it('honours HEADER_BYTES other than 512', () => {
      const text = '{\nHEADER_BYTES=1024;\nSIZE1=1;\nSIZE2=2;\nTYPE=unsigned_short;\nBYTE_ORDER=little_endian;\n}';
      const buf = Buffer.concat([Buffer.from(text.padEnd(1024, ' '), 'latin1'), Buffer.from([7, 0, 8, 0])]);
      const img = parseSmv(buf, 'big.img');
      expect(img.headerBytes).to.equal(1024);
      expect([...img.data]).to.deep.equal([7, 8]);
    });

    it('rejects malformed files with the file name and the problem', () => {
      const hdr = (body: string, size = 512) => Buffer.from(('{\n' + body + '}\f').padEnd(size, ' '), 'latin1');
      const ok = 'HEADER_BYTES=512;\nSIZE1=2;\nSIZE2=2;\nTYPE=unsigned_short;\nBYTE_ORDER=little_endian;\n';
      const data = Buffer.alloc(8);
      expect(() => parseSmv(Buffer.from('P5\n'), 'a.img')).to.throw(/a\.img: not an SMV file/);
      expect(() => parseSmv(Buffer.concat([hdr('SIZE1=2;\nSIZE2=2;\n'), data]), 'b.img')).to.throw(/b\.img: SMV header has no HEADER_BYTES/);
      expect(() => parseSmv(Buffer.concat([hdr(ok.replace('SIZE1=2', 'SIZE1=x')), data]), 'c.img')).to.throw(/c\.img: SMV header SIZE1=x is not a positive integer/);
      expect(() => parseSmv(Buffer.concat([hdr(ok.replace('SIZE2=2;\n', '')), data]), 'd.img')).to.throw(/d\.img: SMV header has no SIZE2/);
      expect(() => parseSmv(Buffer.concat([hdr(ok.replace('unsigned_short', 'float')), data]), 'e.img')).to.throw(/e\.img: SMV TYPE=float is not supported/);
      expect(() => parseSmv(Buffer.concat([hdr(ok.replace('little_endian', 'middle')), data]), 'f.img')).to.throw(/f\.img: SMV BYTE_ORDER=middle/);
      expect(() => parseSmv(Buffer.concat([hdr(ok), data.subarray(0, 6)]), 'g.img')).to.throw(/g\.img: SMV data truncated: 2x2 pixels need 520 bytes, the file has 518/);
      expect(() => parseSmv(Buffer.concat([hdr(ok + 'GARBAGE;\n'), data]), 'h.img')).to.throw(/h\.img: malformed SMV header entry "GARBAGE"/);
      expect(() => parseSmv(Buffer.from('{\nHEADER_BYTES=512;\n'), 'i.img')).to.throw(/i\.img: SMV HEADER_BYTES=512 but the file has 20 bytes/);
      expect(() => parseSmv(Buffer.from('{\nHEADER_BYTES=30;\nSIZE1=1;'.padEnd(40, ' ')), 'j.img')).to.throw(/j\.img: SMV header has no closing "}"/);
    });

    it("recovers nanoBragg's header that overran HEADER_BYTES=512 (the supervisor's, 518 bytes), with a warning; --smv-header valid declares its size", () => {
      // the supervisor geometry's header text, as the engine (and C: int.img byte-identical) writes it
      const sim = setupSimulation(meta('supervisor').args, {phiMode: 'c-parity', cwd: join(TRACES, 'inputs')});
      const params = headerParams(sim);
      const c = allocateNanoBraggSmv(params, 'int', 'little_endian', 'c');
      expect(c.header.length).to.equal(518);
      expect(c.header.subarray(0, 512).includes('}')).to.equal(false);
      c.data[0] = 11;
      c.data[c.data.length - 1] = 22;
      const cImg = parseSmv(smvBytes(c), 'c.img');
      expect([cImg.width, cImg.height, cImg.headerBytes, cImg.declaredHeaderBytes]).to.deep.equal([2463, 2527, 518, 512]);
      expect([cImg.data[0], cImg.data[cImg.data.length - 1]]).to.deep.equal([11, 22]);
      expect(cImg.warnings).to.have.length(1);
      expect(cImg.warnings[0]).to.match(/c\.img: the SMV header is 518 bytes but declares HEADER_BYTES=512 .*C-SMV-HEADER-OVERFLOW/);

      const v = allocateNanoBraggSmv(params, 'int', 'little_endian', 'valid');
      expect(v.header.length).to.equal(1024);
      v.data.set(c.data);
      const vImg = parseSmv(smvBytes(v), 'v.img');
      expect([vImg.headerBytes, vImg.declaredHeaderBytes, vImg.warnings.length]).to.deep.equal([1024, 1024, 0]);
      expect(Buffer.from(vImg.data.buffer).equals(Buffer.from(cImg.data.buffer))).to.equal(true);
      expect([...vImg.header.entries()].filter(([k]) => k !== 'HEADER_BYTES')).to.deep.equal([...cImg.header.entries()].filter(([k]) => k !== 'HEADER_BYTES'));

      // a header that fits is the same in both layouts
      const small = {...params, fpixels: 4, spixels: 4, distanceM: 0.1};
      expect(allocateNanoBraggSmv(small, 'int', 'little_endian', 'valid').header.equals(allocateNanoBraggSmv(small, 'int', 'little_endian', 'c').header)).to.equal(true);
      // an overflow whose pixels do not fill the file exactly is not guessed at
      expect(() => parseSmv(smvBytes(c).subarray(0, 518 + 100), 'cut.img')).to.throw(/cut\.img: SMV header has no closing "}" within HEADER_BYTES=512/);
    });

    it('reads the mask input (64x64 with a zero block and a zero diagonal)', () => {
      const mask = readSmv(join(TRACES, 'inputs', 'mask.img'));
      expect([mask.width, mask.height]).to.deep.equal([64, 64]);
      let zeros = 0;
      for (const v of mask.data) if (v === 0) zeros++;
      expect(zeros).to.be.greaterThan(64);
      for (let i = 0; i < 64; i++) expect(mask.data[i * 64 + i], `diagonal ${i}`).to.equal(0);
    });

    it("smvValueOf follows C's ValueOf: last substring match, atof, NaN when absent", () => {
      const img = readSmv(caseFile('tilted_mosflm', 'int.img'));
      const close = Number(img.header.get('CLOSE_DISTANCE'));
      expect(Number(img.header.get('DISTANCE'))).to.not.equal(close);
      expect(smvValueOf(img.headerText, 'DISTANCE')).to.equal(close);
      expect(smvValueOf(img.headerText, 'ORGX')).to.equal(Number(img.header.get('XDS_ORGX')));
      expect(smvValueOf(img.headerText, 'SIZE1')).to.equal(img.width);
      expect(smvValueOf(img.headerText, 'NOT_THERE')).to.be.NaN;
      expect(smvValueOf('{\nKEY;\n}', 'KEY')).to.equal(0);
      expect(cAtof(' -1.5e3xyz')).to.equal(-1500);
      expect(cAtof('abc')).to.equal(0);
      expect(cAtof('.5')).to.equal(0.5);
    });
  });

  describe('PGM', () => {
    it('writes the C header', () => {
      const file = allocatePgm(3, 1, 2.63878e-7);
      expect(file.pixels.length).to.equal(3);
      expect(file.bytes.toString('latin1')).to.equal('P5\n3 1\n# pixels scaled by 2.63878e-07\n255\n\x00\x00\x00');
      file.pixels.set([0, 128, 255]);
      expect(file.bytes.toString('latin1')).to.equal('P5\n3 1\n# pixels scaled by 2.63878e-07\n255\n\x00\x80\xff');
    });
  });
});
