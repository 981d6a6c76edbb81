#!/bin/bash
# An independent implementation agrees: the xmlsec1 CLI, given only the dev
# root (the chain comes from the document), accepts what civseal signs and
# rejects the same tamperings civseal verify rejects; and civseal verify
# accepts what xmlsec1 --sign produced (tests/data/verify).
source "$(dirname "$0")/../lib.sh"
CONF=$T/civseal.conf
dev_conf "$CONF"
TRUST=$DEV/trust.pem
X() { xmlsec1 --verify --trusted-pem "$TRUST" --enabled-reference-uris empty "$@"; }
V() { "$BIN/civseal" verify --trust "$TRUST" --crl "$DEV/crl.pem" "$@"; }
py() {
	python3 -c 'import sys,re
s=open(sys.argv[1],encoding="utf-8").read()
exec(sys.argv[3])
open(sys.argv[2],"w",encoding="utf-8").write(s)' "$1" "$2" "$3"
}

for s in "${VALID_SAMPLES[@]}"; do
	n=$(basename "$s" .json)
	if ! "$BIN/civseal" sign --config "$CONF" --in "$s" --out "$T/$n.xml" 2>"$T/sign.err"; then
		not_ok "sign $n (needed for interop)"
		sed 's/^/#   /' "$T/sign.err" | head -n 4
		continue
	fi
	expect_exit "xmlsec1 verifies $n" 0 X "$T/$n.xml"
	expect_exit "civseal verifies $n" 0 V "$T/$n.xml"
done
B=$T/birth-01.xml
[ -f "$B" ] || { not_ok "no signed birth-01.xml: the remaining tests need it"; exit 1; }

holder=$(json_get "$SAMPLES/birth-01.json" 'j["child"]["full_name"]')
py "$B" "$T/t-name.xml" "s=s.replace('<FullName>$holder</FullName>','<FullName>${holder}a</FullName>',1)"
py "$B" "$T/t-date.xml" "s=re.sub(r'<BirthDate>(\d{4})-','<BirthDate>1999-',s,count=1)"
py "$B" "$T/t-sig.xml" "i=s.index('<ds:SignatureValue>')+25; s=s[:i]+('B' if s[i]=='A' else 'A')+s[i+1:]"
py "$B" "$T/t-cert.xml" "o=open('$T/death-01.xml',encoding='utf-8').read()
c=lambda t: re.search(r'<ds:X509Certificate>(.*?)</ds:X509Certificate>',t,re.S).group(1)
s=s.replace(c(s),c(o),1)"
for t in name date sig cert; do
	expect_exit "xmlsec1 rejects tampered $t" 1 X "$T/t-$t.xml"
	expect_exit "civseal rejects tampered $t" 1 V "$T/t-$t.xml"
done

# The other direction: documents signed by xmlsec1 under the test PKI.
D=$ROOT/tests/data/verify
for f in good-ec good-rsa; do
	expect_exit "civseal verifies xmlsec1-signed $f" 0 \
		"$BIN/civseal" verify --trust "$D/trust.pem" --crl "$D/crl.pem" "$D/$f.xml"
	expect_exit "xmlsec1 verifies its own $f" 0 \
		xmlsec1 --verify --trusted-pem "$D/trust.pem" --enabled-reference-uris empty "$D/$f.xml"
done
