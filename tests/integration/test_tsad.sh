#!/bin/bash
# civseal-tsad on a free loopback port with the dev token's TSA key, driven
# by independent tools: tokens requested with `openssl ts -query` + curl and
# checked with `openssl ts -verify` against var/dev/tsa-trust.pem, over an
# imprint this script computes itself; the refusals (media type, garbage,
# oversized body, method, algorithm, policy); 200 concurrent requests, all
# verifying with distinct serials; the client (civseal timestamp, the code
# the signer uses) failing over from a dead, a refusing and a hanging URL,
# and its timeout; genTime under faketime; /readyz, /metrics, SIGTERM.
source "$(dirname "$0")/../lib.sh"

TSAD=${CIVSEAL_TSAD:-$BIN/civseal-tsad}	# e.g. a SANITIZE=1 build
CIVSEAL=${CIVSEAL:-$BIN/civseal}
ANCHOR=$DEV/tsa-trust.pem
POLICY=$(awk '/^\[tsad\]/{s=1;next} /^\[/{s=0} s&&/^policy/{print $3}' "$DEV/civseal.conf")
CONF=$T/civseal.conf
dev_conf "$CONF"
free_port() {
	python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
PORT=$(free_port)
URL=http://127.0.0.1:$PORT/
LOG=$T/tsad.log
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	true
}
trap cleanup EXIT

# client_conf FILE TIMEOUT_MS ANCHORS URL...: a [tsa] client configuration.
client_conf() {
	local f=$1 timeout=$2 anchors=$3
	shift 3
	{
		echo "[tsa]"
		for u in "$@"; do echo "url = $u"; done
		echo "timeout_ms = $timeout"
		echo "anchors = $anchors"
		echo "policy = $POLICY"
	} >"$f"
}

# stamp NAME DATAFILE [URL]: a TimeStampReq for DATAFILE (openssl, SHA-256,
# certReq), POSTed with curl; $T/NAME.tsr, .status, .hdr
stamp() {
	local name=$1 data=$2 url=${3:-$URL}
	openssl ts -query -data "$data" -sha256 -cert -out "$T/$name.tsq" 2>/dev/null
	curl -s --max-time 30 -o "$T/$name.tsr" -D "$T/$name.hdr" -w '%{http_code}' \
		-H 'Content-Type: application/timestamp-query' \
		--data-binary "@$T/$name.tsq" "$url" >"$T/$name.status"
}

# verify_digest NAME HEX: openssl ts -verify of the reply over a digest.
verify_digest() {
	openssl ts -verify -in "$T/$1.tsr" -digest "$2" -CAfile "$ANCHOR" 2>&1 |
		grep -q '^Verification: OK'
}

"$TSAD" --config "$CONF" --listen "127.0.0.1:$PORT" 2>>"$LOG" &
TSAD_PID=$!
PIDS+=("$TSAD_PID")
wait_for "civseal-tsad /healthz" 100 curl -sf "${URL}healthz" || exit 1
expect_grep "the log is JSON lines, start first" '^\{"ts":"[0-9T:.-]+Z","level":"info","event":"start","listen":"127.0.0.1:'"$PORT"'"' "$LOG"
expect_eq "GET /readyz: the HSM key signs" "$(curl -s -o /dev/null -w '%{http_code}' "${URL}readyz")" 200

# --- a token, checked by openssl over an imprint computed here ---------------
printf 'Giấy khai sinh số 0042, quyển 01/2025\n' >"$T/doc.txt"
DIGEST=$(sha256sum "$T/doc.txt" | cut -d' ' -f1)
stamp one "$T/doc.txt"
expect_eq "POST /: 200" "$(cat "$T/one.status")" 200
expect_grep "reply is application/timestamp-reply" '^Content-Type: application/timestamp-reply' "$T/one.hdr"
check "openssl ts -verify -digest (our SHA-256) against tsa-trust.pem" verify_digest one "$DIGEST"
check "openssl ts -verify -data" sh -c "openssl ts -verify -in '$T/one.tsr' -data '$T/doc.txt' -CAfile '$ANCHOR' 2>&1 | grep -q '^Verification: OK'"
printf 'Giấy khai sinh số 0043, quyển 01/2025\n' >"$T/other.txt"
if openssl ts -verify -in "$T/one.tsr" -data "$T/other.txt" -CAfile "$ANCHOR" >/dev/null 2>&1; then
	not_ok "the token does not verify over other data"
