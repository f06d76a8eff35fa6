;; The pixel loop (`$pixel`, `span`, at the end) and its step kernel (`$steps`): for one
;; scattering vector, the Miller indices, the square crystal's lattice factor and the
;; nearest-grid structure factor at every (phi step, mosaic domain), as one record per step that
;; the pixel loop then accumulates. pixel.ts sets it up and supplies the callbacks (other crystal
;; shapes, interpolation, the curved detector, the trace points).
;;
;; Why here and not in JS: six sines per (pixel, phi step, mosaic domain) are most of a frame's
;; cost, and Math.sin (a call into V8's C++ fdlibm) is the bottleneck; so is crossing from JS into
;; WebAssembly three times per step. One call per (sub-pixel, source) does the whole step loop.
;; V8 does not inline wasm calls, so the hot paths are written out where they are used.
;;
;; Sines: Math.sin is the fdlibm algorithm; $sines evaluates the same algorithm, step for step
;; in the same double operations, for two arguments at once (sin(N x) and sin(x) of a sincg, in
;; the two lanes of a 128-bit vector) and without data-dependent branches. $steps first writes
;; the arguments of all its steps into sine slots, then $sines runs over them in one tight loop
;; (the processor overlaps independent slots; one sincg at a time waited on its own latency:
;; 15 % of a frame), then the ratios are taken. Where the native sines are built
;; (src/engine/sines.c: the same operations, 4 or 8 lanes), $fillSines hands the slots to them
;; instead, and the lanes they list to Math.sin. Arguments that would
;; take one of fdlibm's rarer paths (|x| < 3pi/4, |x| > 2^20 pi/2, inf/NaN, a reduction that
;; cancels more than 16 bits, a reduced argument below 2^-27) are handed to Math.sin itself, so
;; every result is exactly Math.sin's. test/lattice.test.ts checks that on millions of arguments.
;;
;; fdlibm, for |x| in [3pi/4, 2^20 pi/2]:
;;   n  = (int)(|x| * 2/pi + 0.5)
;;   r  = |x| - n*pio2_1;  w = n*pio2_1t;  y0 = r - w;  y1 = (r - y0) - w     (|x| - n pi/2 = y0 + y1)
;;   sin|x| = [ksin(y0,y1), kcos(y0,y1), -ksin(y0,y1), -kcos(y0,y1)][n mod 4];  sin x = sign(x) sin|x|
;; (fdlibm negates y0, y1 and n for x < 0; ksin is odd and kcos even in (y0, y1), so that equals
;; flipping the sign of the result.)
(module
  (import "math" "sin" (func $mathSin (param f64) (result f64)))
  (import "math" "cos" (func $mathCos (param f64) (result f64)))
  (import "math" "exp" (func $mathExp (param f64) (result f64)))
  (import "math" "atan2" (func $mathAtan2 (param f64) (param f64) (result f64)))
  ;; the native sines (src/engine/sines.c), when built and $native is on: fills in the sines of
  ;; `count` slots from `slots` on and lists at `list` the lanes it left to Math.sin; returns how many
  (import "native" "sines" (func $nativeSines (param $slots i32) (param $count i32) (param $list i32) (result i32)))
  ;; the rarer paths and the tracer, in pixel.ts (they read and write the scratch block)
  (import "host" "curved" (func $hostCurved))
  (import "host" "shape" (func $hostShape (param $step i32) (result f64)))
  (import "host" "interpolated" (func $hostInterpolated (param $step i32) (result f64)))
  (import "host" "traceGeometry" (func $traceGeometry))
  (import "host" "traceStep" (func $traceStep (param $step i32) (param $source i32) (param $table i32)))
  (import "host" "traceFactor" (func $traceFactor (param $step i32) (param $source i32) (param $Fcell f64) (param $Flatt f64) (param $polar f64) (param $lambda f64)))

  ;; fdlibm's constants, as mutable globals: V8 rebuilds a v128.const or f64x2.splat from
  ;; immediates (3-4 instructions) at every use, but reads a global with one load (4% of a frame)
  (global $invPio2 (mut v128) (v128.const f64x2 6.36619772367581382433e-01 6.36619772367581382433e-01))
  (global $half (mut v128) (v128.const f64x2 0.5 0.5))
  (global $two52 (mut v128) (v128.const f64x2 0x1p52 0x1p52))
  (global $pio2_1 (mut v128) (v128.const f64x2 1.57079632673412561417e+00 1.57079632673412561417e+00))
  (global $pio2_1t (mut v128) (v128.const f64x2 6.07710050650619224932e-11 6.07710050650619224932e-11))
  (global $threePio4 (mut v128) (v128.const f64x2 0x1.2d97cp+1 0x1.2d97cp+1))
  (global $reductionMax (mut v128) (v128.const f64x2 0x1.921fbffffffffp+20 0x1.921fbffffffffp+20))
  (global $cancelLimit (mut v128) (v128.const f64x2 0x1p-16 0x1p-16))
  (global $S2 (mut v128) (v128.const f64x2 8.33333333332248946124e-03 8.33333333332248946124e-03))
  (global $S3 (mut v128) (v128.const f64x2 -1.98412698298579493134e-04 -1.98412698298579493134e-04))
  (global $S4 (mut v128) (v128.const f64x2 2.75573137070700676789e-06 2.75573137070700676789e-06))
  (global $S5 (mut v128) (v128.const f64x2 -2.50507602534068634195e-08 -2.50507602534068634195e-08))
  (global $S6 (mut v128) (v128.const f64x2 1.58969099521155010221e-10 1.58969099521155010221e-10))
  (global $S1 (mut v128) (v128.const f64x2 -1.66666666666666324348e-01 -1.66666666666666324348e-01))
  (global $C1 (mut v128) (v128.const f64x2 4.16666666666666019037e-02 4.16666666666666019037e-02))
  (global $C2 (mut v128) (v128.const f64x2 -1.38888888888741095749e-03 -1.38888888888741095749e-03))
  (global $C3 (mut v128) (v128.const f64x2 2.48015872894767294178e-05 2.48015872894767294178e-05))
  (global $C4 (mut v128) (v128.const f64x2 -2.75573143513906633035e-07 -2.75573143513906633035e-07))
  (global $C5 (mut v128) (v128.const f64x2 2.08757232129817482790e-09 2.08757232129817482790e-09))
  (global $C6 (mut v128) (v128.const f64x2 -1.13596475577881948265e-11 -1.13596475577881948265e-11))
  (global $qxMax (mut v128) (v128.const f64x2 0.28125 0.28125))
  (global $one (mut v128) (v128.const f64x2 1 1))
  (global $absMask (mut v128) (v128.const i64x2 0x7fffffffffffffff 0x7fffffffffffffff))
  (global $quarterExp (mut v128) (v128.const i64x2 0x0020000000000000 0x0020000000000000))
  (global $highWord (mut v128) (v128.const i64x2 0xffffffff00000000 0xffffffff00000000))
  (global $qxFixedAbove (mut v128) (v128.const i64x2 0x3fe90000ffffffff 0x3fe90000ffffffff))
  (global $qxZeroBelow (mut v128) (v128.const i64x2 0x3fd3333300000000 0x3fd3333300000000))
  (global $signBit (mut v128) (v128.const i64x2 0x8000000000000000 0x8000000000000000))

  ;; Sine slots: 32 bytes each, an argument pair (two doubles) then its two sines. `$sines`
  ;; fills in the sines of `count` slots from `at` on. One slot is one independent chain of work, so
  ;; the processor overlaps consecutive slots: a tight loop over the slots runs at close to the
  ;; vector units' throughput, where one sincg at a time waited on its own latency.
  (func $sines (param $at i32) (param $count i32)
    (local $end i32) (local $x v128)
    (local $ax v128) (local $n v128) (local $fn v128) (local $r v128) (local $w v128)
    (local $y0 v128) (local $y1 v128) (local $ay0 v128) (local $z v128) (local $v v128)
    (local $polyS v128) (local $polyC v128) (local $s v128) (local $c v128) (local $qx v128)
    (local $res v128) (local $slow v128)
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $count) (i32.const 5))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
      (local.set $x (v128.load (local.get $at)))
      (local.set $ax (v128.and (local.get $x) (global.get $absMask)))

      ;; Cody-Waite reduction by pi/2, first round (33 + 53 bits of pi/2). fdlibm's n is
      ;; (int)(|x| 2/pi + 0.5), a floor for these positive values; n itself (its low bits) is read
      ;; off the mantissa of n + 2^52
      (local.set $fn (f64x2.floor
        (f64x2.add (f64x2.mul (local.get $ax) (global.get $invPio2))
                   (global.get $half))))
      (local.set $n (f64x2.add (local.get $fn) (global.get $two52)))
      (local.set $r (f64x2.sub (local.get $ax) (f64x2.mul (local.get $fn) (global.get $pio2_1))))
      (local.set $w (f64x2.mul (local.get $fn) (global.get $pio2_1t)))
      (local.set $y0 (f64x2.sub (local.get $r) (local.get $w)))
      (local.set $y1 (f64x2.sub (f64x2.sub (local.get $r) (local.get $y0)) (local.get $w)))
      (local.set $ay0 (v128.and (local.get $y0) (global.get $absMask)))

      ;; lanes for Math.sin: |x| outside [3pi/4, 2^20 pi/2] (fdlibm's high-word bounds; NaN
      ;; included), or a reduced argument below |x| 2^-16. The last takes in every lane where fdlibm would cancel more than 16 bits
      ;; and take further reduction rounds, and every reduced argument below 2^-27 (|x| > 2): a
      ;; few more lanes than needed, all exact anyway
      (local.set $slow (v128.or
        (v128.or
          (f64x2.lt (local.get $ax) (global.get $threePio4))
          (v128.not (f64x2.le (local.get $ax) (global.get $reductionMax))))
        (f64x2.lt (local.get $ay0) (f64x2.mul (local.get $ax) (global.get $cancelLimit)))))

      ;; ksin(y0, y1) = y0 - ((z*(y1/2 - v*P) - y1) - v*S1),  z = y0^2, v = z*y0
      (local.set $z (f64x2.mul (local.get $y0) (local.get $y0)))
      (local.set $v (f64x2.mul (local.get $z) (local.get $y0)))
      (local.set $polyS (f64x2.add (global.get $S2)
        (f64x2.mul (local.get $z) (f64x2.add (global.get $S3)
          (f64x2.mul (local.get $z) (f64x2.add (global.get $S4)
            (f64x2.mul (local.get $z) (f64x2.add (global.get $S5)
              (f64x2.mul (local.get $z) (global.get $S6))))))))))
      (local.set $s (f64x2.sub (local.get $y0)
        (f64x2.sub
          (f64x2.sub
            (f64x2.mul (local.get $z)
              (f64x2.sub (f64x2.mul (global.get $half) (local.get $y1)) (f64x2.mul (local.get $v) (local.get $polyS))))
            (local.get $y1))
          (f64x2.mul (local.get $v) (global.get $S1)))))

      ;; kcos(y0, y1) = (1 - qx) - ((z/2 - qx) - (z*Q - y0*y1)), with qx = 0 for |y0| < 0.3 (then it
      ;; is fdlibm's short form exactly), 0.28125 above 0.78125, else |y0|/4 cut to its high word
      (local.set $polyC (f64x2.mul (local.get $z) (f64x2.add (global.get $C1)
        (f64x2.mul (local.get $z) (f64x2.add (global.get $C2)
          (f64x2.mul (local.get $z) (f64x2.add (global.get $C3)
            (f64x2.mul (local.get $z) (f64x2.add (global.get $C4)
              (f64x2.mul (local.get $z) (f64x2.add (global.get $C5)
                (f64x2.mul (local.get $z) (global.get $C6)))))))))))))
      (local.set $qx (v128.and
        (i64x2.sub (local.get $ay0) (global.get $quarterExp))
        (global.get $highWord)))
      (local.set $qx (v128.bitselect (global.get $qxMax) (local.get $qx)
        (i64x2.gt_s (local.get $ay0) (global.get $qxFixedAbove))))
      (local.set $qx (v128.bitselect (v128.const i64x2 0 0) (local.get $qx)
        (i64x2.lt_s (local.get $ay0) (global.get $qxZeroBelow))))
      (local.set $c (f64x2.sub (f64x2.sub (global.get $one) (local.get $qx))
        (f64x2.sub
          (f64x2.sub (f64x2.mul (global.get $half) (local.get $z)) (local.get $qx))
          (f64x2.sub (f64x2.mul (local.get $z) (local.get $polyC)) (f64x2.mul (local.get $y0) (local.get $y1))))))

      ;; quadrant n mod 4: bit 0 of n picks kcos, bit 1 flips the sign, and so does the sign of x
      (local.set $res (v128.bitselect (local.get $c) (local.get $s)
        (i64x2.lt_s (i64x2.shl (local.get $n) (i32.const 63)) (v128.const i64x2 0 0))))
      (local.set $res (v128.xor (local.get $res)
        (v128.and (v128.xor (i64x2.shl (local.get $n) (i32.const 62)) (local.get $x))
                  (global.get $signBit))))

      (if (v128.any_true (local.get $slow))
        (then
          (if (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $slow)))
            (then (local.set $res (f64x2.replace_lane 0 (local.get $res) (call $mathSin (f64x2.extract_lane 0 (local.get $x)))))))
          (if (i32.wrap_i64 (i64x2.extract_lane 1 (local.get $slow)))
            (then (local.set $res (f64x2.replace_lane 1 (local.get $res) (call $mathSin (f64x2.extract_lane 1 (local.get $x)))))))))
      (v128.store offset=16 (local.get $at) (local.get $res))
      (local.set $at (i32.add (local.get $at) (i32.const 32)))
      (br $next))))

  ;; The sines of `count` slots from `at` on: natively 4 or 8 at a time when the native path is
  ;; on, the lanes it lists then from Math.sin; else $sines
  (func $fillSines (param $at i32) (param $count i32)
    (local $listed i32) (local $k i32) (local $lane i32)
    (if (i32.eqz (global.get $native))
      (then (call $sines (local.get $at) (local.get $count)) (return)))
    (local.set $listed (call $nativeSines (local.get $at) (local.get $count) (global.get $slowList)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $listed)))
      ;; lane 2 s + i: argument i of slot s, its sine 16 bytes on
      (local.set $lane (i32.load (i32.add (global.get $slowList) (i32.shl (local.get $k) (i32.const 2)))))
      (local.set $lane (i32.add (local.get $at)
        (i32.add (i32.shl (i32.shr_u (local.get $lane) (i32.const 1)) (i32.const 5)) (i32.shl (i32.and (local.get $lane) (i32.const 1)) (i32.const 3)))))
      (f64.store offset=16 (local.get $lane) (call $mathSin (f64.load (local.get $lane))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $next))))

  ;; sin(x*N)/sin(x), N at x = 0 (C's sincg), through one sine slot in the scratch block (464)
  (func $sincg (export "sincg") (param $xs f64) (param $N f64) (result f64)
    (f64.store offset=464 (i32.const 0) (f64.mul (local.get $xs) (local.get $N)))
    (f64.store offset=472 (i32.const 0) (local.get $xs))
    (call $fillSines (i32.const 464) (i32.const 1))
    (select (local.get $N)
      (f64.div (f64.load offset=480 (i32.const 0)) (f64.load offset=488 (i32.const 0)))
      (f64.eq (local.get $xs) (f64.const 0))))

  ;; Memory: step records from byte 0 (lattice.ts sizes it), then the cell tables, then the
  ;; structure-factor grid; lattice.ts lays it out and calls `configure` once.
  (memory (export "memory") 1)
  (global $Na (mut f64) (f64.const 1)) (global $Nb (mut f64) (f64.const 1)) (global $Nc (mut f64) (f64.const 1))
  (global $square (mut i32) (i32.const 1))
  (global $defaultF (mut f64) (f64.const 0))
  ;; grid bounds as doubles: the range test runs on the rounded indices before any conversion,
  ;; so NaN, infinities and huge values fall through to defaultF as they do in C
  (global $hMin (mut f64) (f64.const 0)) (global $hMax (mut f64) (f64.const -1))
  (global $kMin (mut f64) (f64.const 0)) (global $kMax (mut f64) (f64.const -1))
  (global $lMin (mut f64) (f64.const 0)) (global $lMax (mut f64) (f64.const -1))
  (global $kStride (mut i32) (i32.const 0)) (global $lStride (mut i32) (i32.const 0))
  (global $grid (mut i32) (i32.const 0))
  ;; where the step records start (lattice.ts lays out the memory)
  (global $rec (mut i32) (i32.const 0))
  ;; where the sine slots start (three per step), and the native path's list of lanes (two per
  ;; slot); is the native path on
  (global $slots (mut i32) (i32.const 0))
  (global $slowList (mut i32) (i32.const 0))
  (global $native (mut i32) (i32.const 0))

  (func (export "configure") (param $Na f64) (param $Nb f64) (param $Nc f64) (param $square i32) (param $defaultF f64)
      (param $hMin f64) (param $hMax f64) (param $kMin f64) (param $kMax f64) (param $lMin f64) (param $lMax f64)
      (param $kStride i32) (param $lStride i32) (param $grid i32) (param $rec i32) (param $slots i32)
    (global.set $Na (local.get $Na)) (global.set $Nb (local.get $Nb)) (global.set $Nc (local.get $Nc))
    (global.set $square (local.get $square)) (global.set $defaultF (local.get $defaultF))
    (global.set $hMin (local.get $hMin)) (global.set $hMax (local.get $hMax))
    (global.set $kMin (local.get $kMin)) (global.set $kMax (local.get $kMax))
    (global.set $lMin (local.get $lMin)) (global.set $lMax (local.get $lMax))
    (global.set $kStride (local.get $kStride)) (global.set $lStride (local.get $lStride))
    (global.set $grid (local.get $grid)) (global.set $rec (local.get $rec)) (global.set $slots (local.get $slots)))

  ;; the native path on or off, and where its list of lanes goes (two i32 per slot)
  (func (export "setNative") (param $on i32) (param $list i32)
    (global.set $native (local.get $on)) (global.set $slowList (local.get $list)))

  ;; One record of 11 doubles per step, for `count` steps whose cells (a, b, c: 9 doubles, in
  ;; metres) start at byte `cells`: h k l, h0 k0 l0 (C's ceil(x - 0.5)), F_latt_a/b/c and F_latt
  ;; (square crystal only, else 1), F_cell from the nearest grid point (or defaultF).
  ;; `same` points to one i32 per step: -1, or an earlier step with bit-identical cells, whose
  ;; record is copied (C evaluates it again, to the same bits: with C-PARITY-001 the zero-angle
  ;; phi step reuses the last step's cell).
  ;; Three passes: the indices, F_cell and the sine arguments of every step; all the sines
  ;; ($sines); then the lattice factors.
  (func $steps (export "steps") (param $sx f64) (param $sy f64) (param $sz f64) (param $cells i32) (param $count i32) (param $same i32)
    (local $rec i32) (local $end i32) (local $from i32) (local $slot i32) (local $at i32)
    (local $h f64) (local $k f64) (local $l f64) (local $h0 f64) (local $k0 f64) (local $l0 f64)
    (local $fa f64) (local $fb f64) (local $fc f64) (local $F f64) (local $xs f64)
    (local.set $rec (global.get $rec))
    (local.set $slot (global.get $slots))
    (local.set $at (local.get $same))
    (local.set $end (i32.add (local.get $cells) (i32.mul (local.get $count) (i32.const 72))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $cells) (local.get $end)))
      (if (i32.lt_s (i32.load (local.get $at)) (i32.const 0))
        (then
          (local.set $h (f64.add (f64.add (f64.mul (f64.load offset=0 (local.get $cells)) (local.get $sx))
            (f64.mul (f64.load offset=8 (local.get $cells)) (local.get $sy))) (f64.mul (f64.load offset=16 (local.get $cells)) (local.get $sz))))
          (local.set $k (f64.add (f64.add (f64.mul (f64.load offset=24 (local.get $cells)) (local.get $sx))
            (f64.mul (f64.load offset=32 (local.get $cells)) (local.get $sy))) (f64.mul (f64.load offset=40 (local.get $cells)) (local.get $sz))))
          (local.set $l (f64.add (f64.add (f64.mul (f64.load offset=48 (local.get $cells)) (local.get $sx))
            (f64.mul (f64.load offset=56 (local.get $cells)) (local.get $sy))) (f64.mul (f64.load offset=64 (local.get $cells)) (local.get $sz))))
          (local.set $h0 (f64.ceil (f64.sub (local.get $h) (f64.const 0.5))))
          (local.set $k0 (f64.ceil (f64.sub (local.get $k) (f64.const 0.5))))
          (local.set $l0 (f64.ceil (f64.sub (local.get $l) (f64.const 0.5))))
          ;; C multiplies in sincg(pi x, N) only for N > 1: one slot (N pi x, pi x) per such axis
          (if (global.get $square)
            (then
              (if (f64.gt (global.get $Na) (f64.const 1))
                (then
                  (local.set $xs (f64.mul (f64.const 3.141592653589793) (local.get $h)))
                  (f64.store offset=0 (local.get $slot) (f64.mul (local.get $xs) (global.get $Na)))
                  (f64.store offset=8 (local.get $slot) (local.get $xs))
                  (local.set $slot (i32.add (local.get $slot) (i32.const 32)))))
              (if (f64.gt (global.get $Nb) (f64.const 1))
                (then
                  (local.set $xs (f64.mul (f64.const 3.141592653589793) (local.get $k)))
                  (f64.store offset=0 (local.get $slot) (f64.mul (local.get $xs) (global.get $Nb)))
                  (f64.store offset=8 (local.get $slot) (local.get $xs))
                  (local.set $slot (i32.add (local.get $slot) (i32.const 32)))))
              (if (f64.gt (global.get $Nc) (f64.const 1))
                (then
                  (local.set $xs (f64.mul (f64.const 3.141592653589793) (local.get $l)))
                  (f64.store offset=0 (local.get $slot) (f64.mul (local.get $xs) (global.get $Nc)))
                  (f64.store offset=8 (local.get $slot) (local.get $xs))
                  (local.set $slot (i32.add (local.get $slot) (i32.const 32)))))))
          (local.set $F (global.get $defaultF))
          (if (i32.and (i32.and
                (i32.and (f64.le (local.get $h0) (global.get $hMax)) (f64.ge (local.get $h0) (global.get $hMin)))
                (i32.and (f64.le (local.get $k0) (global.get $kMax)) (f64.ge (local.get $k0) (global.get $kMin))))
                (i32.and (f64.le (local.get $l0) (global.get $lMax)) (f64.ge (local.get $l0) (global.get $lMin))))
            (then (local.set $F (f64.load (i32.add (global.get $grid) (i32.shl
              (i32.add
                (i32.mul
                  (i32.add (i32.mul (i32.trunc_f64_s (f64.sub (local.get $h0) (global.get $hMin))) (global.get $kStride))
                           (i32.trunc_f64_s (f64.sub (local.get $k0) (global.get $kMin))))
                  (global.get $lStride))
                (i32.trunc_f64_s (f64.sub (local.get $l0) (global.get $lMin))))
              (i32.const 3)))))))
          (f64.store offset=0 (local.get $rec) (local.get $h))
          (f64.store offset=8 (local.get $rec) (local.get $k))
          (f64.store offset=16 (local.get $rec) (local.get $l))
          (f64.store offset=24 (local.get $rec) (local.get $h0))
          (f64.store offset=32 (local.get $rec) (local.get $k0))
          (f64.store offset=40 (local.get $rec) (local.get $l0))
          (f64.store offset=80 (local.get $rec) (local.get $F))))
      (local.set $rec (i32.add (local.get $rec) (i32.const 88)))
      (local.set $cells (i32.add (local.get $cells) (i32.const 72)))
      (local.set $at (i32.add (local.get $at) (i32.const 4)))
      (br $next)))

    (call $fillSines (global.get $slots) (i32.shr_u (i32.sub (local.get $slot) (global.get $slots)) (i32.const 5)))

    (local.set $rec (global.get $rec))
    (local.set $slot (global.get $slots))
    (local.set $at (local.get $same))
    (local.set $end (i32.add (local.get $rec) (i32.mul (local.get $count) (i32.const 88))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $rec) (local.get $end)))
      (local.set $from (i32.load (local.get $at)))
      (if (i32.ge_s (local.get $from) (i32.const 0))
        (then (memory.copy (local.get $rec) (i32.add (global.get $rec) (i32.mul (local.get $from) (i32.const 88))) (i32.const 88)))
        (else
          (local.set $fa (f64.const 1)) (local.set $fb (f64.const 1)) (local.set $fc (f64.const 1))
          (if (global.get $square)
            (then
              (if (f64.gt (global.get $Na) (f64.const 1))
                (then
                  (local.set $fa (select (global.get $Na)
                    (f64.div (f64.load offset=16 (local.get $slot)) (f64.load offset=24 (local.get $slot)))
                    (f64.eq (f64.load offset=8 (local.get $slot)) (f64.const 0))))
                  (local.set $slot (i32.add (local.get $slot) (i32.const 32)))))
              (if (f64.gt (global.get $Nb) (f64.const 1))
                (then
                  (local.set $fb (select (global.get $Nb)
                    (f64.div (f64.load offset=16 (local.get $slot)) (f64.load offset=24 (local.get $slot)))
                    (f64.eq (f64.load offset=8 (local.get $slot)) (f64.const 0))))
                  (local.set $slot (i32.add (local.get $slot) (i32.const 32)))))
              (if (f64.gt (global.get $Nc) (f64.const 1))
                (then
                  (local.set $fc (select (global.get $Nc)
                    (f64.div (f64.load offset=16 (local.get $slot)) (f64.load offset=24 (local.get $slot)))
                    (f64.eq (f64.load offset=8 (local.get $slot)) (f64.const 0))))
                  (local.set $slot (i32.add (local.get $slot) (i32.const 32)))))))
          (f64.store offset=48 (local.get $rec) (local.get $fa))
          (f64.store offset=56 (local.get $rec) (local.get $fb))
          (f64.store offset=64 (local.get $rec) (local.get $fc))
          ;; C's order: F_latt = 1, then *= each factor in turn
          (f64.store offset=72 (local.get $rec) (f64.mul (f64.mul (local.get $fa) (local.get $fb)) (local.get $fc)))))
      (local.set $rec (i32.add (local.get $rec) (i32.const 88)))
      (local.set $at (i32.add (local.get $at) (i32.const 4)))
      (br $next))))

