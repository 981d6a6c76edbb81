#!/bin/bash
# make bench: the raw PKCS#11 signing rate of the dev token (the limit) and
# the rate of POST /v1/documents through civseal-signd on loopback under
# concurrent load (wrk), for ECDSA P-256 and RSA-2048, each as a ratio to the
# raw limit measured in the same run.  Writes build/bench/results.md.
# BENCH_SECONDS (default 10) sets the length of each run.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
DEV=$ROOT/var/dev
BIN=$ROOT/build/bin
SAMPLES=$ROOT/examples
SECS=${BENCH_SECONDS:-10}
THREADS=$(nproc)
CONNS=${BENCH_CONNECTIONS:-16}
W=$ROOT/build/bench/work
rm -rf "$W"
mkdir -p "$W"
export SOFTHSM2_CONF=$DEV/softhsm2.conf

PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
awk -v db="$W/register.db" '
	/^\[store\]/ { print; print "path = " db; skip=1; next }
	/^\[/ { skip=0 }
	skip && /^path/ { next }
	{ print }' "$DEV/civseal.conf" >"$DEV/bench.conf"
"$BIN/civseal-signd" --config "$DEV/bench.conf" --listen "127.0.0.1:$PORT" \
	--threads "${BENCH_SIGND_THREADS:-16}" --log-level warn 2>"$W/signd.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -f "$DEV/bench.conf"' EXIT
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

{
	echo "| key | raw C_Sign/s (${THREADS} threads) | raw p50 / p99 ms | API documents/s (${CONNS} connections) | API p50 / p99 ms | ratio |"
	echo "|---|---|---|---|---|---|"
} >"$W/table.md"

run=0
# birth-01: an EC P-256 office; birth-02: the RSA-2048 office (examples/README.md).
for sample in birth-01 birth-02; do
	office=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["office"])' "$SAMPLES/$sample.json")
	run=$((run + 1))
	raw=$("$ROOT/build/bench/bench_p11" --config "$DEV/civseal.conf" --office "$office" \
		--threads "$THREADS" --seconds "$SECS")
	echo "$raw"
	out=$(BENCH_SAMPLE=$SAMPLES/$sample.json BENCH_TOKEN=$DEV/client.token BENCH_RUN=$run \
		wrk -t "$THREADS" -c "$CONNS" -d "${SECS}s" --timeout 10s \
		-s "$ROOT/tests/bench/post.lua" "http://127.0.0.1:$PORT")
	echo "$out" | grep -E 'Requests/sec|Non-2xx|Socket errors' || true
	line=$(echo "$out" | grep '^wrk ')
	echo "$line"
	rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
	bad=$(echo "$line" | field errors_status)
	if [ "$bad" != "0" ]; then
		echo "bench: $bad requests were not answered 2xx; see $W/signd.log" >&2
		exit 1
	fi
	rate=$(echo "$raw" | field rate)
	ratio=$(python3 -c "print(f'{$rps / $rate:.2f}')")
	key=$(echo "$raw" | field key)
	printf '| %s (%s) | %s | %s / %s | %s | %s / %s | **%s** |\n' "$key" "$office" "$rate" \
		"$(echo "$raw" | field p50_ms)" "$(echo "$raw" | field p99_ms)" "$rps" \
		"$(echo "$line" | field p50_ms)" "$(echo "$line" | field p99_ms)" "$ratio" >>"$W/table.md"
	# The pipeline in process, one thread, against one raw signature.
	one=$("$ROOT/build/bench/bench_p11" --config "$DEV/civseal.conf" --office "$office" \
		--threads 1 --seconds 2)
	issue=$("$ROOT/build/bench/bench_issue" --config "$DEV/civseal.conf" \
		--in "$SAMPLES/$sample.json" --count 1000)
	echo "$issue"
	printf '| %s (%s) | %s | %s |\n' "$key" "$office" "$(echo "$issue" | field ms_per_doc)" \
		"$(python3 -c "print(f'{1000 / $(echo "$one" | field rate):.3f}')")" >>"$W/inproc.md"
done

docs=$(sqlite3 "$W/register.db" 'select count(*) from documents')
curl -fsS "http://127.0.0.1:$PORT/metrics" >"$W/metrics.txt"
commits=$(awk '/^civseal_store_commits_total/ {print $2}' "$W/metrics.txt")
{
	echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r);"
	echo "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); SoftHSM2 $(dpkg-query -W -f='${Version}' softhsm2); ${SECS}s per run."
	echo
	cat "$W/table.md"
	echo
	echo "In process, one thread (tests/bench/bench_issue.c: parse and signer_sign end to end, no HTTP, no register):"
	echo
	echo "| key | ms per document | ms per raw signature with this key |"
	echo "|---|---|---|"
	cat "$W/inproc.md"
	echo
	echo "Register: $docs documents durable in ${commits:-?} group commits (WAL, synchronous=FULL)."
} >"$ROOT/build/bench/results.md"
echo
cat "$ROOT/build/bench/results.md"