else
	ok "the token does not verify over other data"
fi
if openssl ts -verify -in "$T/one.tsr" -digest "$DIGEST" -CAfile "$DEV/trust.pem" >/dev/null 2>&1; then
	not_ok "the token does not verify against the offices' root (not a TSA anchor)"
else
	ok "the token does not verify against the offices' root (not a TSA anchor)"
fi
openssl ts -reply -in "$T/one.tsr" -text >"$T/one.txt" 2>/dev/null
openssl ts -query -in "$T/one.tsq" -text >"$T/one.q.txt" 2>/dev/null
expect_grep "status granted" '^Status: Granted' "$T/one.txt"
expect_grep "policy is [tsad] policy" "^Policy OID: $POLICY\$" "$T/one.txt"
expect_grep "imprint algorithm sha256" '^Hash Algorithm: sha256' "$T/one.txt"
expect_eq "nonce of the request" "$(grep '^Nonce:' "$T/one.txt")" "$(grep '^Nonce:' "$T/one.q.txt")"
expect_grep "accuracy 1 s ([tsad] accuracy_ms 1000)" '^Accuracy: 0x01 seconds' "$T/one.txt"
expect_grep "genTime with milliseconds" '^Time stamp: .* [0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+ 20[0-9][0-9] GMT' "$T/one.txt"
expect_grep "TSA named" '^TSA: DirName:.*CN ?= ?civseal Development TSA' "$T/one.txt"
openssl ts -reply -in "$T/one.tsr" -token_out -out "$T/one.tst" 2>/dev/null
openssl pkcs7 -inform DER -in "$T/one.tst" -print_certs -out "$T/one.certs" 2>/dev/null
check "the token carries the TSA certificate (certReq)" \
	sh -c "openssl x509 -in '$T/one.certs' -noout -ext extendedKeyUsage | grep -q 'critical' && openssl x509 -in '$T/one.certs' -noout -ext extendedKeyUsage | grep -q 'Time Stamping'"
expect_exit "civseal timestamp --check: the token proves the document" 0 \
	"$CIVSEAL" timestamp --config "$CONF" --in "$T/doc.txt" --check "$T/one.tst"
expect_exit "civseal timestamp --check over other data: refused" 1 \
	"$CIVSEAL" timestamp --config "$CONF" --in "$T/other.txt" --check "$T/one.tst"
expect_grep "... naming the cause" 'covers other data' "$T/err"
expect_grep "log line with serial and genTime" '"event":"http_request".*"route":"/".*"status":200.*"serial":"[0-9A-F]+".*"gen_time":"[0-9]{14}\.[0-9]+Z"' "$LOG"

