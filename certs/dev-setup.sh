#!/bin/bash
# certs/dev-setup.sh — the development HSM token and PKI under var/dev/.
#
# Creates (idempotently: when var/dev is complete and consistent it does
# nothing; when it is half-made it is rebuilt from scratch):
#   softhsm2.conf, tokens/   a SoftHSM2 token "civseal-dev" of our own
#   pin, so-pin              random user and SO PINs (mode 0600)
#   pki/                     root and issuing CA keys and openssl ca state
#   trust.pem                the development root CA (the trust anchor)
#   issuing-ca.pem           the issuing CA, signed by the root
#   offices/CODE.pem         one signing certificate per registry office;
#                            each key generated inside the token
#   crl.pem                  issuing CA CRL: 01-HANGBAC revoked (keyCompromise),
#                            then the root CA CRL (the issuing CA not revoked)
#   tsa-trust.pem            the development TSA CA (the TSA trust anchor):
#                            a root of its own, apart from the offices' PKI
#   tsa.pem                  the certificate of civseal-tsad's key "tsa",
#                            generated inside the token (critical EKU
#                            timeStamping, as RFC 3161 requires)
#   civseal.conf             configuration for the CLI and the daemons,
#                            with [tsa] (the client) and [tsad] (the TSA)
#
# PINs never appear on a command line: they are written by openssl rand
# into 0600 files and read from there (civseal --pin-file, pin-source=file:).
#
# Environment: CIVSEAL (the civseal binary, default build/bin/civseal),
# CIVSEAL_P11_MODULE (default /usr/lib/softhsm/libsofthsm2.so).
set -eu
umask 022

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEV=$ROOT/var/dev
CIVSEAL=${CIVSEAL:-$ROOT/build/bin/civseal}
MODULE=${CIVSEAL_P11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
TOKEN=civseal-dev
START=20240101000000Z		# notBefore of every certificate
CA_END=20440101000000Z		# CAs: 20 years
OFFICE_END=20290101000000Z	# offices: 5 years
TSA_END=20340101000000Z		# the TSA: 10 years

export SOFTHSM2_CONF=$DEV/softhsm2.conf
export PKCS11_MODULE_PATH=$MODULE	# read by libp11's OpenSSL engine
unset OPENSSL_CONF

# code|key type|CKA_ID|name — the offices of examples/ (examples/README.md);
# 01-HANGBAC's certificate is revoked, for the tests of revocation.
OFFICES=(
	"01-BADINH|ec-p256|01|UBND phường Ba Đình, Thành phố Hà Nội"
	"48-HOACUONGBAC|rsa-2048|02|UBND phường Hòa Cường Bắc, quận Hải Châu, thành phố Đà Nẵng"
	"10-TAVAN|ec-p256|03|UBND xã Tả Van, thị xã Sa Pa, tỉnh Lào Cai"
	"79-SAIGON|ec-p256|04|UBND phường Sài Gòn, Thành phố Hồ Chí Minh"
	"40-CHAUKIM|ec-p256|05|UBND xã Châu Kim, huyện Quế Phong, tỉnh Nghệ An"
	"01-HANGBAC|ec-p256|06|UBND phường Hàng Bạc, Thành phố Hà Nội"
)
REVOKED=01-HANGBAC
# civseal-tsad's key in the token, its policy OID (an X.667 UUID OID: no
# registration needed; development only) and where it listens for make run.
TSA_LABEL=tsa
TSA_ID=54
TSA_POLICY=2.25.13183278653538528600029309052040058874
TSA_LISTEN=127.0.0.1:8443
# Offices whose QR seal is made by a separate P-256 key (as 2D-Doc and the EU
# DCC do): an RSA-2048 signature would push the seal's QR code past version 13.
SEAL_KEYS=(
	"48-HOACUONGBAC|12"
)

die() { echo "dev-setup: $*" >&2; exit 1; }
say() { echo "dev-setup: $*"; }

[ -x "$CIVSEAL" ] || die "$CIVSEAL not built (run make)"
"$CIVSEAL" hsm --help >/dev/null 2>&1 ||
	die "$CIVSEAL has no 'hsm' command in this build (cmd_hsm must be linked into civseal; CIVSEAL=path selects another binary)"
[ -f "$MODULE" ] || die "PKCS#11 module $MODULE not found (apt-get install softhsm2)"
command -v openssl >/dev/null || die "openssl not found"

# Everything present, the token answering with every office key under our
# PIN, the chain and CRL verifying: nothing to do.
consistent() {
	local o code
	[ -f "$DEV/.complete" ] && [ "$(cat "$DEV/.complete")" = "$DEV" ] || return 1
	for f in softhsm2.conf pin so-pin trust.pem trustlist.pem issuing-ca.pem crl.pem civseal.conf \
	    tsa-trust.pem tsa.pem; do
		[ -s "$DEV/$f" ] || return 1
	done
	"$CIVSEAL" hsm list --module "$MODULE" --token "$TOKEN" \
	    --pin-file "$DEV/pin" >"$DEV/.list" 2>/dev/null || return 1
	for o in "${OFFICES[@]}"; do
		code=${o%%|*}
		[ -s "$DEV/offices/$code.pem" ] || return 1
		grep -q "label=$code	" "$DEV/.list" || return 1
	done
	for o in "${SEAL_KEYS[@]}"; do
		code=${o%%|*}
		[ -s "$DEV/offices/$code-seal.pem" ] || return 1
		grep -q "label=$code-seal	" "$DEV/.list" || return 1
	done
	[ -s "$DEV/trustlist.pem" ] || return 1
	grep -q "label=$TSA_LABEL	" "$DEV/.list" || return 1
	grep -q '^\[tsad\]' "$DEV/civseal.conf" || return 1
	openssl verify -purpose timestampsign -CAfile "$DEV/tsa-trust.pem" "$DEV/tsa.pem" \
	    >/dev/null 2>&1 || return 1
	[ "$(grep -c 'BEGIN X509 CRL' "$DEV/crl.pem")" -eq 2 ] || return 1
	openssl verify -crl_check_all -CRLfile "$DEV/crl.pem" -CAfile "$DEV/trust.pem" \
	    -untrusted "$DEV/issuing-ca.pem" "$DEV/offices/01-BADINH.pem" \
	    >/dev/null 2>&1 || return 1
	rm -f "$DEV/.list"
}

if consistent; then
	say "var/dev is complete and consistent; nothing to do"
	exit 0
fi

case $DEV in */var/dev) ;; *) die "refusing to clean $DEV" ;; esac
if [ -e "$DEV" ]; then
	say "var/dev is incomplete or stale; rebuilding it"
	rm -rf "$DEV"
