#!/bin/bash
# tests/faultp11 (build/tests/libfaultp11.so), the fault-injecting PKCS#11
# module, in front of the dev SoftHSM2 token: without a control file it is
# invisible (pkcs11-tool lists the token, civseal signs); each commanded
# error reaches the client with its CKR_* value (signing, login,
# initialise, any call); count= and after= pick the calls; a hang delays a
# call and then lets it through, and a hang without end ends when the
# control file changes; many threads at once (civseal-signd) hang side by
# side and share one count.  Bad control lines are reported and skipped.
source "$(dirname "$0")/../lib.sh"

FP=$ROOT/build/tests/libfaultp11.so
CS=${CIVSEAL:-$BIN/civseal}
SIGND=${CIVSEAL_SIGND:-$BIN/civseal-signd}
TOKEN=civseal-dev
if [ ! -f "$FP" ]; then
	not_ok "$FP is built (make)"
	exit 1
fi
if [ ! -s "$DEV/civseal.conf" ]; then
	not_ok "var/dev exists (run make dev)"
	exit 1
fi
if [ ! -f "$DEV/client.token" ] || ! grep -qE '^[ \t]*clients[ \t]*=' "$DEV/civseal.conf"; then
	"$ROOT/certs/dev-clients.sh" >/dev/null
fi

# The dev configuration, but the module is faultp11 and the register ours.
CONF=$T/civseal.conf
dev_conf "$CONF"
sed -i "s|^module *=.*|module = $FP|; s|^path *=.*|path = $T/register.db|" "$CONF"

export FAULTP11_CONTROL=$T/control FAULTP11_LOG=$T/faults.log
# control LINE...: replace the control file at once (a rename: a new inode,
# so even a change within one timestamp tick is seen).
control() {
	printf '%s\n' "$@" >"$T/control.new"
	mv "$T/control.new" "$T/control"
}
# faults EVENT FUNCTION: how many such lines the module logged so far.
faults() { awk -v e="$1" -v f="$2" '$3 == f && $4 == e' "$T/faults.log" 2>/dev/null | wc -l; }
# sign NAME: a registration number of its own each time (the register would
# hand back the document registered first for the same input, unsigned).
sign() {
	sample_with "$SAMPLES/birth-01.json" "j['registration']['number']='FPCLI-$1'" "$T/$1.json"
	"$CS" sign --config "$CONF" --in "$T/$1.json" --out "$T/$1.xml"
}
verifies() { "$CS" verify --trust "$DEV/trust.pem" --crl "$DEV/crl.pem" "$T/$1.xml"; }

# --- no control file: a plain forwarder ----------------------------------------
rm -f "$T/control" "$T/faults.log"
expect_exit "pkcs11-tool -L through faultp11 exits 0" 0 pkcs11-tool --module "$FP" -L
expect_grep "pkcs11-tool lists the dev token through faultp11" "token label +: $TOKEN\$" "$T/out"
expect_exit "no control file: civseal sign through faultp11 exits 0" 0 sign plain
expect_exit "no control file: the document verifies" 0 verifies plain
check "no control file: nothing injected, nothing logged" test ! -s "$T/faults.log"

# --- an independent client sees the faults ----------------------------------------
control "C_GetSlotList error CKR_DEVICE_ERROR"
expect_exit "pkcs11-tool -L with C_GetSlotList failing exits 1" 1 pkcs11-tool --module "$FP" -L
expect_grep "pkcs11-tool names CKR_DEVICE_ERROR" "C_GetSlotList.*CKR_DEVICE_ERROR" "$T/err"
control "C_OpenSession error CKR_SESSION_HANDLE_INVALID"
expect_exit "pkcs11-tool -O with C_OpenSession failing exits 1" 1 pkcs11-tool --module "$FP" \
	--token-label $TOKEN -O
expect_grep "pkcs11-tool names CKR_SESSION_HANDLE_INVALID" \
	"C_OpenSession.*CKR_SESSION_HANDLE_INVALID" "$T/err"
expect_eq "the log has one line per injected fault" "$(faults error C_OpenSession)" 1