# --- refusals ------------------------------------------------------------------
code() { curl -s -o "$T/$1.body" -D "$T/$1.hdr" -w '%{http_code}' --max-time 10 "${@:2}"; }
expect_eq "wrong media type: 415" "$(code e415 -H 'Content-Type: application/octet-stream' --data-binary "@$T/one.tsq" "$URL")" 415
expect_grep "415 is problem+json" '^Content-Type: application/problem\+json' "$T/e415.hdr"
expect_grep "415 names the media type to use" 'application/timestamp-query' "$T/e415.body"
expect_eq "form-encoded (curl's default): 415" "$(code e415f --data-binary "@$T/one.tsq" "$URL")" 415
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/garbage.bin"
expect_eq "garbage body: 400" "$(code e400 -H 'Content-Type: application/timestamp-query' --data-binary "@$T/garbage.bin" "$URL")" 400
openssl ts -reply -in "$T/e400.body" -text >"$T/e400.txt" 2>/dev/null
expect_grep "400 body is a TimeStampResp: rejected" '^Status: Rejected' "$T/e400.txt"
expect_grep "... badDataFormat" '^Failure info: the data submitted has the wrong format' "$T/e400.txt"
# A valid request followed by one more byte is not a valid request.
cat "$T/one.tsq" >"$T/trail.tsq" && printf '\0' >>"$T/trail.tsq"
expect_eq "request with a trailing byte: 400" "$(code etrail -H 'Content-Type: application/timestamp-query' --data-binary "@$T/trail.tsq" "$URL")" 400
# Declared too large: refused from the headers, before the body is sent
# (curl waits for 100 Continue, which never comes).  Sent chunked, with no
# length declared: read, dropped past 4096 bytes, refused at the end.
head -c 1048576 /dev/zero >"$T/big.bin"
curl -s -o "$T/e413.body" -w '%{http_code} %{size_upload}' --max-time 10 \
	-H 'Content-Type: application/timestamp-query' -H 'Expect: 100-continue' \
	--data-binary "@$T/big.bin" "$URL" >"$T/e413.status"
expect_eq "oversized body (1 MiB): 413, and not a byte of it sent" "$(cat "$T/e413.status")" "413 0"
expect_grep "413 names the limit" 'larger than 4096 bytes' "$T/e413.body"
expect_eq "oversized chunked body: 413" "$(code e413c -H 'Content-Type: application/timestamp-query' -H 'Transfer-Encoding: chunked' --data-binary "@$T/big.bin" "$URL")" 413
expect_eq "GET /: 405" "$(code e405 "$URL")" 405
expect_grep "405 says Allow: POST" '^Allow: POST' "$T/e405.hdr"
expect_eq "unknown path: 404" "$(code e404 -H 'Content-Type: application/timestamp-query' --data-binary "@$T/one.tsq" "${URL}tsa/x")" 404
openssl ts -query -data "$T/doc.txt" -sha1 -cert -out "$T/sha1.tsq" 2>/dev/null
expect_eq "SHA-1 imprint: 400" "$(code esha1 -H 'Content-Type: application/timestamp-query' --data-binary "@$T/sha1.tsq" "$URL")" 400
openssl ts -reply -in "$T/esha1.body" -text >"$T/esha1.txt" 2>/dev/null
expect_grep "... badAlg" '^Failure info: unrecognized or unsupported algorithm' "$T/esha1.txt"
openssl ts -query -data "$T/doc.txt" -sha256 -tspolicy 1.2.3.4 -out "$T/pol.tsq" 2>/dev/null
expect_eq "another policy: 400" "$(code epol -H 'Content-Type: application/timestamp-query' --data-binary "@$T/pol.tsq" "$URL")" 400
openssl ts -reply -in "$T/epol.body" -text >"$T/epol.txt" 2>/dev/null
expect_grep "... unacceptedPolicy" '^Failure info: the requested TSA policy is not supported' "$T/epol.txt"
expect_eq "still ready after the refusals" "$(curl -s -o /dev/null -w '%{http_code}' "${URL}readyz")" 200

# --- 200 concurrent requests ------------------------------------------------------
# Each worker: its own document, openssl's query, curl, openssl's check.
mkdir -p "$T/conc"
export T URL ANCHOR
seq 1 200 | xargs -P8 -I{} bash -c '
	d=$T/conc/{}
	printf "document %s\n" {} >"$d.txt"
	openssl ts -query -data "$d.txt" -sha256 -cert -out "$d.tsq" 2>/dev/null
	s=$(curl -s --max-time 60 -o "$d.tsr" -w "%{http_code}" -H "Content-Type: application/timestamp-query" --data-binary "@$d.tsq" "$URL")
	[ "$s" = 200 ] || exit 0
	dg=$(sha256sum "$d.txt" | cut -d" " -f1)
	openssl ts -verify -in "$d.tsr" -digest "$dg" -CAfile "$ANCHOR" 2>&1 | grep -q "^Verification: OK" && touch "$d.ok"
