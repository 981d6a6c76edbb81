#!/bin/bash
# The QR seal end to end with the dev token: every sample gets a seal that
# binds its fields; an independent decoder written from docs/seal-format.md
# (tests/tools/seal_codec.py + the openssl CLI) reads it and verifies its
# signature; civseal verify-qr accepts it offline and refuses any changed
# field, a flipped signature bit, a truncated seal, an untrusted key and a
# revoked office; an RSA (RS256) seal works end to end and makes a larger QR
# code; civseal verify refuses a document whose seal is not its own;
# the QR code of every sample is version 13 or lower at level Q and zbar
# reads it back.
source "$(dirname "$0")/../lib.sh"
CONF=$T/civseal.conf
dev_conf "$CONF"
TRUSTLIST=$DEV/trustlist.pem
CRL=$DEV/crl.pem
CODEC=$ROOT/tests/tools/seal_codec.py
QV() { "$BIN/civseal" verify-qr --trust "$TRUSTLIST" --crl "$CRL" "$@"; }
seal_of() { xmllint --xpath 'string(//*[local-name()="Header"]/*[local-name()="Seal"])' "$1"; }
codec() { python3 "$CODEC" "$@"; }

# --- every sample: the seal binds its fields ----------------------------------
for s in "${VALID_SAMPLES[@]}"; do
	n=$(basename "$s" .json)
	if ! "$BIN/civseal" sign --config "$CONF" --in "$s" --out "$T/$n.xml" 2>"$T/sign.err"; then
		not_ok "sign $n"
		sed 's/^/#   /' "$T/sign.err" | head -n 4
		continue
	fi
	seal=$(seal_of "$T/$n.xml")
	echo "$seal" >"$T/$n.seal"
	expect_grep "$n: Header/Seal holds decimal digits" '^[0-9]{200,}$' "$T/$n.seal"

	# The independent decoder reads the fields the sample gave.
	if codec decode "$seal" >"$T/$n.dec.json" 2>"$T/err"; then
		ok "$n: the independent decoder reads the seal"
	else
		not_ok "$n: the independent decoder reads the seal"
		sed 's/^/#   /' "$T/err" | head -n 4
		continue
	fi
	holder='(j.get("child") or j.get("deceased"))'
	for f in full_name birth_date personal_id; do
		expect_eq "$n: seal $f is the sample's" \
			"$(json_get "$T/$n.dec.json" "j['$f']")" \
			"$(json_get "$s" "$holder['$f']")"
	done
	expect_eq "$n: seal office" "$(json_get "$T/$n.dec.json" 'j["office"]')" "$(json_get "$s" 'j["office"]')"
	expect_eq "$n: seal type" "$(json_get "$T/$n.dec.json" 'j["type"]')" "$(json_get "$s" 'j["type"]')"
	expect_eq "$n: seal registration date" "$(json_get "$T/$n.dec.json" 'j["registration_date"]')" \
		"$(json_get "$s" 'j["registration"]["date"]')"
	expect_eq "$n: seal document id is the document's" "$(json_get "$T/$n.dec.json" 'j["document_id"]')" \
		"$(xmllint --xpath 'string(//*[local-name()="DocumentId"])' "$T/$n.xml")"
	expect_eq "$n: ES256 (P-256 seal key, also for the RSA office)" \
		"$(json_get "$T/$n.dec.json" 'j["alg"]')" ES256

	# openssl verifies the seal signature with the certificate the key id names.
	office=$(json_get "$s" 'j["office"]')
	cert=$DEV/offices/$office.pem
	[ -f "$DEV/offices/$office-seal.pem" ] && cert=$DEV/offices/$office-seal.pem
	check "$n: openssl verifies the seal signature (key id names $(basename "$cert"))" \
		codec verify "$seal" "$cert"

	expect_exit "$n: verify-qr accepts the seal" 0 QV "$seal"
	expect_grep "$n: verify-qr prints GENUINE and the holder" "^GENUINE: " "$T/out"
	name=$(json_get "$s" "$holder['full_name']")
	check "$n: the sample names the holder" test -n "$name"
	expect_grep "$n: verify-qr prints the holder's full name, as in the sample" \
		"^[[:space:]]*full name[[:space:]]+$(sed 's/[][\.*^$(){}?+|/]/\\&/g' <<<"$name")\$" "$T/out"
	expect_exit "$n: verify-qr accepts the URL" 0 QV "http://127.0.0.1:8442/v/$seal"
	expect_exit "$n: verify-qr --json" 0 QV --json "$seal"
	cp "$T/out" "$T/$n.qr.json"
	expect_eq "$n: --json verdict" "$(json_get "$T/$n.qr.json" 'j["verdict"]')" valid
	expect_eq "$n: --json bound full name" "$(json_get "$T/$n.qr.json" 'j["fields"]["full_name"]')" \
		"$(json_get "$s" "$holder['full_name']")"
	expect_eq "$n: --json signer office" "$(json_get "$T/$n.qr.json" 'j["signer"]["office"]')" "$office"
