#!/bin/bash
# make run: after the build and `make dev`, show civseal working on the dev
# token: sign an example birth certificate and a death extract (examples/),
# verify both.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
DEV=$ROOT/var/dev
BIN=$ROOT/build/bin
SAMPLES=$ROOT/examples
OUT=$DEV/out
mkdir -p "$OUT"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "1. Sign a birth certificate (key in the SoftHSM2 token, never exported)"
run "$BIN/civseal" sign --config "$DEV/civseal.conf" --in "$SAMPLES/birth-01.json" --out "$OUT/birth-01.xml"

say "2. Sign a death extract"
run "$BIN/civseal" sign --config "$DEV/civseal.conf" --in "$SAMPLES/death-01.json" --out "$OUT/death-01.xml"

say "3. Verify them as a receiving office would"
run "$BIN/civseal" verify --trust "$DEV/trust.pem" --crl "$DEV/crl.pem" "$OUT/birth-01.xml"
run "$BIN/civseal" verify --config "$DEV/civseal.conf" "$OUT/death-01.xml"

say "4. The same check by an independent implementation (xmlsec1)"
run xmlsec1 --verify --trusted-pem "$DEV/trust.pem" --enabled-reference-uris empty "$OUT/birth-01.xml"

say "5. A forged copy: the child's name changed after signing"
NAME=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["child"]["full_name"])' "$SAMPLES/birth-01.json")
sed "s|<FullName>$NAME</FullName>|<FullName>${NAME% *} Anh</FullName>|" "$OUT/birth-01.xml" >"$OUT/forged.xml"
if cmp -s "$OUT/birth-01.xml" "$OUT/forged.xml"; then
	echo "run-dev: the forged copy is not different; is examples/birth-01.json the signed one?" >&2
	exit 1
fi
printf '$ civseal verify --config var/dev/civseal.conf %s\n' "$OUT/forged.xml"
if "$BIN/civseal" verify --config "$DEV/civseal.conf" "$OUT/forged.xml"; then
	echo "run-dev: the forged copy was accepted — this is a bug" >&2
	exit 1
fi
echo "(refused, exit status 1)"

say "Signed fields as JSON for a receiving system:"
printf '$ civseal verify --config var/dev/civseal.conf --json %s\n' "$OUT/birth-01.xml"
"$BIN/civseal" verify --config "$DEV/civseal.conf" --json "$OUT/birth-01.xml" | head -n 40

say "6. Start civseal-tsad, the development timestamp authority (key in the token)"
if [ -f "$DEV/tsad.pid" ] && kill -0 "$(cat "$DEV/tsad.pid")" 2>/dev/null; then
	kill -TERM "$(cat "$DEV/tsad.pid")"
	for _ in $(seq 50); do kill -0 "$(cat "$DEV/tsad.pid")" 2>/dev/null || break; sleep 0.1; done
fi
TLISTEN=$(awk '/^\[tsad\]/{s=1;next} /^\[/{s=0} s&&/^listen/{print $3}' "$DEV/civseal.conf")
TURL=http://$TLISTEN
nohup "$BIN/civseal-tsad" --config "$DEV/civseal.conf" >>"$DEV/tsad.log" 2>&1 &
echo $! >"$DEV/tsad.pid"
for _ in $(seq 100); do
	curl -fsS "$TURL/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
if ! curl -fsS "$TURL/readyz" >/dev/null; then
	echo "run-dev: civseal-tsad did not become ready; see $DEV/tsad.log" >&2
	tail -n 5 "$DEV/tsad.log" >&2
	exit 1
fi
echo "civseal-tsad pid $(cat "$DEV/tsad.pid") listening on $TURL (log: var/dev/tsad.log)"
run "$BIN/civseal" timestamp --config "$DEV/civseal.conf" --in "$OUT/birth-01.xml" --out "$OUT/birth-01.tst"
printf '$ openssl ts -verify -token_in -in %s -data %s -CAfile var/dev/tsa-trust.pem\n' "$OUT/birth-01.tst" "$OUT/birth-01.xml"
openssl ts -verify -token_in -in "$OUT/birth-01.tst" -data "$OUT/birth-01.xml" -CAfile "$DEV/tsa-trust.pem" 2>/dev/null

say "7. Start civseal-signd on loopback"
if [ -f "$DEV/signd.pid" ] && kill -0 "$(cat "$DEV/signd.pid")" 2>/dev/null; then
	kill -TERM "$(cat "$DEV/signd.pid")"
	for _ in $(seq 50); do kill -0 "$(cat "$DEV/signd.pid")" 2>/dev/null || break; sleep 0.1; done
fi
LISTEN=$(awk '/^\[signd\]/{s=1;next} /^\[/{s=0} s&&/^listen/{print $3}' "$DEV/civseal.conf")
URL=http://$LISTEN
nohup "$BIN/civseal-signd" --config "$DEV/civseal.conf" >>"$DEV/signd.log" 2>&1 &
echo $! >"$DEV/signd.pid"
for _ in $(seq 100); do
	curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
if ! curl -fsS "$URL/readyz" >/dev/null; then
	echo "run-dev: civseal-signd did not become ready; see $DEV/signd.log" >&2
	tail -n 5 "$DEV/signd.log" >&2
	exit 1
fi
echo "civseal-signd pid $(cat "$DEV/signd.pid") listening on $URL (log: var/dev/signd.log)"