fi
mkdir -p "$DEV/tokens" "$DEV/offices" "$DEV/pki/root" "$DEV/pki/issuing" "$DEV/pki/csr"
chmod 700 "$DEV/tokens" "$DEV/pki"

# --- the token ---------------------------------------------------------
cat >"$SOFTHSM2_CONF" <<CONF
# SoftHSM2 configuration of the civseal development token (dev-setup.sh)
directories.tokendir = $DEV/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
# No trailing newline: libp11's engine reads pin-source files verbatim.
(
	umask 077
	openssl rand -hex 12 | tr -d '\n' >"$DEV/pin"
	openssl rand -hex 12 | tr -d '\n' >"$DEV/so-pin"
)
"$CIVSEAL" hsm init-token --module "$MODULE" --label "$TOKEN" \
    --so-pin-file "$DEV/so-pin" --pin-file "$DEV/pin" >/dev/null

# --- openssl configuration -------------------------------------------------
cat >"$DEV/pki/req.cnf" <<'CNF'
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
prompt = no
[dn]
CNF

# ca_cnf NAME DIR CERT KEY POLICY: an openssl ca configuration.
ca_cnf() {
	cat >"$DEV/pki/$1.cnf" <<CNF
[ca]
default_ca = this_ca
[this_ca]
dir = $2
database = \$dir/index.txt
serial = \$dir/serial
crlnumber = \$dir/crlnumber
new_certs_dir = \$dir
certificate = $3
private_key = $4
default_md = sha256
default_crl_days = 365
policy = $5
unique_subject = no
copy_extensions = none
string_mask = utf8only
utf8 = yes
name_opt = utf8,sep_comma_plus_space
cert_opt = ca_default
[policy_ca]
countryName = supplied
organizationName = supplied
commonName = supplied
[policy_office]
countryName = supplied
organizationName = supplied
commonName = supplied
serialNumber = supplied
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_issuing]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_office]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_tsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[crl_ext]
authorityKeyIdentifier = keyid:always
CNF
	: >"$2/index.txt"
	openssl rand -hex 16 >"$2/serial"
	echo 01 >"$2/crlnumber"
}
ca_cnf root "$DEV/pki/root" "$DEV/pki/root-ca.pem" "$DEV/pki/root-ca.key" policy_ca
ca_cnf issuing "$DEV/pki/issuing" "$DEV/issuing-ca.pem" "$DEV/pki/issuing-ca.key" policy_ca
mkdir -p "$DEV/pki/tsa"
ca_cnf tsa "$DEV/pki/tsa" "$DEV/tsa-trust.pem" "$DEV/pki/tsa-ca.key" policy_ca
sed -i 's/^policy = policy_ca$/policy = policy_office/' "$DEV/pki/issuing.cnf"

