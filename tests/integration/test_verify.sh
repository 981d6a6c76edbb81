#!/bin/bash
# civseal verify against documents issued by civseal sign with the dev token:
# genuine documents verify; every tampering, a revoked office, a rogue CA,
# policy violations and hostile XML are refused with a reason; exit codes
# 0 valid / 1 refused / 2 usage or I/O.
source "$(dirname "$0")/../lib.sh"
CONF=$T/civseal.conf
dev_conf "$CONF"
TRUST=$DEV/trust.pem
CRL=$DEV/crl.pem
V() { "$BIN/civseal" verify --trust "$TRUST" --crl "$CRL" "$@"; }

# py FILE OUT STATEMENT: rewrite a document's text s with a Python statement.
py() {
	python3 -c 'import sys,re
s=open(sys.argv[1],encoding="utf-8").read()
exec(sys.argv[3])
open(sys.argv[2],"w",encoding="utf-8").write(s)' "$1" "$2" "$3"
}

# --- genuine documents ------------------------------------------------------
for s in "${VALID_SAMPLES[@]}"; do
	n=$(basename "$s" .json)
	if ! "$BIN/civseal" sign --config "$CONF" --in "$s" --out "$T/$n.xml" 2>"$T/sign.err"; then
		not_ok "sign $n (needed to test verify)"
		sed 's/^/#   /' "$T/sign.err" | head -n 4
		continue
	fi
	type=$(json_get "$s" 'j["type"]')
	holder=$(json_get "$s" '(j.get("child") or j.get("deceased"))["full_name"]')
	expect_exit "verify $n: valid" 0 V "$T/$n.xml"
	expect_grep "verify $n: says VALID and the document type" "^VALID: $type" "$T/out"
	expect_exit "verify $n --json" 0 V --json "$T/$n.xml"
	cp "$T/out" "$T/$n.json"
	expect_eq "verify $n --json: verdict" "$(json_get "$T/$n.json" 'j["verdict"]')" valid
	expect_eq "verify $n --json: signed holder name as in the sample" \
		"$(json_get "$T/$n.json" '(j["fields"].get("child") or j["fields"].get("deceased"))["full_name"]')" "$holder"
	expect_eq "verify $n --json: office from the certificate" \
		"$(json_get "$T/$n.json" 'j["signer"]["office"]')" "$(json_get "$s" 'j["office"]')"
	expect_exit "verify $n with trust and CRL from --config" 0 \
		"$BIN/civseal" verify --config "$CONF" "$T/$n.xml"
done
B=$T/birth-01.xml
[ -f "$B" ] || { not_ok "no signed birth-01.xml: the remaining tests need it"; exit 1; }

expect_exit "verify - reads standard input" 0 bash -c "'$BIN/civseal' verify --trust '$TRUST' - <'$B'"

# --- tampering --------------------------------------------------------------
holder=$(json_get "$SAMPLES/birth-01.json" 'j["child"]["full_name"]')
py "$B" "$T/t-name.xml" "s=s.replace('<FullName>$holder</FullName>','<FullName>${holder}a</FullName>',1)"
check "tampered name fixture differs" bash -c "! cmp -s '$B' '$T/t-name.xml'"
expect_exit "changed child name: exit 1" 1 V "$T/t-name.xml"
expect_grep "changed child name: digest mismatch named" "INVALID: digest mismatch" "$T/err"

py "$B" "$T/t-date.xml" "s=re.sub(r'<BirthDate>(\d{4})-','<BirthDate>1999-',s,count=1)"
expect_exit "changed birth date: exit 1" 1 V "$T/t-date.xml"
expect_grep "changed birth date: digest mismatch named" "digest mismatch" "$T/err"

py "$B" "$T/t-sig.xml" "i=s.index('<ds:SignatureValue>')+25; s=s[:i]+('B' if s[i]=='A' else 'A')+s[i+1:]"
expect_exit "changed signature value: exit 1" 1 V "$T/t-sig.xml"
expect_grep "changed signature value: named" "signature value does not verify|could not be processed" "$T/err"

# Another office's certificate in place of the signer's (taken from death-01).
py "$B" "$T/t-cert.xml" "o=open('$T/death-01.xml',encoding='utf-8').read()
c=lambda t: re.search(r'<ds:X509Certificate>(.*?)</ds:X509Certificate>',t,re.S).group(1)
s=s.replace(c(s),c(o),1)"
expect_exit "swapped certificate: exit 1" 1 V "$T/t-cert.xml"
expect_grep "swapped certificate: office mismatch named" \
	"certificate is for office $(json_get "$SAMPLES/death-01.json" 'j["office"]'), document names office $(json_get "$SAMPLES/birth-01.json" 'j["office"]')" "$T/err"

# --- revoked, untrusted -----------------------------------------------------
# The example of the office whose certificate the dev CRL revokes.
check "an example is signed by the revoked office $REVOKED_OFFICE" test -n "$REVOKED_SAMPLE"
if [ -n "$REVOKED_SAMPLE" ] &&
	"$BIN/civseal" sign --config "$CONF" --in "$REVOKED_SAMPLE" --out "$T/hangbac.xml" 2>"$T/sign.err"; then
	expect_exit "office $REVOKED_OFFICE (revoked, keyCompromise): exit 1" 1 V "$T/hangbac.xml"
	expect_grep "$REVOKED_OFFICE: verdict revoked, reason keyCompromise" "^REVOKED: .*keyCompromise" "$T/err"
	expect_exit "$REVOKED_OFFICE --json" 1 V --json "$T/hangbac.xml"
	expect_eq "$REVOKED_OFFICE --json verdict" "$(json_get "$T/out" 'j["verdict"]')" revoked
	expect_exit "$REVOKED_OFFICE without the CRL verifies (the CRL is what revokes)" 0 \
		"$BIN/civseal" verify --trust "$TRUST" "$T/hangbac.xml"