done

# --- refusals ---------------------------------------------------------------
B=$T/birth-01.xml
S=$(cat "$T/birth-01.seal")
refuse() {	# refuse DESC SEAL [PATTERN]
	expect_exit "verify-qr refuses: $1" 1 QV "$2"
	[ $# -lt 3 ] || expect_grep "verify-qr names the cause: $1" "$3" "$T/err"
}
# Each edit gives a bound field a value birth-01 does not have.
B1=$SAMPLES/birth-01.json
next_day='(__import__("datetime").date.fromisoformat(%s) + __import__("datetime").timedelta(days=1)).isoformat()'
refuse "full name changed" \
	"$(codec edit "$S" "full_name=$(json_get "$B1" 'j["child"]["full_name"] + "a"')")" "does not verify"
refuse "personal ID changed" \
	"$(codec edit "$S" "personal_id=$(json_get "$B1" 'j["child"]["personal_id"][:-1] + str((int(j["child"]["personal_id"][-1]) + 1) % 10)')")" "does not verify"
refuse "birth date changed" \
	"$(codec edit "$S" "birth_date=$(json_get "$B1" "$(printf "$next_day" 'j["child"]["birth_date"]')")")" "does not verify"
refuse "registration date changed" \
	"$(codec edit "$S" "registration_date=$(json_get "$B1" "$(printf "$next_day" 'j["registration"]["date"]')")")" "does not verify"
refuse "document type changed" "$(codec edit "$S" type=death)" "does not verify"
refuse "document id changed" "$(codec edit "$S" document_id=01a20839-c277-7371-8b8b-f1fd338d51b2)" "does not verify"
refuse "content hash changed" "$(codec edit "$S" content_hash=00000000000000000000000000000000)" "does not verify"
refuse "office changed to another trusted office's code" "$(codec edit "$S" office=10-TAVAN)"
refuse "unknown version" "$(codec edit "$S" version=2)" "unknown version"
for bit in 0 255 511; do
	refuse "signature bit $bit flipped" "$(codec flip "$S" $bit)" "does not verify"
done
refuse "truncated by one digit" "${S%?}" "length"
refuse "truncated by one block (17 digits)" "${S:0:$((${#S} - 17))}" "signature bytes|out of range"
refuse "first 100 digits only" "${S:0:100}"
refuse "a letter inside" "${S:0:50}A${S:51}" "not a digit"
refuse "an extra block" "${S}00000000000000000" "signature bytes"

# A seal signed by a key the trust list does not know: unknown issuer.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/C=VN/CN=Forged Ba Dinh/serialNumber=01-BADINH" \
    -keyout "$T/rogue.key" -out "$T/rogue.pem" 2>/dev/null
ROGUE=$(codec resign "$S" "$T/rogue.key" "$T/rogue.pem")
check "the forged seal verifies with its own (rogue) certificate" codec verify "$ROGUE" "$T/rogue.pem"
refuse "seal signed by an untrusted key" "$ROGUE" "unknown issuer"
expect_exit "untrusted key: --json" 1 QV --json "$ROGUE"
cp "$T/out" "$T/rogue.json"
expect_eq "untrusted key: unknown_issuer in the report" "$(json_get "$T/rogue.json" 'j["unknown_issuer"]')" True
expect_eq "untrusted key: verdict untrusted" "$(json_get "$T/rogue.json" 'j["verdict"]')" untrusted
expect_eq "untrusted key: no fields vouched for" "$(json_get "$T/rogue.json" 'j["fields"]')" None
# The rogue key with the key id of the real 01-BADINH certificate.
LIE=$(codec edit "$ROGUE" "key_id=$(json_get "$T/birth-01.dec.json" 'j["key_id"]')")
refuse "rogue signature under the real office's key id" "$LIE" "does not verify"

# A seal from an office whose certificate is revoked (keyCompromise).
if [ -n "$REVOKED_SAMPLE" ] &&
	"$BIN/civseal" sign --config "$CONF" --in "$REVOKED_SAMPLE" --out "$T/hangbac.xml" 2>"$T/err"; then
	HB=$(seal_of "$T/hangbac.xml")
	expect_exit "verify-qr refuses: key id names a revoked office certificate" 1 QV "$HB"
	expect_grep "revoked seal: REVOKED with the CRL reason" "REVOKED: .*keyCompromise" "$T/err"
	expect_exit "revoked seal is genuine without the CRL (so the CRL is what refuses it)" 0 \
		"$BIN/civseal" verify-qr --trust "$TRUSTLIST" "$HB"
else
	not_ok "sign the example of the revoked office $REVOKED_OFFICE (needed for the revoked-seal test)"
fi

# Trust anchors without the office certificates cannot resolve a key id.
expect_exit "root-only trust file: unknown issuer" 1 "$BIN/civseal" verify-qr --trust "$DEV/trust.pem" "$S"
expect_grep "root-only trust file: says why" "unknown issuer" "$T/err"

# --- the document's own seal ---------------------------------------------------
# Re-sealing a document with another document's (genuine) seal breaks the
# XML signature; so does editing the seal.  Both are refused.
cp "$B" "$T/swapped.xml"
python3 - "$T/swapped.xml" "$(cat "$T/birth-03.seal")" <<'PY'
import re, sys
p, seal = sys.argv[1], sys.argv[2]
s = open(p, encoding="utf-8").read()
s = re.sub(r"<Seal>[0-9]+</Seal>", "<Seal>" + seal + "</Seal>", s)
open(p, "w", encoding="utf-8").write(s)
PY
expect_exit "verify refuses a document carrying another document's seal" 1 \
	"$BIN/civseal" verify --config "$CONF" "$T/swapped.xml"
expect_grep "the reason names the seal mismatch" "QR seal does not match the document" "$T/err"

# --- an RSA seal (RS256): an RSA office without a separate seal key ------------
# docs/seal-format.md: the seal is then signed with the office's RSA-2048 key
# (256 signature bytes) and the QR code grows to about version 18.
dev_conf "$T/rsa.conf" "$T/rsa-register.db"	# birth-02 signed anew
sed -i '/^seal_key *=/d; /^seal_cert *=/d' "$T/rsa.conf"
RSA_SAMPLE=
for s in "${VALID_SAMPLES[@]}"; do
	case $(office_key_type "$(json_get "$s" 'j["office"]')") in
	rsa-*) RSA_SAMPLE=$s; break ;;
	esac
