#!/bin/bash
# tests/data/verify/gen.sh — regenerate the verifier's test PKI and signed
# documents with the openssl and xmlsec1 CLIs (independent of civseal's
# signer).  Keys are software keys for tests only.  Dates are fixed so the
# fixtures do not age: certificates are judged at each document's SignedAt.
#
#   root (civseal Test Root CA) -> issuing CA -> office certificates:
#     01-BADINH  EC P-256        good
#     79-SAIGON  RSA-2048        good (rsa-sha256)
#     01-HANGBAC EC              revoked 2026-06-01, keyCompromise
#     01-MERGED  EC              revoked 2026-06-01, cessationOfOperation
#     01-EXPIRED EC              valid 2024-01-01 .. 2026-01-01
#     01-NOKU    EC              keyUsage keyEncipherment only
#   rogue root -> rogue issuing CA -> 01-BADINH (same names, other keys)
set -euo pipefail
cd "$(dirname "$0")"
OUT=$PWD
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cnf() {	# cnf DIR: an openssl ca configuration rooted in DIR
	cat >"$1/ca.cnf" <<CNF
[ca]
default_ca = CA
[CA]
dir = $1
database = $1/index.txt
new_certs_dir = $1/new
serial = $1/serial
crlnumber = $1/crlnumber
default_md = sha256
policy = any
unique_subject = no
preserve = yes
email_in_dn = no
default_crl_days = 3650
[any]
countryName = optional
organizationName = optional
commonName = supplied
serialNumber = optional
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_office]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_noku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[crl_ext]
authorityKeyIdentifier = keyid:always
CNF
	mkdir -p "$1/new"
	: >"$1/index.txt"
	echo 1000 >"$1/serial"
	echo 01 >"$1/crlnumber"
}

eckey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
rsakey() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

# issue CADIR KEY SUBJ EXT START END OUT [SELF]
issue() {
	local dir=$1 key=$2 subj=$3 ext=$4 start=$5 end=$6 out=$7 self=${8:-}
	openssl req -new -config "$dir/ca.cnf" -utf8 -key "$key" -subj "$subj" \
	    -out "$W/req.csr"
	if [ -n "$self" ]; then
		openssl ca -batch -config "$dir/ca.cnf" -selfsign -keyfile "$key" \
		    -startdate "$start" -enddate "$end" -extensions "$ext" \
		    -preserveDN -utf8 -notext -in "$W/req.csr" -out "$out" 2>/dev/null
	else
		openssl ca -batch -config "$dir/ca.cnf" -cert "$dir/ca.pem" \
		    -keyfile "$dir/ca.key" -startdate "$start" -enddate "$end" \
		    -extensions "$ext" -preserveDN -utf8 -notext -in "$W/req.csr" \
		    -out "$out" 2>/dev/null
	fi
}

pki() {	# pki NAME: root + issuing CA under $W/NAME
	local n=$1 label=$2
	mkdir -p "$W/$n-root" "$W/$n-ica"
	cnf "$W/$n-root"
	cnf "$W/$n-ica"
	eckey "$W/$n-root/ca.key"
	issue "$W/$n-root" "$W/$n-root/ca.key" "/C=VN/O=civseal/CN=civseal $label Root CA" \
	    v3_ca 20200101000000Z 20450101000000Z "$W/$n-root/ca.pem" self
	eckey "$W/$n-ica/ca.key"
	issue "$W/$n-root" "$W/$n-ica/ca.key" \
	    "/C=VN/O=civseal/CN=civseal $label Civil Registry Issuing CA" \
	    v3_ca 20200101000000Z 20440101000000Z "$W/$n-ica/ca.pem"
}

office() {	# office PKI CODE KEYTYPE EXT START END
	local p=$1 code=$2 kt=$3 ext=$4 start=$5 end=$6
	$kt "$W/$p-$code.key"
	issue "$W/$p-ica" "$W/$p-$code.key" \
	    "/C=VN/O=UBND $code/CN=UBND $code/serialNumber=$code" \
	    "$ext" "$start" "$end" "$W/$p-$code.pem"
}