else
	not_ok "sign $(basename "$REVOKED_SAMPLE") (needed for the revocation test)"
	sed 's/^/#   /' "$T/sign.err" 2>/dev/null | head -n 4
fi

# Signed with xmlsec1 under an unrelated CA (tests/data/verify/gen.sh).
expect_exit "document from a rogue CA: exit 1" 1 V "$ROOT/tests/data/verify/good-ec.xml"
expect_grep "rogue CA: verdict untrusted" "^UNTRUSTED: certificate does not chain" "$T/err"

# --- policy -------------------------------------------------------------------
py "$B" "$T/p-two.xml" "i=s.index('<ds:Signature'); j=s.index('</ds:Signature>')+15; s=s.replace('<Child>','<Child>'+s[i:j],1)"
expect_exit "second ds:Signature: exit 1" 1 V "$T/p-two.xml"
expect_grep "second ds:Signature: named" "2 ds:Signature elements" "$T/err"

py "$B" "$T/p-uri.xml" "s=s.replace('URI=\"\"','URI=\"#x\"',1)"
expect_exit "Reference URI=#x: exit 1" 1 V "$T/p-uri.xml"
expect_grep "Reference URI=#x: named" 'URI="#x" is not allowed' "$T/err"

py "$B" "$T/p-comment.xml" "s=s.replace('<FullName>','<FullName><!-- x -->',1)"
expect_exit "comment in the document: exit 1" 1 V "$T/p-comment.xml"
expect_grep "comment: named" "comment" "$T/err"

py "$B" "$T/p-sha1.xml" "s=s.replace('http://www.w3.org/2001/04/xmlenc#sha256','http://www.w3.org/2000/09/xmldsig#sha1')"
expect_exit "sha1 DigestMethod: exit 1" 1 V "$T/p-sha1.xml"
expect_grep "sha1: named" "DigestMethod sha1" "$T/err"

# --- hostile XML: refused, and quickly ------------------------------------------
py "$B" "$T/x-xxe.xml" "s=s.replace('<BirthCertificate','<!DOCTYPE BirthCertificate [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><BirthCertificate',1).replace('$holder','&x;',1)"
cat >"$T/x-lol.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>
XML
for x in xxe lol; do
	start=$(date +%s%N)
	expect_exit "hostile XML ($x): exit 1" 1 V "$T/x-$x.xml"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	expect_grep "hostile XML ($x): DOCTYPE named" "DOCTYPE" "$T/err"
	expect_no_grep "hostile XML ($x): no file content leaked" "root:" "$T/err"
	check "hostile XML ($x) refused in under 1 s (${ms} ms)" test "$ms" -lt 1000
done

printf 'this is not XML\n' >"$T/not.xml"
expect_exit "not XML: exit 1" 1 V "$T/not.xml"
expect_grep "not XML: says not well-formed" "not well-formed" "$T/err"

# --- usage and I/O ------------------------------------------------------------------
expect_exit "missing file: exit 2" 2 V "$T/does-not-exist.xml"
expect_grep "missing file: named" "does-not-exist.xml" "$T/err"
expect_exit "no trust anchors: exit 2" 2 "$BIN/civseal" verify "$B"
expect_exit "missing trust file: exit 2" 2 "$BIN/civseal" verify --trust "$T/none.pem" "$B"
expect_exit "no FILE: exit 2" 2 "$BIN/civseal" verify --trust "$TRUST"
expect_exit "--help: exit 0" 0 "$BIN/civseal" verify --help
expect_grep "--help documents the exit status" "exit status" "$T/out"

# The QR seal inside a document is held to what verify-qr holds it to: the
# certificate its key id names must be one for the office the seal names.
# Here the seal of birth-01 (01-BADINH) is re-signed with a key whose
# (trusted) certificate is for 10-TAVAN; the XML signature breaks too (it
# covers the seal), and the report names both.
"$BIN/civseal" sign --config "$CONF" --in "$SAMPLES/birth-01.json" --out "$T/sealed.xml" 2>"$T/err" ||
	not_ok "sign birth-01 for the seal-office test"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/C=VN/CN=UBND xa Ta Van/serialNumber=10-TAVAN" -addext "keyUsage=critical,digitalSignature" \
	-keyout "$T/tavan.key" -out "$T/tavan.pem" 2>/dev/null
cat "$DEV/trustlist.pem" "$T/tavan.pem" >"$T/trust-tavan.pem"
seal=$(xmllint --xpath 'string(//*[local-name()="Header"]/*[local-name()="Seal"])' "$T/sealed.xml")
other=$(python3 "$ROOT/tests/tools/seal_codec.py" resign "$seal" "$T/tavan.key" "$T/tavan.pem")
sed "s|<Seal>$seal</Seal>|<Seal>$other</Seal>|" "$T/sealed.xml" >"$T/seal-office.xml"
check "the re-signed seal verifies with the 10-TAVAN certificate" \
	python3 "$ROOT/tests/tools/seal_codec.py" verify "$other" "$T/tavan.pem"
expect_exit "verify refuses a seal signed for another office" 1 \
	"$BIN/civseal" verify --trust "$T/trust-tavan.pem" --crl "$DEV/crl.pem" "$T/seal-office.xml"
expect_grep "...naming the office of the seal's certificate" \
	"certificate is for office 10-TAVAN, document names office $(json_get "$SAMPLES/birth-01.json" 'j["office"]')" "$T/err"