done
check "an example is signed by an RSA office" test -n "$RSA_SAMPLE"
RSA_NAME=$(basename "$RSA_SAMPLE" .json)
RSA_CERT=$DEV/offices/$(json_get "$RSA_SAMPLE" 'j["office"]').pem
if [ -n "$RSA_SAMPLE" ] &&
	"$BIN/civseal" sign --config "$T/rsa.conf" --in "$RSA_SAMPLE" --out "$T/rsa.xml" 2>"$T/err"; then
	ok "RS256: sign $RSA_NAME with the RSA office key as seal key"
	RS=$(seal_of "$T/rsa.xml")
	codec decode "$RS" >"$T/rsa.dec.json" 2>"$T/err"
	expect_eq "RS256: the independent decoder reads alg RS256" "$(json_get "$T/rsa.dec.json" 'j["alg"]')" RS256
	expect_eq "RS256: key id names the RSA office certificate" "$(json_get "$T/rsa.dec.json" 'j["key_id"]')" \
		"$(openssl x509 -in "$RSA_CERT" -outform DER | sha256sum | cut -c1-16)"
	check "RS256: openssl verifies the seal signature" codec verify "$RS" "$RSA_CERT"
	expect_exit "RS256: civseal verify accepts the document and its seal" 0 \
		"$BIN/civseal" verify --config "$T/rsa.conf" "$T/rsa.xml"
	expect_exit "RS256: verify-qr accepts the seal" 0 QV "$RS"
	expect_exit "RS256: verify-qr refuses a flipped signature bit" 1 QV "$(codec flip "$RS" 1000)"
	expect_grep "RS256: ...because it does not verify" "does not verify" "$T/err"
	expect_exit "RS256: verify-qr refuses a changed name" 1 QV "$(codec edit "$RS" 'full_name=Trần Văn B')"
	expect_exit "RS256: civseal qr --png" 0 "$BIN/civseal" qr "$T/rsa.xml" --png "$T/rsa.png" --config "$T/rsa.conf"
	v=$(sed -n 's/^QR version \([0-9]*\),.*/\1/p' "$T/out")
	if [ -n "$v" ] && [ "$v" -gt 13 ] && [ "$v" -le 20 ]; then
		ok "RS256: QR version $v: larger than ES256's, as the spec says"
	else
		not_ok "RS256: QR version '$v' between 14 and 20"
	fi
	expect_eq "RS256: zbarimg reads the larger QR code back" \
		"$(zbarimg --quiet --raw "$T/rsa.png" 2>/dev/null)" "http://127.0.0.1:8442/v/$RS"