'
expect_eq "200 concurrent requests: all verify" "$(find "$T/conc" -name '*.ok' | wc -l)" 200
# The serials, read from the DER by a walk of our own (one process, not
# 200 more openssl runs on a busy machine): TimeStampResp > token >
# SignedData > encapContentInfo > TSTInfo > serialNumber.
python3 - "$T"/conc/*.tsr >"$T/serials" <<'PY'
import sys
def tlv(b, i):
    tag, l, i = b[i], b[i + 1], i + 2
    if l & 0x80:
        n = l & 0x7f
        l, i = int.from_bytes(b[i:i + n], "big"), i + n
    return tag, i, l
def inside(b, i):            # the first element inside the TLV at i
    return tlv(b, i)[1]
def after(b, i):             # the element after the TLV at i
    _, c, l = tlv(b, i)
    return c + l
for f in sys.argv[1:]:
    b = open(f, "rb").read()
    i = inside(b, 0)                 # TimeStampResp
    i = after(b, i)                  # skip PKIStatusInfo: the token
    i = inside(b, i)                 # ContentInfo: contentType
    i = inside(b, after(b, i))       # [0]: SignedData
    i = inside(b, i)                 # version
    i = after(b, after(b, i))        # skip digestAlgorithms: encapContentInfo
    i = inside(b, after(b, inside(b, i)))  # eContent [0]: OCTET STRING
    i = inside(b, inside(b, i))      # TSTInfo: version
    i = after(b, after(b, after(b, i)))    # skip policy, imprint: serial
    tag, c, l = tlv(b, i)
    assert tag == 0x02, f
    print(b[c:c + l].hex())
PY
expect_eq "200 concurrent requests: 200 serials read" "$(grep -c . "$T/serials")" 200
expect_eq "... all distinct" "$(sort -u "$T/serials" | grep -c .)" 200
curl -s "${URL}metrics" >"$T/metrics"
# one + the 200 (all others were refused)
expect_grep "metrics: 201 timestamps issued" '^civseal_tsa_timestamps_issued_total 201$' "$T/metrics"
expect_grep "metrics: refusals by failure info" '^civseal_tsa_requests_refused_total\{failure="badDataFormat"\} 2$' "$T/metrics"
expect_grep "metrics: badAlg counted" '^civseal_tsa_requests_refused_total\{failure="badAlg"\} 1$' "$T/metrics"
expect_grep "metrics: no failures" '^# TYPE civseal_tsa_failures_total counter' "$T/metrics"
expect_no_grep "metrics: ... none counted" '^civseal_tsa_failures_total\{' "$T/metrics"
expect_grep "metrics: TSA certificate expiry" '^civseal_tsa_certificate_expiry_seconds [0-9]' "$T/metrics"

# --- the client: failover and timeout (civseal timestamp = tsa/client) -------------
DEAD=http://127.0.0.1:$(free_port)/		# nothing listens there
HANG_PORT=$(free_port)
# Accepts connections and never answers.
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$HANG_PORT" &
PIDS+=($!)
HANG=http://127.0.0.1:$HANG_PORT/
wait_for "the hanging listener" 50 python3 -c "import socket; socket.create_connection(('127.0.0.1', $HANG_PORT)).close()"

client_conf "$T/failover.conf" 1000 "$ANCHOR" "$DEAD" "$URL"
expect_exit "client: first URL dead, second live: a timestamp" 0 \
	"$CIVSEAL" timestamp --config "$T/failover.conf" --in "$T/doc.txt" --out "$T/fo.tst"
expect_grep "... from the second URL, after one failed" "^timestamp from ${URL} \\(after 1 TSA failed\\)" "$T/out"
check "... and openssl verifies that token" sh -c "openssl ts -verify -token_in -in '$T/fo.tst' -digest '$DIGEST' -CAfile '$ANCHOR' 2>&1 | grep -q '^Verification: OK'"

client_conf "$T/refusing.conf" 1000 "$ANCHOR" "${URL}nope" "$URL"
expect_exit "client: first URL answers 404, second live: a timestamp" 0 \
	"$CIVSEAL" timestamp --config "$T/refusing.conf" --in "$T/doc.txt"
expect_grep "... after one failed" '\(after 1 TSA failed\)' "$T/out"

client_conf "$T/timeout.conf" 1000 "$ANCHOR" "$HANG"
start=$(date +%s%N)
expect_exit "client: a URL that never answers: no timestamp (exit 3)" 3 \
	"$CIVSEAL" timestamp --config "$T/timeout.conf" --in "$T/doc.txt"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_grep "... the error names the URL and the timeout" "$HANG: timeout after 1000 ms" "$T/err"
check "... given up after the timeout (${ms} ms, 1000-2500)" test "$ms" -ge 1000 -a "$ms" -lt 2500

client_conf "$T/hangfirst.conf" 1000 "$ANCHOR" "$HANG" "$URL"
start=$(date +%s%N)
expect_exit "client: hanging URL first, live second: a timestamp" 0 \
	"$CIVSEAL" timestamp --config "$T/hangfirst.conf" --in "$T/doc.txt"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "... after the first one's timeout (${ms} ms, 1000-2500)" test "$ms" -ge 1000 -a "$ms" -lt 2500

client_conf "$T/alldead.conf" 1000 "$ANCHOR" "$DEAD" "${URL}nope"
expect_exit "client: every URL fails: exit 3" 3 \
	"$CIVSEAL" timestamp --config "$T/alldead.conf" --in "$T/doc.txt"
expect_grep "... naming each URL and its cause" "no timestamp from 2 TSAs: ${DEAD}: Failed to connect .*Couldn't connect to server; ${URL}nope: HTTP 404" "$T/err"

# The offices' root is no TSA anchor: a good TSA is refused by a client
# that does not trust it.
client_conf "$T/untrusted.conf" 1000 "$DEV/trust.pem" "$URL"
expect_exit "client: TSA not under the configured anchors: exit 3" 3 \
	"$CIVSEAL" timestamp --config "$T/untrusted.conf" --in "$T/doc.txt"
expect_grep "... because it does not chain to them" 'does not chain to a configured TSA anchor' "$T/err"

printf '[tsa]\nurl = ftp://127.0.0.1/\nanchors = %s\n' "$ANCHOR" >"$T/ftp.conf"
expect_exit "client: an ftp:// URL is refused (exit 2)" 2 \
	"$CIVSEAL" timestamp --config "$T/ftp.conf" --in "$T/doc.txt"
expect_grep "... naming it" "is not http:// or https://" "$T/err"

# --- genTime follows the (shifted) system clock ----------------------------------------
FPORT=$(free_port)
FAKE_LOG=$T/tsad-faketime.log
# libfaketime preloaded by hand rather than through faketime(1), which
# forks: $! is then civseal-tsad itself, and the cleanup reaches it.
LIBFAKETIME=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$LIBFAKETIME" ] || not_ok "libfaketime.so.1 not found (apt-get install faketime)"
# (An AddressSanitizer build wants its runtime first: it is told not to mind.)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
TZ=UTC LD_PRELOAD=$LIBFAKETIME FAKETIME='@2025-06-15 10:00:00' FAKETIME_DONT_FAKE_MONOTONIC=1 \
	"$TSAD" --config "$CONF" --listen "127.0.0.1:$FPORT" 2>>"$FAKE_LOG" &
PIDS+=($!)
FURL=http://127.0.0.1:$FPORT/
wait_for "civseal-tsad under faketime" 100 curl -sf "${FURL}healthz" || exit 1
stamp june "$T/doc.txt" "$FURL"
expect_eq "faketime'd TSA: 200" "$(cat "$T/june.status")" 200
openssl ts -reply -in "$T/june.tsr" -text >"$T/june.txt" 2>/dev/null
expect_grep "genTime follows the shifted clock (15 June 2025)" '^Time stamp: Jun 15 10:0[0-2]:[0-9.]+ 2025 GMT' "$T/june.txt"
check "... and openssl verifies it today (the TSA certificate covers 2025)" verify_digest june "$DIGEST"
openssl ts -reply -in "$T/june.tsr" -token_out -out "$T/june.tst" 2>/dev/null
expect_exit "civseal timestamp --check: proves existence in June 2025" 0 \
	"$CIVSEAL" timestamp --config "$CONF" --in "$T/doc.txt" --check "$T/june.tst"
expect_grep "... genTime 2025-06-15T10:0x" 'genTime +2025-06-15T10:0[0-2]:' "$T/out"
expect_grep "its log is dated by the shifted clock too" '^\{"ts":"2025-06-15T10:0' "$FAKE_LOG"

# --- an RSA-2048 TSA key, on a token of its own ---------------------------------------------
# The dev TSA key is EC P-256; TS_RESP_CTX must sign with an RSA key from
# the HSM just as well.
RT=$T/rsa
MODULE=$(awk '/^\[pkcs11\]/{s=1;next} /^\[/{s=0} s&&/^module/{print $3}' "$DEV/civseal.conf")
mkdir -p "$RT/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$RT" >"$RT/softhsm2.conf"
(umask 077; openssl rand -hex 12 | tr -d '\n' >"$RT/pin"; openssl rand -hex 12 | tr -d '\n' >"$RT/so-pin")
rsa_setup() {
	SOFTHSM2_CONF=$RT/softhsm2.conf "$CIVSEAL" hsm init-token --module "$MODULE" \
		--label rsa-tsa --so-pin-file "$RT/so-pin" --pin-file "$RT/pin" &&
	SOFTHSM2_CONF=$RT/softhsm2.conf "$CIVSEAL" hsm keygen --module "$MODULE" \
		--token rsa-tsa --pin-file "$RT/pin" --label tsa --id 01 --type rsa-2048 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$RT/ca.key" -subj "/CN=RSA test TSA CA" -days 30 -out "$RT/ca.pem" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" &&
	SOFTHSM2_CONF=$RT/softhsm2.conf PKCS11_MODULE_PATH=$MODULE openssl req -new \
		-engine pkcs11 -keyform engine \
		-key "pkcs11:token=rsa-tsa;object=tsa;type=private?pin-source=file:$RT/pin" \
		-subj "/CN=RSA test TSA" -out "$RT/tsa.csr" &&
	printf '[tsa]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n' >"$RT/ext.cnf" &&
	openssl x509 -req -in "$RT/tsa.csr" -CA "$RT/ca.pem" -CAkey "$RT/ca.key" \
		-set_serial 7 -days 30 -extfile "$RT/ext.cnf" -extensions tsa -out "$RT/tsa.pem" &&
	printf '[pkcs11]\nmodule = %s\npin_file = %s/pin\nsofthsm2_conf = %s/softhsm2.conf\n[tsad]\nkey = pkcs11:token=rsa-tsa;object=tsa\ncert = %s/tsa.pem\npolicy = %s\n' \
		"$MODULE" "$RT" "$RT" "$RT" "$POLICY" >"$RT/civseal.conf"
}
check "RSA-2048 TSA key made in a token of its own" rsa_setup
RPORT=$(free_port)
"$TSAD" --config "$RT/civseal.conf" --listen "127.0.0.1:$RPORT" 2>>"$T/tsad-rsa.log" &
PIDS+=($!)
wait_for "civseal-tsad with the RSA key" 100 curl -sf "http://127.0.0.1:$RPORT/healthz" || exit 1
stamp rsa "$T/doc.txt" "http://127.0.0.1:$RPORT/"
expect_eq "RSA TSA: 200" "$(cat "$T/rsa.status")" 200
check "RSA TSA: openssl ts -verify against its CA" sh -c \
	"openssl ts -verify -in '$T/rsa.tsr' -digest '$DIGEST' -CAfile '$RT/ca.pem' 2>&1 | grep -q '^Verification: OK'"
openssl ts -reply -in "$T/rsa.tsr" -token_out -out "$T/rsa.tst" 2>/dev/null
check "RSA TSA: the token is signed with rsaEncryption" sh -c \
	"openssl cms -cmsout -print -inform DER -in '$T/rsa.tst' | grep -A1 'signatureAlgorithm:' | grep -q rsaEncryption"

# --- an HSM outage: 503 while the token is away, back by itself ---------------------------------
# On a copy of the dev token, so that moving it away harms nobody else.
HT=$T/outage
mkdir -p "$HT"
cp -a "$(sed -n 's/^directories.tokendir *= *//p' "$DEV/softhsm2.conf")" "$HT/tokens"
sed "s|^directories.tokendir *=.*|directories.tokendir = $HT/tokens|" "$DEV/softhsm2.conf" >"$HT/softhsm2.conf"
sed "s|^softhsm2_conf *=.*|softhsm2_conf = $HT/softhsm2.conf|" "$CONF" >"$HT/civseal.conf"
HPORT=$(free_port)
HURL=http://127.0.0.1:$HPORT/
# SANITIZE=1: libp11's own leaks on its failure paths during an outage.
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$ROOT/tests/integration/test_hsm_outage.lsan" \
	"$TSAD" --config "$HT/civseal.conf" --listen "127.0.0.1:$HPORT" 2>>"$T/tsad-outage.log" &