pki test Test
pki rogue Test			# same names as the real PKI, other keys
office test 01-BADINH eckey v3_office 20250101000000Z 20350101000000Z
office test 79-SAIGON rsakey v3_office 20250101000000Z 20350101000000Z
office test 01-HANGBAC eckey v3_office 20250101000000Z 20350101000000Z
office test 01-MERGED eckey v3_office 20250101000000Z 20350101000000Z
office test 01-EXPIRED eckey v3_office 20240101000000Z 20260101000000Z
office test 01-NOKU eckey v3_noku 20250101000000Z 20350101000000Z
office rogue 01-BADINH eckey v3_office 20250101000000Z 20350101000000Z

# Revocations with fixed dates (index.txt: R, expiry, revocation[,reason]).
revoke() {	# revoke CODE DATE REASON
	local ser
	ser=$(openssl x509 -in "$W/test-$1.pem" -noout -serial | cut -d= -f2)
	awk -v s="$ser" -v r="$2,$3" 'BEGIN{FS=OFS="\t"} $4==s{$1="R";$3=r} {print}' \
	    "$W/test-ica/index.txt" >"$W/idx" && mv "$W/idx" "$W/test-ica/index.txt"
}
revoke 01-HANGBAC 260601000000Z keyCompromise
revoke 01-MERGED 260601000000Z cessationOfOperation
openssl ca -batch -config "$W/test-ica/ca.cnf" -cert "$W/test-ica/ca.pem" \
    -keyfile "$W/test-ica/ca.key" -gencrl -crlexts crl_ext -out "$OUT/crl.pem" 2>/dev/null
openssl ca -batch -config "$W/test-root/ca.cnf" -cert "$W/test-root/ca.pem" \
    -keyfile "$W/test-root/ca.key" -gencrl -crlexts crl_ext -out "$W/root-crl.pem" 2>/dev/null
cat "$W/root-crl.pem" >>"$OUT/crl.pem"

cp "$W/test-root/ca.pem" "$OUT/trust.pem"
cp "$W/test-ica/ca.pem" "$OUT/issuing-ca.pem"
cp "$W/rogue-root/ca.pem" "$OUT/rogue-root.pem"

# sign NAME PKI CERTCODE DOC_OFFICE SIGNED_AT
sign() {
	local name=$1 p=$2 code=$3 docoff=$4 at=$5 alg drop=${6:-}
	alg=http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256
	if openssl pkey -in "$W/$p-$code.key" -noout -text 2>/dev/null | grep -q 'RSA\|modulus'; then
		alg=http://www.w3.org/2001/04/xmldsig-more#rsa-sha256
	fi
	sed -e "s/@ID@/019ab0c1-2f3e-7a4b-9c1d-0e2f3a4b5c6d/" \
	    -e "s/@OFFICE@/$docoff/" -e "s/@SIGNED_AT@/$at/" -e "s|@SIGALG@|$alg|" \
	    birth.xml.in >"$W/tmpl.xml"
	if [ -n "$drop" ]; then	# the [enveloped-signature] transform list
		sed -i 's|<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>||' "$W/tmpl.xml"
	fi
	xmlsec1 --sign --enabled-reference-uris empty \
	    --privkey-pem "$W/$p-$code.key,$W/$p-$code.pem,$W/$p-ica/ca.pem" \
	    --output "$OUT/$name.xml" "$W/tmpl.xml"
}

sign good-ec test 01-BADINH 01-BADINH 2026-01-15T03:00:00Z
sign good-rsa test 79-SAIGON 79-SAIGON 2026-01-15T03:00:00Z
sign revoked-keycompromise test 01-HANGBAC 01-HANGBAC 2026-01-15T03:00:00Z
sign merged-before test 01-MERGED 01-MERGED 2026-01-15T03:00:00Z
sign merged-after test 01-MERGED 01-MERGED 2026-07-01T03:00:00Z
sign expired-at-signing test 01-EXPIRED 01-EXPIRED 2026-01-15T03:00:00Z
sign expired-later test 01-EXPIRED 01-EXPIRED 2025-10-01T03:00:00Z
sign no-keyusage test 01-NOKU 01-NOKU 2026-01-15T03:00:00Z
sign wrong-office test 01-BADINH 79-SAIGON 2026-01-15T03:00:00Z
sign future test 01-BADINH 01-BADINH 2030-01-15T03:00:00Z
sign enveloped-only test 01-BADINH 01-BADINH 2026-01-15T03:00:00Z drop
sign rogue rogue 01-BADINH 01-BADINH 2026-01-15T03:00:00Z
echo "fixtures written to $OUT"