;; ---------------------------------------------------------------------------------------------
;; The pixel loop (nanoBragg.c's, for one pixel or a run of pixels of one row): sub-pixel
;; positions, unit vectors, solid angle, sensor capture, polarization, the step kernel above and
;; the accumulation, all in double operations in C's order. Math.exp, Math.cos and Math.atan2
;; are imported (called at most once per sub-pixel), so every value is what the JS form gives.
;; Crystal shapes other than SQUARE, tricubic interpolation and the curved detector call back
;; into pixel.ts; with $trace on, so do the trace points, at the places C prints them.
;;
;; Parameter block (pixel.ts writes it), byte offsets from 0:
;;   0 fdet, 24 sdet, 48 odet, 72 pix0 (3 doubles each), 96 polarization axis (normalised in
;;   place by every polarization, as C does), 120 pixel size, 128 close distance, 136 sub-pixel
;;   size, 144 layer step, 152 mu, 160 sensor thickness, 168 I_bg, 176 fluence, 184 steps (C's
;;   normaliser), 192 d-min, 200 water size, 208 Kahn factor, 216 r_e^2
;; Scratch block, from 256 (written only when tracing; read by the trace callbacks):
;;   256 position, 280 airpath, 288 omega, 296 diffracted, 320 incident, 344 lambda,
;;   352 scattering vector, 376 I, 384 capture, 392 polar, 400 the pixel's value;
;;   416 and 440 polarization's B_in and E_in; 464 the sine slot of the exported `sincg`, 496 its
;;   list of lanes for the native path
;; Sources from 512: 32 bytes each (direction, lambda).
  (global $os (mut i32) (i32.const 1))
  (global $thicksteps (mut i32) (i32.const 1))
  (global $nsrc (mut i32) (i32.const 0))
  (global $nsteps (mut i32) (i32.const 0))
  (global $table0 (mut i32) (i32.const 0)) (global $table1 (mut i32) (i32.const 0))
  (global $same0 (mut i32) (i32.const 0)) (global $same1 (mut i32) (i32.const 0))
  (global $nopolar (mut i32) (i32.const 0))
  (global $ovThick (mut i32) (i32.const 0)) (global $ovPolar (mut i32) (i32.const 0)) (global $ovOmega (mut i32) (i32.const 0))
  (global $pointPixel (mut i32) (i32.const 0)) (global $curved (mut i32) (i32.const 0)) (global $cparity (mut i32) (i32.const 0))
  ;; run state, read and set by pixel.ts between calls: has a phi loop run (c-parity carry-over),
  ;; is interpolation still on, is a trace hook attached
  (global $phiRun (export "phiRun") (mut i32) (i32.const 0))
  (global $interpolate (export "interpolate") (mut i32) (i32.const 0))
  (global $trace (export "trace") (mut i32) (i32.const 0))
  ;; the last pixel's solid-angle sum, and the running sum over `span` calls (in pixel order)
  (global $pixelOmega (export "pixelOmega") (mut f64) (f64.const 0))
  (global $omegaAcc (export "omegaAcc") (mut f64) (f64.const 0))

  (func (export "configurePixel") (param $os i32) (param $thicksteps i32) (param $nsrc i32) (param $nsteps i32)
      (param $table0 i32) (param $table1 i32) (param $same0 i32) (param $same1 i32) (param $flags i32)
    (global.set $os (local.get $os)) (global.set $thicksteps (local.get $thicksteps))
    (global.set $nsrc (local.get $nsrc)) (global.set $nsteps (local.get $nsteps))
    (global.set $table0 (local.get $table0)) (global.set $table1 (local.get $table1))
    (global.set $same0 (local.get $same0)) (global.set $same1 (local.get $same1))
    (global.set $nopolar (i32.and (local.get $flags) (i32.const 1)))
    (global.set $ovThick (i32.and (i32.shr_u (local.get $flags) (i32.const 1)) (i32.const 1)))
    (global.set $ovPolar (i32.and (i32.shr_u (local.get $flags) (i32.const 2)) (i32.const 1)))
    (global.set $ovOmega (i32.and (i32.shr_u (local.get $flags) (i32.const 3)) (i32.const 1)))
    (global.set $pointPixel (i32.and (i32.shr_u (local.get $flags) (i32.const 4)) (i32.const 1)))
    (global.set $curved (i32.and (i32.shr_u (local.get $flags) (i32.const 5)) (i32.const 1)))
    (global.set $cparity (i32.and (i32.shr_u (local.get $flags) (i32.const 6)) (i32.const 1))))

  ;; 1/|v| normalisation of three doubles at `at` (C's unitize: zero stays zero)
  (func $unitAt (param $at i32)
    (local $x f64) (local $y f64) (local $z f64) (local $m f64)
    (local.set $x (f64.load offset=0 (local.get $at)))
    (local.set $y (f64.load offset=8 (local.get $at)))
    (local.set $z (f64.load offset=16 (local.get $at)))
    (local.set $m (f64.sqrt (f64.add (f64.add (f64.mul (local.get $x) (local.get $x)) (f64.mul (local.get $y) (local.get $y))) (f64.mul (local.get $z) (local.get $z)))))
    (if (f64.ne (local.get $m) (f64.const 0))
      (then
        (f64.store offset=0 (local.get $at) (f64.div (local.get $x) (local.get $m)))
        (f64.store offset=8 (local.get $at) (f64.div (local.get $y) (local.get $m)))
        (f64.store offset=16 (local.get $at) (f64.div (local.get $z) (local.get $m))))
      (else
        (f64.store offset=0 (local.get $at) (f64.const 0))
        (f64.store offset=8 (local.get $at) (f64.const 0))
        (f64.store offset=16 (local.get $at) (f64.const 0)))))

  (func $dotAt (param $a i32) (param $b i32) (result f64)
    (f64.add (f64.add
      (f64.mul (f64.load offset=0 (local.get $a)) (f64.load offset=0 (local.get $b)))
      (f64.mul (f64.load offset=8 (local.get $a)) (f64.load offset=8 (local.get $b))))
      (f64.mul (f64.load offset=16 (local.get $a)) (f64.load offset=16 (local.get $b)))))

  ;; out = a x b, three doubles each
  (func $crossAt (param $a i32) (param $b i32) (param $out i32)
    (f64.store offset=0 (local.get $out) (f64.sub
      (f64.mul (f64.load offset=8 (local.get $a)) (f64.load offset=16 (local.get $b)))
      (f64.mul (f64.load offset=16 (local.get $a)) (f64.load offset=8 (local.get $b)))))
    (f64.store offset=8 (local.get $out) (f64.sub
      (f64.mul (f64.load offset=16 (local.get $a)) (f64.load offset=0 (local.get $b)))
      (f64.mul (f64.load offset=0 (local.get $a)) (f64.load offset=16 (local.get $b)))))
    (f64.store offset=16 (local.get $out) (f64.sub
      (f64.mul (f64.load offset=0 (local.get $a)) (f64.load offset=8 (local.get $b)))
      (f64.mul (f64.load offset=8 (local.get $a)) (f64.load offset=0 (local.get $b))))))

  ;; Kahn polarization factor of the incident (320) and diffracted (296) vectors of the scratch
  ;; block, both normalised in place, as is the axis (96): C's polarization_factor
  (func $polarization (result f64)
    (local $cos2 f64) (local $cos2sqr f64) (local $psi f64) (local $kahn f64)
    (call $unitAt (i32.const 320))
    (call $unitAt (i32.const 296))
    (call $unitAt (i32.const 96))
    (local.set $cos2 (call $dotAt (i32.const 320) (i32.const 296)))
    (local.set $cos2sqr (f64.mul (local.get $cos2) (local.get $cos2)))
    (local.set $kahn (f64.load offset=208 (i32.const 0)))
    (if (f64.ne (local.get $kahn) (f64.const 0))
      (then
        ;; B_in = axis x incident, E_in = incident x B_in (at 416 and 440), psi = -atan2(B_out, E_out)
        (call $crossAt (i32.const 96) (i32.const 320) (i32.const 416))
        (call $unitAt (i32.const 416))
        (call $crossAt (i32.const 320) (i32.const 416) (i32.const 440))
        (call $unitAt (i32.const 440))
        (local.set $psi (f64.neg (call $mathAtan2
          (call $dotAt (i32.const 296) (i32.const 416))
          (call $dotAt (i32.const 296) (i32.const 440)))))))
    (f64.mul (f64.const 0.5)
      (f64.sub (f64.add (f64.const 1) (local.get $cos2sqr))
        (f64.mul (f64.mul (local.get $kahn) (call $mathCos (f64.mul (f64.const 2) (local.get $psi))))
          (f64.sub (f64.const 1) (local.get $cos2sqr))))))

  ;; One pixel: returns what C adds to floatimage[] (a double); its solid-angle sum goes to $pixelOmega.
  (func $pixel (export "pixel") (param $spixel i32) (param $fpixel i32) (result f64)
    (local $I f64) (local $polar f64) (local $omega f64) (local $capture f64) (local $omegaSum f64)
    (local $t i32) (local $subS i32) (local $subF i32) (local $Odet f64) (local $sub f64)
    (local $Fdet f64) (local $Sdet f64) (local $px f64) (local $py f64) (local $pz f64) (local $air f64)
    (local $dx f64) (local $dy f64) (local $dz f64) (local $ix f64) (local $iy f64) (local $iz f64)
    (local $lambda f64) (local $sx f64) (local $sy f64) (local $sz f64) (local $stol f64) (local $parallax f64)
    (local $src i32) (local $srcEnd i32) (local $source i32) (local $table i32)
    (local $step i32) (local $r i32) (local $Flatt f64) (local $Fcell f64) (local $test f64) (local $dmin f64)
    (local.set $I (f64.load offset=168 (i32.const 0)))
    (local.set $polar (select (f64.const 1) (f64.const 0) (global.get $nopolar)))
    (local.set $sub (f64.load offset=136 (i32.const 0)))
    (local.set $dmin (f64.load offset=192 (i32.const 0)))
    (local.set $srcEnd (i32.add (i32.const 512) (i32.shl (global.get $nsrc) (i32.const 5))))
    (local.set $t (i32.const 0))
    (block $thickDone (loop $thick
      (br_if $thickDone (i32.ge_s (local.get $t) (global.get $thicksteps)))
      (local.set $Odet (f64.mul (f64.convert_i32_s (local.get $t)) (f64.load offset=144 (i32.const 0))))
      (local.set $capture (select (f64.const 1) (f64.const 0) (f64.eq (f64.load offset=160 (i32.const 0)) (f64.const 0))))
      (local.set $subS (i32.const 0))
      (block $sDone (loop $sLoop
        (br_if $sDone (i32.ge_s (local.get $subS) (global.get $os)))
        (local.set $subF (i32.const 0))
        (block $fDone (loop $fLoop
          (br_if $fDone (i32.ge_s (local.get $subF) (global.get $os)))
          (local.set $Fdet (f64.add (f64.mul (local.get $sub)
              (f64.convert_i32_s (i32.add (i32.mul (local.get $fpixel) (global.get $os)) (local.get $subF))))
            (f64.div (local.get $sub) (f64.const 2))))
          (local.set $Sdet (f64.add (f64.mul (local.get $sub)
              (f64.convert_i32_s (i32.add (i32.mul (local.get $spixel) (global.get $os)) (local.get $subS))))
            (f64.div (local.get $sub) (f64.const 2))))
          (local.set $px (f64.add (f64.add (f64.add
            (f64.mul (local.get $Fdet) (f64.load offset=0 (i32.const 0)))
            (f64.mul (local.get $Sdet) (f64.load offset=24 (i32.const 0))))
            (f64.mul (local.get $Odet) (f64.load offset=48 (i32.const 0))))
            (f64.load offset=72 (i32.const 0))))
          (local.set $py (f64.add (f64.add (f64.add
            (f64.mul (local.get $Fdet) (f64.load offset=8 (i32.const 0)))
            (f64.mul (local.get $Sdet) (f64.load offset=32 (i32.const 0))))
            (f64.mul (local.get $Odet) (f64.load offset=56 (i32.const 0))))
            (f64.load offset=80 (i32.const 0))))
          (local.set $pz (f64.add (f64.add (f64.add
            (f64.mul (local.get $Fdet) (f64.load offset=16 (i32.const 0)))
            (f64.mul (local.get $Sdet) (f64.load offset=40 (i32.const 0))))
            (f64.mul (local.get $Odet) (f64.load offset=64 (i32.const 0))))
            (f64.load offset=88 (i32.const 0))))
          (if (global.get $curved)
            (then
              (f64.store offset=256 (i32.const 0) (local.get $px))
              (f64.store offset=264 (i32.const 0) (local.get $py))
              (f64.store offset=272 (i32.const 0) (local.get $pz))
              (call $hostCurved)
              (local.set $px (f64.load offset=256 (i32.const 0)))
              (local.set $py (f64.load offset=264 (i32.const 0)))
              (local.set $pz (f64.load offset=272 (i32.const 0)))))
          (local.set $air (f64.sqrt (f64.add (f64.add (f64.mul (local.get $px) (local.get $px)) (f64.mul (local.get $py) (local.get $py))) (f64.mul (local.get $pz) (local.get $pz)))))
          (if (f64.ne (local.get $air) (f64.const 0))
            (then
              (local.set $dx (f64.div (local.get $px) (local.get $air)))
              (local.set $dy (f64.div (local.get $py) (local.get $air)))
              (local.set $dz (f64.div (local.get $pz) (local.get $air))))
            (else (local.set $dx (f64.const 0)) (local.set $dy (f64.const 0)) (local.set $dz (f64.const 0))))
          (if (i32.or (f64.eq (local.get $omega) (f64.const 0)) (global.get $ovOmega))
            (then
              (local.set $omega (f64.div (f64.mul (f64.div (f64.div
                  (f64.mul (f64.load offset=120 (i32.const 0)) (f64.load offset=120 (i32.const 0)))
                  (local.get $air)) (local.get $air))
                (f64.load offset=128 (i32.const 0))) (local.get $air)))
              (if (global.get $pointPixel)
                (then (local.set $omega (f64.div (f64.div (f64.const 1) (local.get $air)) (local.get $air)))))))
          (local.set $omegaSum (f64.add (local.get $omegaSum) (local.get $omega)))
          (if (i32.or (f64.eq (local.get $capture) (f64.const 0)) (global.get $ovThick))
            (then
              (local.set $parallax (f64.add (f64.add
                (f64.mul (local.get $dx) (f64.load offset=48 (i32.const 0)))
                (f64.mul (local.get $dy) (f64.load offset=56 (i32.const 0))))
                (f64.mul (local.get $dz) (f64.load offset=64 (i32.const 0)))))
              (local.set $capture (f64.sub
                (call $mathExp (f64.div (f64.mul (f64.mul (f64.neg (f64.convert_i32_s (local.get $t)))
                  (f64.load offset=144 (i32.const 0))) (f64.load offset=152 (i32.const 0))) (local.get $parallax)))
                (call $mathExp (f64.div (f64.mul (f64.mul (f64.neg (f64.convert_i32_s (i32.add (local.get $t) (i32.const 1))))
                  (f64.load offset=144 (i32.const 0))) (f64.load offset=152 (i32.const 0))) (local.get $parallax)))))))

          (local.set $src (i32.const 512))
          (local.set $source (i32.const 0))
          (block $srcDone (loop $srcLoop
            (br_if $srcDone (i32.ge_u (local.get $src) (local.get $srcEnd)))
            (block $srcNext
              (local.set $ix (f64.neg (f64.load offset=0 (local.get $src))))
              (local.set $iy (f64.neg (f64.load offset=8 (local.get $src))))
              (local.set $iz (f64.neg (f64.load offset=16 (local.get $src))))
              (local.set $lambda (f64.load offset=24 (local.get $src)))
              (local.set $sx (f64.div (f64.sub (local.get $dx) (local.get $ix)) (local.get $lambda)))
              (local.set $sy (f64.div (f64.sub (local.get $dy) (local.get $iy)) (local.get $lambda)))
              (local.set $sz (f64.div (f64.sub (local.get $dz) (local.get $iz)) (local.get $lambda)))
              (if (global.get $trace)
                (then
                  (f64.store offset=256 (i32.const 0) (local.get $px))
                  (f64.store offset=264 (i32.const 0) (local.get $py))
                  (f64.store offset=272 (i32.const 0) (local.get $pz))
                  (f64.store offset=280 (i32.const 0) (local.get $air))
                  (f64.store offset=288 (i32.const 0) (local.get $omega))
                  (f64.store offset=296 (i32.const 0) (local.get $dx))
                  (f64.store offset=304 (i32.const 0) (local.get $dy))
                  (f64.store offset=312 (i32.const 0) (local.get $dz))
                  (f64.store offset=320 (i32.const 0) (local.get $ix))
                  (f64.store offset=328 (i32.const 0) (local.get $iy))
                  (f64.store offset=336 (i32.const 0) (local.get $iz))
                  (f64.store offset=344 (i32.const 0) (local.get $lambda))
                  (f64.store offset=352 (i32.const 0) (local.get $sx))
                  (f64.store offset=360 (i32.const 0) (local.get $sy))
                  (f64.store offset=368 (i32.const 0) (local.get $sz))
                  (if (i32.eqz (local.get $source)) (then (call $traceGeometry)))))
              (local.set $stol (f64.mul (f64.const 0.5) (f64.sqrt (f64.add (f64.add
                (f64.mul (local.get $sx) (local.get $sx)) (f64.mul (local.get $sy) (local.get $sy))) (f64.mul (local.get $sz) (local.get $sz))))))
              (br_if $srcNext (i32.and (i32.and (f64.gt (local.get $dmin) (f64.const 0)) (f64.gt (local.get $stol) (f64.const 0)))
                (f64.gt (local.get $dmin) (f64.div (f64.const 0.5) (local.get $stol)))))
              (if (i32.or (f64.eq (local.get $polar) (f64.const 0)) (global.get $ovPolar))
                (then
                  (f64.store offset=296 (i32.const 0) (local.get $dx))
                  (f64.store offset=304 (i32.const 0) (local.get $dy))
                  (f64.store offset=312 (i32.const 0) (local.get $dz))
                  (f64.store offset=320 (i32.const 0) (local.get $ix))
                  (f64.store offset=328 (i32.const 0) (local.get $iy))
                  (f64.store offset=336 (i32.const 0) (local.get $iz))
                  (local.set $polar (call $polarization))
                  (local.set $dx (f64.load offset=296 (i32.const 0)))
                  (local.set $dy (f64.load offset=304 (i32.const 0)))
                  (local.set $dz (f64.load offset=312 (i32.const 0)))
                  (local.set $ix (f64.load offset=320 (i32.const 0)))
                  (local.set $iy (f64.load offset=328 (i32.const 0)))
                  (local.set $iz (f64.load offset=336 (i32.const 0)))))
              (if (global.get $trace)
                (then
                  (f64.store offset=296 (i32.const 0) (local.get $dx))
                  (f64.store offset=304 (i32.const 0) (local.get $dy))
                  (f64.store offset=312 (i32.const 0) (local.get $dz))
                  (f64.store offset=320 (i32.const 0) (local.get $ix))
                  (f64.store offset=328 (i32.const 0) (local.get $iy))
                  (f64.store offset=336 (i32.const 0) (local.get $iz))))
              ;; C-PARITY-001: the run's first phi loop starts from the unrotated cell (table 0)
              (local.set $table (i32.and (global.get $cparity) (i32.eqz (global.get $phiRun))))
              (global.set $phiRun (i32.const 1))
              (if (local.get $table)
                (then (call $steps (local.get $sx) (local.get $sy) (local.get $sz) (global.get $table0) (global.get $nsteps) (global.get $same0)))
                (else (call $steps (local.get $sx) (local.get $sy) (local.get $sz) (global.get $table1) (global.get $nsteps) (global.get $same1))))
              (local.set $table (i32.eqz (local.get $table)))
              (local.set $r (global.get $rec))
              (local.set $step (i32.const 0))
              (block $stepsDone (loop $stepLoop
                (br_if $stepsDone (i32.ge_s (local.get $step) (global.get $nsteps)))
                (block $stepNext
                  (if (global.get $trace) (then (call $traceStep (local.get $step) (local.get $source) (local.get $table))))
                  (local.set $Flatt (if (result f64) (global.get $square)
                    (then (f64.load offset=72 (local.get $r)))
                    (else (call $hostShape (local.get $step)))))
                  (br_if $stepNext (i32.and (f64.eq (local.get $Flatt) (f64.const 0)) (f64.eq (f64.load offset=200 (i32.const 0)) (f64.const 0))))
                  (local.set $Fcell (if (result f64) (global.get $interpolate)
                    (then (call $hostInterpolated (local.get $step)))
                    (else (f64.load offset=80 (local.get $r)))))
                  (if (global.get $trace)
                    (then (call $traceFactor (local.get $step) (local.get $source) (local.get $Fcell) (local.get $Flatt) (local.get $polar) (local.get $lambda))))
                  (local.set $I (f64.add (local.get $I)
                    (f64.mul (f64.mul (f64.mul (local.get $Fcell) (local.get $Fcell)) (local.get $Flatt)) (local.get $Flatt))))
                  (if (global.get $ovThick) (then (local.set $I (f64.mul (local.get $I) (local.get $capture)))))
                  (if (global.get $ovPolar) (then (local.set $I (f64.mul (local.get $I) (local.get $polar)))))
                  (if (global.get $ovOmega) (then (local.set $I (f64.mul (local.get $I) (local.get $omega))))))
                (local.set $r (i32.add (local.get $r) (i32.const 88)))
                (local.set $step (i32.add (local.get $step) (i32.const 1)))
                (br $stepLoop))))
            (local.set $src (i32.add (local.get $src) (i32.const 32)))
            (local.set $source (i32.add (local.get $source) (i32.const 1)))
            (br $srcLoop)))
          (local.set $subF (i32.add (local.get $subF) (i32.const 1)))
          (br $fLoop)))
        (local.set $subS (i32.add (local.get $subS) (i32.const 1)))
        (br $sLoop)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $thick)))

    (local.set $test (f64.div (f64.mul (f64.mul (f64.load offset=216 (i32.const 0)) (f64.load offset=176 (i32.const 0))) (local.get $I))
      (f64.load offset=184 (i32.const 0))))
    (if (i32.eqz (global.get $ovThick)) (then (local.set $test (f64.mul (local.get $test) (local.get $capture)))))
    (if (i32.eqz (global.get $ovPolar)) (then (local.set $test (f64.mul (local.get $test) (local.get $polar)))))
    (if (i32.eqz (global.get $ovOmega)) (then (local.set $test (f64.mul (local.get $test) (local.get $omega)))))
    (if (global.get $trace)
      (then
        (f64.store offset=296 (i32.const 0) (local.get $dx))
        (f64.store offset=304 (i32.const 0) (local.get $dy))
        (f64.store offset=312 (i32.const 0) (local.get $dz))
        (f64.store offset=320 (i32.const 0) (local.get $ix))
        (f64.store offset=328 (i32.const 0) (local.get $iy))
        (f64.store offset=336 (i32.const 0) (local.get $iz))
        (f64.store offset=376 (i32.const 0) (local.get $I))
        (f64.store offset=384 (i32.const 0) (local.get $capture))
        (f64.store offset=392 (i32.const 0) (local.get $polar))
        (f64.store offset=288 (i32.const 0) (local.get $omega))
        (f64.store offset=400 (i32.const 0) (local.get $test))))
    (global.set $pixelOmega (local.get $omegaSum))
    (local.get $test))

  ;; Pixels [f0, f1) of row s, as float32 from byte `out` on, their solid-angle sums added to
  ;; $omegaAcc in order. Stops after a pixel in which interpolation switched off (the renderer
  ;; notes where); returns how many pixels it rendered.
  (func (export "span") (param $s i32) (param $f0 i32) (param $f1 i32) (param $out i32) (result i32)
    (local $f i32) (local $wasOn i32)
    (local.set $f (local.get $f0))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $f) (local.get $f1)))
      (local.set $wasOn (global.get $interpolate))
      (f32.store (local.get $out) (f32.demote_f64 (call $pixel (local.get $s) (local.get $f))))
      (global.set $omegaAcc (f64.add (global.get $omegaAcc) (global.get $pixelOmega)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (local.set $f (i32.add (local.get $f) (i32.const 1)))
      (br_if $done (i32.and (local.get $wasOn) (i32.eqz (global.get $interpolate))))
      (br $next)))
    (i32.sub (local.get $f) (local.get $f0)))
)