say "8. Issue a birth certificate through the API"
CURL=(curl -sS -X POST "$URL/v1/documents"
	-H 'Content-Type: application/json'
	-H "Authorization: Bearer \$(cat var/dev/client.token)"
	-H 'Idempotency-Key: make-run-birth-02'
	--data-binary @examples/birth-02.json)
printf '$ %s\n' "${CURL[*]}"
curl -sS -X POST "$URL/v1/documents" -H 'Content-Type: application/json' \
	-H "Authorization: Bearer $(cat "$DEV/client.token")" \
	-H 'Idempotency-Key: make-run-birth-02' \
	--data-binary @"$SAMPLES/birth-02.json" | tee "$OUT/issued.json"
echo
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$OUT/issued.json")
printf '$ curl -s -H "Authorization: Bearer $(cat var/dev/client.token)" %s/v1/documents/%s | civseal verify --config var/dev/civseal.conf -\n' "$URL" "$ID"
curl -sS -H "Authorization: Bearer $(cat "$DEV/client.token")" "$URL/v1/documents/$ID" |
	"$BIN/civseal" verify --config "$DEV/civseal.conf" -

say "9. Start civseal-verifyd on loopback (the QR codes point to it)"
if [ -f "$DEV/verifyd.pid" ] && kill -0 "$(cat "$DEV/verifyd.pid")" 2>/dev/null; then
	kill -TERM "$(cat "$DEV/verifyd.pid")"
	for _ in $(seq 50); do kill -0 "$(cat "$DEV/verifyd.pid")" 2>/dev/null || break; sleep 0.1; done
fi
VLISTEN=$(awk '/^\[verifyd\]/{s=1;next} /^\[/{s=0} s&&/^listen/{print $3}' "$DEV/civseal.conf")
VURL=http://$VLISTEN
BASE=$(awk '/^\[verifyd\]/{s=1;next} /^\[/{s=0} s&&/^base_url/{print $3}' "$DEV/civseal.conf")
nohup "$BIN/civseal-verifyd" --config "$DEV/civseal.conf" >>"$DEV/verifyd.log" 2>&1 &
echo $! >"$DEV/verifyd.pid"
for _ in $(seq 100); do
	curl -fsS "$VURL/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
if ! curl -fsS "$VURL/readyz" >/dev/null; then
	echo "run-dev: civseal-verifyd did not become ready; see $DEV/verifyd.log" >&2
	tail -n 5 "$DEV/verifyd.log" >&2
	exit 1
fi
echo "civseal-verifyd pid $(cat "$DEV/verifyd.pid") listening on $VURL (log: var/dev/verifyd.log)"
curl -sS -H "Authorization: Bearer $(cat "$DEV/client.token")" "$URL/v1/documents/$ID" >"$OUT/issued.xml"
printf '$ curl -s -X POST -H "Content-Type: application/xml" --data-binary @issued.xml %s/v1/verify\n' "$VURL"
curl -sS -X POST -H 'Content-Type: application/xml' --data-binary @"$OUT/issued.xml" "$VURL/v1/verify" |
	python3 -c 'import json,sys; j=json.load(sys.stdin); print("verdict:", j["verdict"], "| status:", j["status"]["state"], "| holder:", (j["fields"] or {}).get("child", {}).get("full_name"))'
SEAL=$(xmllint --xpath 'string(//*[local-name()="Header"]/*[local-name()="Seal"])' "$OUT/issued.xml" 2>/dev/null || true)

cat <<TXT

Everything lives in var/dev/ (git-ignored): the token (softhsm2.conf, tokens/),
the PIN file (mode 0600), the PKI (trust.pem, crl.pem, issuing-ca.pem,
offices/), and civseal.conf.  Try:

  export SOFTHSM2_CONF=$DEV/softhsm2.conf
  $BIN/civseal sign --config $DEV/civseal.conf --in $SAMPLES/birth-03.json --out /tmp/b3.xml
  $BIN/civseal verify --config $DEV/civseal.conf --register $DEV/register.db --json /tmp/b3.xml
  $BIN/civseal hsm list --module /usr/lib/softhsm/libsofthsm2.so --token civseal-dev --pin-file $DEV/pin

civseal-signd runs at $URL (API: docs/api.md); development client tokens:
  var/dev/client.token      (every dev office)
  var/dev/client-one.token  (01-BADINH only)
  curl -s $URL/metrics | head
  curl -s -H "Authorization: Bearer \$(cat var/dev/client.token)" $URL/v1/documents/$ID/status
Stop it with: kill \$(cat var/dev/signd.pid)

civseal-tsad runs at $TURL (docs/tsa.md), the TSA of [tsa] url:
  openssl ts -query -data FILE -sha256 -cert | curl -s -H 'Content-Type: application/timestamp-query' --data-binary @- $TURL/ >FILE.tsr
  openssl ts -verify -in FILE.tsr -data FILE -CAfile var/dev/tsa-trust.pem
Stop it with: kill \$(cat var/dev/tsad.pid)

civseal-verifyd runs at $VURL (docs/verifyd.md); the QR codes of documents
signed with this configuration point to $BASE/v/<seal>.  Open in a browser:
  $VURL/                      the staff upload page
  $BASE/v/$SEAL
                              the page the QR code of the document just issued opens
Stop it with: kill \$(cat var/dev/verifyd.pid)
TXT