# --- errors reach civseal ------------------------------------------------------------
control "C_Sign error CKR_DEVICE_ERROR"
rm -f "$T/devfail.xml"
expect_exit "C_Sign CKR_DEVICE_ERROR: civseal sign exits 3" 3 sign devfail
# Today the CLI passes on OpenSSL's text of the code ("Device error");
# issue 15 asks for the CKR_* name.  Either names this code and no other.
expect_grep "C_Sign CKR_DEVICE_ERROR: the error names the device error" \
	"CKR_DEVICE_ERROR|Device error" "$T/err"
check "C_Sign CKR_DEVICE_ERROR: no document written" test ! -e "$T/devfail.xml"
n=$(faults error C_Sign)
check "C_Sign CKR_DEVICE_ERROR: injected and logged (got $n)" test "$n" -ge 1

control "C_Login error CKR_PIN_INCORRECT"
expect_exit "C_Login CKR_PIN_INCORRECT: civseal sign exits 3" 3 sign loginfail
expect_grep "C_Login CKR_PIN_INCORRECT: named, with the token" \
	"login to token $TOKEN failed: CKR_PIN_INCORRECT" "$T/err"
expect_no_grep "C_Login CKR_PIN_INCORRECT: the PIN is not shown" "$(cat "$DEV/pin")" "$T/err"

control "C_Initialize error CKR_GENERAL_ERROR"
expect_exit "C_Initialize CKR_GENERAL_ERROR: civseal sign exits 3" 3 sign initfail
expect_grep "C_Initialize CKR_GENERAL_ERROR: named, with the module" \
	"module $FP cannot be loaded: C_Initialize: CKR_GENERAL_ERROR" "$T/err"

control "* error CKR_TOKEN_NOT_PRESENT"
expect_exit "every call CKR_TOKEN_NOT_PRESENT: civseal sign exits 3" 3 sign gone
expect_grep "every call CKR_TOKEN_NOT_PRESENT: named" "CKR_TOKEN_NOT_PRESENT" "$T/err"

control "C_Sign error CKR_SESSION_HANDLE_INVALID"
expect_exit "C_Sign CKR_SESSION_HANDLE_INVALID: civseal sign exits 3" 3 sign badsession
expect_grep "C_Sign CKR_SESSION_HANDLE_INVALID: the error names it" \
	"CKR_SESSION_HANDLE_INVALID|Session handle invalid" "$T/err"

# --- count= and after=; a failed C_Sign ends the real operation --------------------
# civseal hsm check signs once with each of the six office keys, in the order
# of the configuration, in one process and one PKCS#11 session.
control "C_Sign error CKR_DEVICE_ERROR count=1"
expect_exit "count=1: hsm check exits 3" 3 "$CS" hsm check --config "$CONF"
expect_grep "count=1: the first key's signature fails with CKR_DEVICE_ERROR" \
	"01-BADINH: signing on the token failed: CKR_DEVICE_ERROR" "$T/err"
expect_eq "count=1: the five other keys still sign in the same session" "$(grep -c '^ok ' "$T/out")" 5
expect_no_grep "count=1: no CKR_OPERATION_ACTIVE left behind" "CKR_OPERATION_ACTIVE" "$T/err"
control "C_Sign error CKR_DEVICE_ERROR after=2 count=1"
expect_exit "after=2 count=1: hsm check exits 3" 3 "$CS" hsm check --config "$CONF"
expect_grep "after=2 count=1: the third key fails" "^civseal hsm check: 10-TAVAN: .*CKR_DEVICE_ERROR" "$T/err"
expect_eq "after=2 count=1: only the third" "$(grep -c 'failed' "$T/err")" 1

# --- hangs ------------------------------------------------------------------------------
rm -f "$T/faults.log"
control "C_Sign hang 2 count=1"
start=$(date +%s%N)
expect_exit "C_Sign hang 2: civseal sign still exits 0" 0 sign hang2
ms=$((($(date +%s%N) - start) / 1000000))
check "C_Sign hang 2: signing took >= 2 s and < 10 s (${ms} ms)" test "$ms" -ge 2000 -a "$ms" -lt 10000
expect_exit "C_Sign hang 2: the document verifies" 0 verifies hang2
expect_grep "C_Sign hang 2: the hang ran its time" "C_Sign resume 2\.[0-9]+ timeout" "$T/faults.log"

