#!/usr/bin/env bash
# The capture acceptance against a real C nanoBragg (the instrumented build that prints TRACE_C
# for -trace_pixel). A script, not a test: the C program is never part of this repository, and
# this script does not build it. Usage, from a checkout after `npm ci`:
#
#   NB_C_BIN=/path/to/nanoBragg scripts/check-capture.sh
#
# It checks, writing only into a temporary folder:
#   1. capture --config supervisor --pixel 685 1039 equals traces/supervisor: the trace text and
#      stdout.log byte for byte (progress lines are dropped on both sides), the float image's
#      sha256 equal to traces/supervisor/meta.json's (two C runs of the 2463x2527 frame);
#   2. the captured case runs through harness --config <path> and compare-traces, c-parity, exit 0;
#   3. capture --verify passes on every stored case in traces/;
#   4. capture --verify fails (exit 1), naming the file, once one byte of a stored trace is
#      changed (in a copy of traces/).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NB_C_BIN:?set NB_C_BIN to a C nanoBragg binary}"
cli=(node dist/src/cli.js)
work=$(mktemp -d "${TMPDIR:-/tmp}/nbparity-check-capture-XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { printf '\n== %s\n' "$*"; }

step "1. capture --config supervisor --pixel 685 1039"
"${cli[@]}" capture --config supervisor --pixel 685 1039 --out "$work/cases"
case_dir="$work/cases/supervisor"
cmp "$case_dir/trace_s685_f1039.log" traces/supervisor/trace_s685_f1039.log
cmp "$case_dir/stdout.log" traces/supervisor/stdout.log
want=$(node -e "console.log(require('./traces/supervisor/meta.json').float_sha256)")
got=$(sha256sum "$case_dir/float.bin" | cut -d' ' -f1)
[ "$want" = "$got" ] || { echo "float.bin sha256 $got, traces/supervisor/meta.json says $want" >&2; exit 1; }
echo "trace and stdout.log identical; float.bin sha256 $got as stored"

step "2. harness --config <captured case> + compare-traces (c-parity)"
"${cli[@]}" harness --config "$case_dir" --pixel 685 1039 --phi-mode c-parity --out "$work/ts.log"
"${cli[@]}" compare-traces --c "$case_dir/trace_s685_f1039.log" --py "$work/ts.log" | head -3

step "3. capture --verify traces (every stored case)"
"${cli[@]}" capture --verify traces | grep -E '^[a-z_]+ \('

step "4. capture --verify after one byte of a stored trace is changed"
cp -r traces "$work/traces"
node -e "const fs=require('fs');const p=process.argv[1];const b=fs.readFileSync(p);b[b.indexOf('I_before_scaling')+20]^=1;fs.writeFileSync(p,b)" "$work/traces/simple_cubic/trace_s100_f150.log"
set +e
"${cli[@]}" capture --verify "$work/traces/simple_cubic" > "$work/verify.out" 2> "$work/verify.err"
code=$?
set -e
cat "$work/verify.err"
[ "$code" -eq 1 ] && grep -q 'trace_s100_f150.log' "$work/verify.err" || { echo "expected exit 1 naming trace_s100_f150.log, got $code" >&2; exit 1; }

printf '\ncheck-capture: all four checks passed with %s\n' "$NB_C_BIN"