# --- root and issuing CA (software keys: fine for a development PKI) ------
(
	umask 077
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$DEV/pki/root-ca.key" 2>/dev/null
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$DEV/pki/issuing-ca.key" 2>/dev/null
)
openssl req -new -config "$DEV/pki/req.cnf" -utf8 -key "$DEV/pki/root-ca.key" \
    -subj "/C=VN/O=civseal Development/CN=civseal Development Root CA" \
    -out "$DEV/pki/csr/root-ca.csr"
openssl ca -batch -config "$DEV/pki/root.cnf" -selfsign -utf8 -notext \
    -extensions v3_root -startdate $START -enddate $CA_END \
    -in "$DEV/pki/csr/root-ca.csr" -out "$DEV/pki/root-ca.pem" 2>/dev/null
openssl req -new -config "$DEV/pki/req.cnf" -utf8 -key "$DEV/pki/issuing-ca.key" \
    -subj "/C=VN/O=civseal Development/CN=civseal Development Civil Registry Issuing CA" \
    -out "$DEV/pki/csr/issuing-ca.csr"
openssl ca -batch -config "$DEV/pki/root.cnf" -utf8 -notext \
    -extensions v3_issuing -startdate $START -enddate $CA_END \
    -in "$DEV/pki/csr/issuing-ca.csr" -out "$DEV/issuing-ca.pem" 2>/dev/null
cp "$DEV/pki/root-ca.pem" "$DEV/trust.pem"

# --- office keys in the token, CSRs signed on the token, certificates -----
# office_key LABEL TYPE ID OFFICE-CODE SUBJECT-NAME: a key in the token and
# its certificate offices/LABEL.pem (subject serialNumber = office code).
office_key() {
	local label=$1 type=$2 id=$3 code=$4 name=$5
	"$CIVSEAL" hsm keygen --module "$MODULE" --token "$TOKEN" \
	    --pin-file "$DEV/pin" --label "$label" --id "$id" --type "$type" \
	    >/dev/null
	# The CSR's self-signature is made by the key inside the token, through
	# libp11's engine; the URI names the PIN file, not the PIN.
	openssl req -new -config "$DEV/pki/req.cnf" -utf8 -sha256 \
	    -engine pkcs11 -keyform engine \
	    -key "pkcs11:token=$TOKEN;object=$label;type=private?pin-source=file:$DEV/pin" \
	    -subj "/C=VN/O=$name/CN=$name/serialNumber=$code" \
	    -out "$DEV/pki/csr/$label.csr" 2>"$DEV/pki/csr/$label.log" ||
		{ cat "$DEV/pki/csr/$label.log" >&2; die "CSR for $label failed"; }
	openssl ca -batch -config "$DEV/pki/issuing.cnf" -utf8 -notext -preserveDN \
	    -extensions v3_office -startdate $START -enddate $OFFICE_END \
	    -in "$DEV/pki/csr/$label.csr" -out "$DEV/offices/$label.pem" 2>/dev/null
}
for o in "${OFFICES[@]}"; do
	IFS='|' read -r code type id name <<<"$o"
	office_key "$code" "$type" "$id" "$code" "$name"