HPID=$!
PIDS+=("$HPID")
wait_for "civseal-tsad on the token copy" 100 curl -sf "${HURL}healthz" || exit 1
stamp before "$T/doc.txt" "$HURL"
expect_eq "before the outage: 200" "$(cat "$T/before.status")" 200
mv "$HT/tokens" "$HT/tokens.away"
stamp gone "$T/doc.txt" "$HURL"
expect_eq "token gone: 503" "$(cat "$T/gone.status")" 503
expect_grep "token gone: Retry-After" '^Retry-After: [0-9]+' "$T/gone.hdr"
if grep -q '^Content-Type: application/timestamp-reply' "$T/gone.hdr"; then
	openssl ts -reply -in "$T/gone.tsr" -text >"$T/gone.txt" 2>/dev/null
	expect_grep "token gone: the body says systemFailure" '^Failure info: the request cannot be handled due to system failure' "$T/gone.txt"
else
	expect_grep "token gone: the body says hsm-unavailable" '"code":"hsm-unavailable"' "$T/gone.tsr"
fi
expect_eq "token gone: /readyz 503" "$(curl -s -o "$T/ready-gone.body" -w '%{http_code}' "${HURL}readyz")" 503
expect_grep "token gone: /readyz names the HSM" '"detail":"hsm: ' "$T/ready-gone.body"
check "token gone: the daemon answers /healthz" curl -sf "${HURL}healthz"
mv "$HT/tokens.away" "$HT/tokens"
wait_for "/readyz 200 once the token is back" 60 curl -sf "${HURL}readyz" &&
	ok "token back: ready again, without a restart"
stamp back "$T/doc.txt" "$HURL"
expect_eq "token back: 200" "$(cat "$T/back.status")" 200
check "token back: the token verifies" verify_digest back "$DIGEST"
expect_grep "log: hsm_reconnected" '"event":"hsm_reconnected"' "$T/tsad-outage.log"
r=$(curl -s "${HURL}metrics" | awk '$1 == "civseal_tsa_hsm_reconnects_total" { print $2 }')
check "metrics: civseal_tsa_hsm_reconnects_total >= 1 (got ${r:-none})" test "${r:-0}" -ge 1
kill -TERM "$HPID"
wait "$HPID"
expect_eq "SIGTERM after the outage: exit 0" "$?" 0

# --- stop ------------------------------------------------------------------------------------
kill -TERM "$TSAD_PID"
wait "$TSAD_PID"
expect_eq "SIGTERM: exit 0" "$?" 0
expect_grep "stop logged" '"event":"stop","unfinished":0' "$LOG"
expect_no_grep "no error in the log" '"level":"error"' "$LOG"
