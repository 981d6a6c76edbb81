#!/bin/bash
# Run every test: cmocka unit binaries, then integration and interop scripts.
# Each test prints TAP lines ("ok ..." / "not ok ..."); this script counts them
# and ends with the line "N passed, N failed".  Exit status 1 on any failure.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGDIR=$ROOT/build/test-logs
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"

passed=0
failed=0
only=${TESTS:-}		# TESTS=pattern runs a subset

run_one() {
	local name=$1 log=$LOGDIR/$1.log rc p f
	shift
	if [ -n "$only" ] && [[ $name != *$only* ]]; then
		return
	fi
	local start=$SECONDS
	mkdir -p "$(dirname "$log")"
	CMOCKA_MESSAGE_OUTPUT=TAP "$@" >"$log" 2>&1 </dev/null
	rc=$?
	p=$(grep -cE '^ok( |$)' "$log")
	f=$(grep -cE '^not ok( |$)' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc" >>"$log"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name ran no test" >>"$log"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-40s %4d passed, %3d failed  (%ds)\n' "$name" "$p" "$f" $((SECONDS - start))
	if [ "$f" -ne 0 ]; then
		grep -E -A6 '^not ok' "$log" | head -n 60 | sed 's/^/    /'
	fi
}

for t in build/tests/test_*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
for dir in integration interop browser; do
	for t in tests/$dir/*.sh; do
		[ -f "$t" ] && run_one "$dir/$(basename "$t" .sh)" bash "$t"
	done
done

echo "logs: $LOGDIR"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