rm -f "$T/faults.log"
control "C_Sign hang forever"
start=$(date +%s%N)
sign forever >"$T/forever.out" 2>"$T/forever.err" &
pid=$!
wait_for "the hang to begin" 100 grep -q "C_Sign hang forever" "$T/faults.log"
sleep 1
check "hang forever: civseal sign is still waiting a second later" kill -0 "$pid"
control "# released"
for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
	not_ok "hang forever: the call ends within 5 s of the control file changing"
	kill "$pid"
fi
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "hang forever, released: civseal sign exits 0 (after ${ms} ms)" "$rc" 0
expect_grep "hang forever: ended by the control file" "C_Sign resume [0-9.]+ control-changed" "$T/faults.log"
expect_exit "hang forever, released: the document verifies" 0 verifies forever

# --- a bad control file -------------------------------------------------------------------
rm -f "$T/faults.log"
control "C_Sgn error CKR_DEVICE_ERROR" "C_Sign error CKR_NO_SUCH_CODE" "C_Sign hang soon" \
	"C_Sign error CKR_DEVICE_ERROR count=0" "C_Sign frown 3"
expect_exit "bad lines only: civseal sign works" 0 sign badlines
expect_grep "bad line: unknown function, with file and line" \
	"faultp11: $T/control:1: unknown function" "$T/err"
expect_grep "bad line: unknown CKR name" "control:2: unknown CKR_\* name" "$T/err"
expect_grep "bad line: hang without a duration" "control:3: hang wants seconds or forever" "$T/err"
expect_grep "bad line: count=0" "control:4: count wants a positive number" "$T/err"
expect_grep "bad line: unknown action" "control:5: action is neither error nor hang" "$T/err"
expect_eq "bad lines: five logged" "$(faults bad-line control)" 5

# --- many threads: civseal-signd ----------------------------------------------------------
TOK=$(cat "$DEV/client.token")
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
rm -f "$T/control" "$T/faults.log"
"$SIGND" --config "$CONF" --listen "127.0.0.1:$PORT" --threads 4 2>"$T/signd.log" &
SPID=$!
trap 'kill -9 $SPID 2>/dev/null' EXIT
wait_for "civseal-signd /healthz" 100 curl -sf "$URL/healthz" || exit 1

post() {	# post NAME: a birth certificate with a registration number of its own
	sample_with "$SAMPLES/birth-01.json" "j['registration']['number']='FP-$1'" "$T/$1.json"
	curl -s --max-time 60 -o "$T/$1.body" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
		--data-binary "@$T/$1.json" "$URL/v1/documents" >"$T/$1.status"
}

hangs_reach() { test "$(faults hang C_Sign)" -ge "$1"; }
control "C_Sign hang 1"
PIDS=()
for k in 1 2 3 4; do post "par$k" & PIDS+=($!); done
wait_for "four hangs at once" 100 hangs_reach 4
# The log is in time order: four hangs begun before any ended means the
# module holds no lock while a call hangs.
first=$(awk '$3 == "C_Sign" && $4 == "resume" { print NR; exit }' "$T/faults.log")
before=$(awk -v n="${first:-999999}" 'NR < n && $3 == "C_Sign" && $4 == "hang"' "$T/faults.log" | wc -l)
check "four threads hang side by side (${before} hangs before the first resume)" test "$before" -ge 4
wait "${PIDS[@]}"
for k in 1 2 3 4; do
	expect_eq "parallel hang: request $k answered 201" "$(cat "$T/par$k.status")" 201
done

# A shared count: eight requests (two signatures each) at once, three hangs.
rm -f "$T/faults.log"
control "C_Sign hang 0.3 count=3"
PIDS=()
for k in 1 2 3 4 5 6 7 8; do post "cnt$k" & PIDS+=($!); done
wait "${PIDS[@]}"
expect_eq "count=3 across threads: exactly three hangs" "$(faults hang C_Sign)" 3
expect_eq "count=3 across threads: each one resumed" "$(faults resume C_Sign)" 3
n=0
for k in 1 2 3 4 5 6 7 8; do [ "$(cat "$T/cnt$k.status")" = 201 ] && n=$((n + 1)); done
expect_eq "count=3 across threads: all eight answered 201" "$n" 8
kill "$SPID"
wait "$SPID" 2>/dev/null
trap - EXIT
