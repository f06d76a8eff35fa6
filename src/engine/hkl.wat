;; The HKL text tokenizer (hkl.ts lays out the memory and calls it). Why WebAssembly: an HKL file
;; is read once per run, so the JavaScript form of this loop ran mostly cold, in V8's
;; interpreter, before its optimised code arrived (scaled.hkl, 64 000 lines: ~45 ms cold, 15 ms
;; warm); WebAssembly is compiled before it runs.
;;
;; Memory: a window of the file's text from 0, then 4 doubles per reflection (h k l F) from `out`.
;; A line is split at '\n'; blanks are space, tab and '\r'. A token of up to 15 digits with at
;; most one '.' (and a sign) is read here: its digits, an exact integer, over a power of ten, one
;; rounding, which is what Number() gives; any other token goes to Number() in hkl.ts
;; ($number). h, k and l are truncated toward zero, as C's (int) cast does.
(module
  (import "hkl" "number" (func $number (param $start i32) (param $end i32) (result f64)))
  (memory (export "memory") 1)
  ;; where parsing stopped on a malformed line: its number (from 1) and first byte
  (global $badLine (export "badLine") (mut i32) (i32.const 0))
  (global $badStart (export "badStart") (mut i32) (i32.const 0))
  ;; the number of the line after the last one `parse` read
  (global $nextLine (export "nextLine") (mut i32) (i32.const 1))

  (func $pow10 (param $e i32) (result f64)
    (local $p f64)
    (local.set $p (f64.const 1))
    (block $done (loop $next
      (br_if $done (i32.le_s (local.get $e) (i32.const 0)))
      (local.set $p (f64.mul (local.get $p) (f64.const 10)))
      (local.set $e (i32.sub (local.get $e) (i32.const 1)))
      (br $next)))
    (local.get $p))

  ;; Reflections of the lines in bytes [pos, n) (whole lines; the first is line number `line`) to
  ;; `out`; returns their number, or -1 for a line with one to three numbers or a number that is
  ;; not finite ($badLine, $badStart say which). hkl.ts calls it on each piece of the file it
  ;; reads (whole lines of it).
  (func (export "parse") (param $pos i32) (param $n i32) (param $line i32) (param $out i32) (result i32)
    (local $count i32) (local $lineStart i32) (local $used i32)
    (local $c i32) (local $start i32) (local $negative i32) (local $digits i32) (local $dot i32)
    (local $int f64) (local $v f64) (local $f0 f64) (local $f1 f64) (local $f2 f64) (local $f3 f64)
    (block $eof (loop $lineLoop
      (br_if $eof (i32.ge_u (local.get $pos) (local.get $n)))
      (local.set $count (i32.const 0))
      (local.set $lineStart (local.get $pos))
      (block $eol (loop $tokenLoop
        (br_if $eol (i32.ge_u (local.get $pos) (local.get $n)))
        (local.set $c (i32.load8_u (local.get $pos)))
        (br_if $eol (i32.eq (local.get $c) (i32.const 10)))
        (if (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9))) (i32.eq (local.get $c) (i32.const 13)))
          (then
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $tokenLoop)))
        (local.set $start (local.get $pos))
        (local.set $negative (i32.eq (local.get $c) (i32.const 45)))
        (if (i32.or (local.get $negative) (i32.eq (local.get $c) (i32.const 43)))
          (then (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
        (local.set $digits (i32.const 0))
        (local.set $dot (i32.const -1))
        (local.set $int (f64.const 0))
        (block $tokenEnd (loop $charLoop
          (br_if $tokenEnd (i32.ge_u (local.get $pos) (local.get $n)))
          (local.set $c (i32.load8_u (local.get $pos)))
          (br_if $tokenEnd (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
            (i32.or (i32.eq (local.get $c) (i32.const 13)) (i32.eq (local.get $c) (i32.const 10)))))
          (if (i32.and (i32.and (i32.ge_u (local.get $c) (i32.const 48)) (i32.le_u (local.get $c) (i32.const 57)))
                (i32.ge_s (local.get $digits) (i32.const 0)))
            (then
              (local.set $int (f64.add (f64.mul (local.get $int) (f64.const 10))
                (f64.convert_i32_s (i32.sub (local.get $c) (i32.const 48)))))
              (local.set $digits (i32.add (local.get $digits) (i32.const 1))))
            (else
              (if (i32.and (i32.and (i32.eq (local.get $c) (i32.const 46)) (i32.lt_s (local.get $dot) (i32.const 0)))
                    (i32.ge_s (local.get $digits) (i32.const 0)))
                (then (local.set $dot (local.get $digits)))
                (else (local.set $digits (i32.const -1))))))
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (br $charLoop)))
        ;; fields past the fourth are read over but not kept
        (if (i32.lt_s (local.get $count) (i32.const 4))
          (then
            (if (i32.and (i32.gt_s (local.get $digits) (i32.const 0)) (i32.lt_s (local.get $digits) (i32.const 16)))
              (then
                (local.set $v (f64.div
                  (select (f64.neg (local.get $int)) (local.get $int) (local.get $negative))
                  (call $pow10 (select (i32.const 0) (i32.sub (local.get $digits) (local.get $dot)) (i32.lt_s (local.get $dot) (i32.const 0)))))))
              (else (local.set $v (call $number (local.get $start) (local.get $pos)))))
            ;; not finite: the line can no longer reach four fields
            (if (i32.eqz (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
              (then (local.set $count (i32.const -1000)))
              (else
                (if (i32.eqz (local.get $count)) (then (local.set $f0 (local.get $v))))
                (if (i32.eq (local.get $count) (i32.const 1)) (then (local.set $f1 (local.get $v))))
                (if (i32.eq (local.get $count) (i32.const 2)) (then (local.set $f2 (local.get $v))))
                (if (i32.eq (local.get $count) (i32.const 3)) (then (local.set $f3 (local.get $v))))))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (br $tokenLoop)))
      (if (local.get $count)
        (then
          (if (i32.lt_s (local.get $count) (i32.const 4))
            (then
              (global.set $badLine (local.get $line))
              (global.set $badStart (local.get $lineStart))
              (return (i32.const -1))))
          (f64.store offset=0 (local.get $out) (f64.trunc (local.get $f0)))
          (f64.store offset=8 (local.get $out) (f64.trunc (local.get $f1)))
          (f64.store offset=16 (local.get $out) (f64.trunc (local.get $f2)))
          (f64.store offset=24 (local.get $out) (local.get $f3))
          (local.set $out (i32.add (local.get $out) (i32.const 32)))
          (local.set $used (i32.add (local.get $used) (i32.const 1)))))
      (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
      (local.set $line (i32.add (local.get $line) (i32.const 1)))
      (br $lineLoop)))
    (global.set $nextLine (local.get $line))
    (local.get $used))

  ;; Index bounds of `count` reflections at `rows`, as 6 doubles at `to` (h, k, l minima, then
  ;; maxima); then, once the grid is sized, each reflection's h replaced by its grid index.
  (func (export "bounds") (param $rows i32) (param $count i32) (param $to i32)
    (local $end i32) (local $hMin f64) (local $kMin f64) (local $lMin f64) (local $hMax f64) (local $kMax f64) (local $lMax f64)
    (local.set $hMin (f64.const inf)) (local.set $kMin (f64.const inf)) (local.set $lMin (f64.const inf))
    (local.set $hMax (f64.const -inf)) (local.set $kMax (f64.const -inf)) (local.set $lMax (f64.const -inf))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $count) (i32.const 5))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
      (local.set $hMin (f64.min (local.get $hMin) (f64.load offset=0 (local.get $rows))))
      (local.set $kMin (f64.min (local.get $kMin) (f64.load offset=8 (local.get $rows))))
      (local.set $lMin (f64.min (local.get $lMin) (f64.load offset=16 (local.get $rows))))
      (local.set $hMax (f64.max (local.get $hMax) (f64.load offset=0 (local.get $rows))))
      (local.set $kMax (f64.max (local.get $kMax) (f64.load offset=8 (local.get $rows))))
      (local.set $lMax (f64.max (local.get $lMax) (f64.load offset=16 (local.get $rows))))
      (local.set $rows (i32.add (local.get $rows) (i32.const 32)))
      (br $next)))
    (f64.store offset=0 (local.get $to) (local.get $hMin))
    (f64.store offset=8 (local.get $to) (local.get $kMin))
    (f64.store offset=16 (local.get $to) (local.get $lMin))
    (f64.store offset=24 (local.get $to) (local.get $hMax))
    (f64.store offset=32 (local.get $to) (local.get $kMax))
    (f64.store offset=40 (local.get $to) (local.get $lMax)))

  (func (export "indices") (param $rows i32) (param $count i32) (param $hMin f64) (param $kMin f64) (param $lMin f64) (param $kSize f64) (param $lSize f64)
    (local $end i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $count) (i32.const 5))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
      (f64.store offset=0 (local.get $rows)
        (f64.add
          (f64.mul
            (f64.add (f64.mul (f64.sub (f64.load offset=0 (local.get $rows)) (local.get $hMin)) (local.get $kSize))
                     (f64.sub (f64.load offset=8 (local.get $rows)) (local.get $kMin)))
            (local.get $lSize))
          (f64.sub (f64.load offset=16 (local.get $rows)) (local.get $lMin))))
      (local.set $rows (i32.add (local.get $rows) (i32.const 32)))
      (br $next))))
  ;; Each reflection's value (rows of grid index, k, l, F: after `indices`) into the grid at
  ;; `grid`, 8 bytes a value, in file order: a later line for the same h k l wins, as in C
  (func (export "scatter") (param $rows i32) (param $count i32) (param $grid i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $count) (i32.const 5))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $rows) (local.get $end)))
      (f64.store
        (i32.add (local.get $grid) (i32.shl (i32.trunc_f64_u (f64.load offset=0 (local.get $rows))) (i32.const 3)))
        (f64.load offset=24 (local.get $rows)))
      (local.set $rows (i32.add (local.get $rows) (i32.const 32)))
      (br $next))))
)