else
	not_ok "RS256: sign $RSA_NAME with the RSA office key as seal key"
	sed 's/^/#   /' "$T/err" | head -n 4
fi

# --- the QR code ---------------------------------------------------------------
for s in "${VALID_SAMPLES[@]}"; do
	n=$(basename "$s" .json)
	[ -f "$T/$n.xml" ] || continue
	seal=$(cat "$T/$n.seal")
	expect_exit "$n: civseal qr --png" 0 "$BIN/civseal" qr "$T/$n.xml" --png "$T/$n.png" --config "$CONF"
	v=$(sed -n 's/^QR version \([0-9]*\),.*/\1/p' "$T/out")
	if [ -n "$v" ] && [ "$v" -le 13 ]; then
		ok "$n: QR version $v <= 13 at level Q"
	else
		not_ok "$n: QR version '$v' <= 13 at level Q"
	fi
	expect_eq "$n: zbarimg reads the PNG back to the URL and seal" \
		"$(zbarimg --quiet --raw "$T/$n.png" 2>/dev/null)" "http://127.0.0.1:8442/v/$seal"
	expect_exit "$n: verify-qr --image reads and accepts the PNG" 0 QV --image "$T/$n.png"
	expect_exit "$n: civseal qr --svg" 0 "$BIN/civseal" qr "$T/$n.xml" --svg "$T/$n.svg" --base-url https://xacthuc.example.vn
	check "$n: the SVG is well-formed XML" xmllint --noout "$T/$n.svg"
done
expect_exit "qr: a document without a seal" 1 "$BIN/civseal" qr "$ROOT/tests/data/verify/good-ec.xml" --png "$T/x.png"
expect_grep "qr: says it has no seal" "no seal" "$T/err"
expect_exit "qr: base URL with a space is refused" 2 "$BIN/civseal" qr "$B" --png "$T/x.png" --base-url "http://x/a b"
python3 - "$T/blank.png" <<'PY'
import struct, sys, zlib
w = h = 64
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
raw = b"".join(b"\0" + b"\xff" * w for _ in range(h))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
expect_exit "verify-qr --image of a picture without a QR code" 1 QV --image "$T/blank.png"
expect_grep "verify-qr --image: says no QR code was found" "no QR code" "$T/err"
expect_exit "verify-qr --image of a file that is not a PNG" 2 QV --image "$CRL"
expect_exit "verify-qr: no seal given" 2 QV
expect_exit "verify-qr: seal and --image together" 2 QV "$S" --image "$T/birth-01.png"
expect_exit "verify-qr --help" 0 "$BIN/civseal" verify-qr --help
