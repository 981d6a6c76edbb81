#!/bin/bash
# civseal-signd through an HSM outage, on a private copy of the dev SoftHSM2
# token: the token directory goes away under load (requests fail with 503
# hsm-unavailable and Retry-After, /readyz says why), comes back, and the
# daemon reconnects by itself (C_Finalize, C_Initialize, log in, find the
# keys) without a restart; a SIGHUP during the outage does not stop it from
# recovering either.  Every document acknowledged with 201 meanwhile is in
# the register and verifies; the audit chain is intact.
source "$(dirname "$0")/../lib.sh"
# SANITIZE=1: libp11's own leaks on its failure paths (see the file).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$ROOT/tests/integration/test_hsm_outage.lsan"

if [ ! -f "$DEV/client.token" ] || ! grep -qE '^[ \t]*clients[ \t]*=' "$DEV/civseal.conf"; then
	"$ROOT/certs/dev-clients.sh" >/dev/null
fi
TOK=$(cat "$DEV/client.token")

# The token of this test: a copy, so that moving it away harms nobody else.
cp -a "$(sed -n 's/^directories.tokendir *= *//p' "$DEV/softhsm2.conf")" "$T/tokens"
sed "s|^directories.tokendir *=.*|directories.tokendir = $T/tokens|" \
	"$DEV/softhsm2.conf" >"$T/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm2.conf

CONF=$T/civseal.conf
DB=$T/register.db
dev_conf "$CONF"
sed -i "s|^path *=.*|path = $DB|; s|^softhsm2_conf *=.*|softhsm2_conf = $T/softhsm2.conf|" "$CONF"
LOG=$T/signd.log
SIGND=${CIVSEAL_SIGND:-$BIN/civseal-signd}
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
PID=
LOAD=()

cleanup() {
	[ -d "$T/tokens.away" ] && mv "$T/tokens.away" "$T/tokens"
	for p in "${LOAD[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	true
}
trap cleanup EXIT

req() {		# req NAME CURL-ARGS...: status; $T/NAME.{body,hdr}
	local name=$1
	shift
	curl -s --max-time 30 -o "$T/$name.body" -D "$T/$name.hdr" -w '%{http_code}' "$@"
}

N=0
post() {	# post NAME: a birth certificate with a registration number of its own
	N=$((N + 1))
	sample_with "$SAMPLES/birth-01.json" "j['registration']['number']='HSM-$1-$N'" "$T/$1.json"
	req "$1" -X POST -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
		--data-binary "@$T/$1.json" "$URL/v1/documents"
}

metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

"$SIGND" --config "$CONF" --listen "127.0.0.1:$PORT" 2>>"$LOG" &
PID=$!
wait_for "civseal-signd /healthz" 100 curl -sf "$URL/healthz" || exit 1

expect_eq "before the outage: 201" "$(post before)" 201

# Load from four clients throughout: each line of load-K.txt is "status id".
loader() {
	local k=$1 i=0 st id
	while :; do
		i=$((i + 1))
		cp "$T/load.json" "$T/load-$k.json"
		sed -i "s/\"HSM-LOAD\"/\"HSM-L$k-$i\"/" "$T/load-$k.json"
		st=$(curl -s --max-time 30 -o "$T/load-$k.body" -w '%{http_code}' -X POST \
			-H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
			--data-binary "@$T/load-$k.json" "$URL/v1/documents")
		id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("id", "-"))' \
			"$T/load-$k.body" 2>/dev/null || echo -)
		echo "$st $id" >>"$T/load-$k.txt"
	done
}
sample_with "$SAMPLES/birth-01.json" "j['registration']['number']='HSM-LOAD'" "$T/load.json"
for k in 1 2 3 4; do
	loader "$k" &
	LOAD+=($!)
done
sleep 1

# --- the token goes away -------------------------------------------------------
mv "$T/tokens" "$T/tokens.away"
sleep 0.3
expect_eq "token gone: POST is 503" "$(post gone)" 503
expect_eq "token gone: problem code hsm-unavailable" \
	"$(json_get "$T/gone.body" 'j["code"]')" hsm-unavailable
expect_grep "token gone: Retry-After" '^Retry-After: [0-9]+' "$T/gone.hdr"
expect_eq "token gone: /readyz is 503" "$(req ready1 "$URL/readyz")" 503
expect_grep "token gone: /readyz names the HSM" '"detail":"hsm: ' "$T/ready1.body"
sleep 1.2
expect_eq "still gone a second later: 503 (the reconnect fails)" "$(post gone2)" 503
expect_grep "log: hsm_reconnect_failed" '"event":"hsm_reconnect_failed"' "$LOG"
check "the daemon is alive through the outage" curl -sf "$URL/healthz"

# --- it comes back ---------------------------------------------------------------
mv "$T/tokens.away" "$T/tokens"
wait_for "/readyz 200 after the token came back" 60 curl -sf "$URL/readyz" &&
	ok "token back: /readyz is 200 again (reconnected, test signatures pass)"
expect_eq "token back: POST is 201" "$(post back)" 201
expect_grep "log: hsm_reconnected" '"event":"hsm_reconnected"' "$LOG"
r=$(metric civseal_hsm_reconnects_total)
check "metrics: civseal_hsm_reconnects_total >= 1 (got ${r:-none})" test "${r:-0}" -ge 1
e=$(metric civseal_hsm_errors_total)
check "metrics: civseal_hsm_errors_total counts the failures (got ${e:-none})" test "${e:-0}" -ge 2
sleep 1

# --- a SIGHUP during a second outage -----------------------------------------
mv "$T/tokens" "$T/tokens.away"
sleep 0.3
kill -HUP "$PID"
sleep 0.5
expect_eq "second outage, SIGHUP: POST is 503" "$(post gone3)" 503
mv "$T/tokens.away" "$T/tokens"
wait_for "/readyz 200 after the second outage" 60 curl -sf "$URL/readyz" &&
	ok "second outage: ready again"
expect_eq "second outage over: POST is 201" "$(post back2)" 201
sleep 0.5

for p in "${LOAD[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
LOAD=()
cat "$T"/load-*.txt >"$T/load.txt"
n201=$(grep -c '^201 ' "$T/load.txt")
n503=$(grep -c '^503 ' "$T/load.txt")
other=$(grep -vcE '^(201|503) ' "$T/load.txt")
check "load: documents issued before and after the outages ($n201)" test "$n201" -ge 4
check "load: refusals during the outages ($n503)" test "$n503" -ge 1
expect_eq "load: every answer was 201 or 503" "$other" 0

# Every acknowledged document: in the register, and it verifies.
missing=0 unverified=0
for id in $(awk '$1 == 201 { print $2 }' "$T/load.txt") \
	$(json_get "$T/back.body" 'j["id"]') $(json_get "$T/back2.body" 'j["id"]'); do
	if [ "$(req doc -H "Authorization: Bearer $TOK" "$URL/v1/documents/$id")" != 200 ]; then
		missing=$((missing + 1))
		continue
	fi
	"$BIN/civseal" verify --config "$CONF" "$T/doc.body" >/dev/null 2>&1 ||
		unverified=$((unverified + 1))
done
expect_eq "every 201 is in the register" "$missing" 0
expect_eq "...and verifies" "$unverified" 0

kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
expect_eq "SIGTERM after the outages: exit 0" "$rc" 0
expect_exit "audit chain intact" 0 "$BIN/civseal" audit verify --config "$CONF"
expect_no_grep "the log holds no PIN" "$(cat "$DEV/pin")" "$LOG"