done
for o in "${SEAL_KEYS[@]}"; do
	IFS='|' read -r code id <<<"$o"
	name=$(printf '%s\n' "${OFFICES[@]}" | awk -F'|' -v c="$code" '$1 == c { print $4 }')
	office_key "$code-seal" ec-p256 "$id" "$code" "$name"
done
# The trust list: the anchor (self-signed), the issuing CA and every office
# and seal certificate, so that an offline verifier resolves a seal's key id.
cat "$DEV/trust.pem" "$DEV/issuing-ca.pem" "$DEV"/offices/*.pem >"$DEV/trustlist.pem"

# --- the development TSA: its own CA, its key in the token ----------------------
# Kept apart from the offices' PKI, as a real TSA is: a verifier trusts TSA
# anchors for timestamps only (var/dev/tsa-trust.pem).
(
	umask 077
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$DEV/pki/tsa-ca.key" 2>/dev/null
)
openssl req -new -config "$DEV/pki/req.cnf" -utf8 -key "$DEV/pki/tsa-ca.key" \
    -subj "/C=VN/O=civseal Development/CN=civseal Development TSA Root CA" \
    -out "$DEV/pki/csr/tsa-ca.csr"
openssl ca -batch -config "$DEV/pki/tsa.cnf" -selfsign -utf8 -notext \
    -extensions v3_root -startdate $START -enddate $CA_END \
    -in "$DEV/pki/csr/tsa-ca.csr" -out "$DEV/tsa-trust.pem" 2>/dev/null
"$CIVSEAL" hsm keygen --module "$MODULE" --token "$TOKEN" --pin-file "$DEV/pin" \
    --label "$TSA_LABEL" --id "$TSA_ID" --type ec-p256 >/dev/null
openssl req -new -config "$DEV/pki/req.cnf" -utf8 -sha256 \
    -engine pkcs11 -keyform engine \
    -key "pkcs11:token=$TOKEN;object=$TSA_LABEL;type=private?pin-source=file:$DEV/pin" \
    -subj "/C=VN/O=civseal Development/CN=civseal Development TSA" \
    -out "$DEV/pki/csr/$TSA_LABEL.csr" 2>"$DEV/pki/csr/$TSA_LABEL.log" ||
	{ cat "$DEV/pki/csr/$TSA_LABEL.log" >&2; die "CSR for the TSA key failed"; }
# Valid from 2024 like the offices, so that a set-up may timestamp in the
# past (faketime) with it.
openssl ca -batch -config "$DEV/pki/tsa.cnf" -utf8 -notext \
    -extensions v3_tsa -startdate $START -enddate $TSA_END \
    -in "$DEV/pki/csr/$TSA_LABEL.csr" -out "$DEV/tsa.pem" 2>/dev/null

# --- revocation ---------------------------------------------------------------
openssl ca -batch -config "$DEV/pki/issuing.cnf" -revoke "$DEV/offices/$REVOKED.pem" \
    -crl_reason keyCompromise 2>/dev/null
openssl ca -batch -config "$DEV/pki/issuing.cnf" -gencrl -crldays 365 \
    -crlexts crl_ext -out "$DEV/crl.pem" 2>/dev/null
# The root's CRL too, so that the issuing CA's own status is checked.
openssl ca -batch -config "$DEV/pki/root.cnf" -gencrl -crldays 365 \
    -crlexts crl_ext -out "$DEV/pki/root-crl.pem" 2>/dev/null
cat "$DEV/pki/root-crl.pem" >>"$DEV/crl.pem"

# --- configuration -----------------------------------------------------------
{
	cat <<CONF
# civseal development configuration, made by certs/dev-setup.sh.
# Relative paths are relative to this file's directory.

[pkcs11]
module = $MODULE
pin_file = pin
softhsm2_conf = softhsm2.conf

[trust]
# Self-signed certificates in this file are the anchors; the others (issuing
# CA, office and seal certificates) resolve QR seal key ids.
anchors = trustlist.pem
crl = crl.pem

[store]
path = register.db

[signd]
listen = 127.0.0.1:8441

[verifyd]
listen = 127.0.0.1:8442
base_url = http://127.0.0.1:8442

[tsa]
# RFC 3161 timestamps (docs/tsa.md): the development civseal-tsad below.
url = http://$TSA_LISTEN/
timeout_ms = 5000
anchors = tsa-trust.pem
policy = $TSA_POLICY
require = yes

[tsad]
listen = $TSA_LISTEN
key = pkcs11:token=$TOKEN;object=$TSA_LABEL
cert = tsa.pem
policy = $TSA_POLICY
accuracy_ms = 1000
CONF
	for o in "${OFFICES[@]}"; do
		IFS='|' read -r code type id name <<<"$o"
		cat <<CONF

[office $code]
name = $name
key = pkcs11:token=$TOKEN;object=$code
cert = offices/$code.pem
chain = issuing-ca.pem
CONF
		if [ -s "$DEV/offices/$code-seal.pem" ]; then
			cat <<CONF
seal_key = pkcs11:token=$TOKEN;object=$code-seal
seal_cert = offices/$code-seal.pem
CONF
		fi
	done
} >"$DEV/civseal.conf"

# --- check what we made, then mark it complete ------------------------------
openssl verify -CAfile "$DEV/trust.pem" -untrusted "$DEV/issuing-ca.pem" \
    "$DEV"/offices/*.pem >/dev/null ||
	die "the office certificates do not verify"
openssl verify -purpose timestampsign -CAfile "$DEV/tsa-trust.pem" "$DEV/tsa.pem" \
    >/dev/null || die "the TSA certificate does not verify for timestamping"
echo "$DEV" >"$DEV/.complete"

say "created var/dev (in ${SECONDS}s):"
echo "  token        $TOKEN in $DEV/tokens (SOFTHSM2_CONF=$SOFTHSM2_CONF)"
echo "  PINs         var/dev/pin, var/dev/so-pin (mode 0600)"
echo "  trust anchor var/dev/trust.pem   ($(openssl x509 -in "$DEV/trust.pem" -noout -subject -nameopt utf8,sep_comma_plus_space))"
echo "  trust list   var/dev/trustlist.pem (anchor, issuing CA, office and seal certificates)"
echo "  issuing CA   var/dev/issuing-ca.pem"
for o in "${OFFICES[@]}"; do
	IFS='|' read -r code type id name <<<"$o"
	printf '  office       var/dev/offices/%s.pem  %-8s key id %s%s\n' "$code" "$type" "$id" \
	    "$([ "$code" = "$REVOKED" ] && echo '  REVOKED (keyCompromise)')"
done
echo "  CRL          var/dev/crl.pem (next update in 365 days)"
echo "  TSA          var/dev/tsa.pem  ec-p256  key id $TSA_ID (label $TSA_LABEL), anchor var/dev/tsa-trust.pem"
echo "               policy $TSA_POLICY; civseal-tsad listens on $TSA_LISTEN"
echo "  config       var/dev/civseal.conf"
