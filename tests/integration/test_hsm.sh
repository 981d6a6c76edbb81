#!/bin/bash
# tests/integration/test_hsm.sh — civseal hsm and the dev token/PKI from
# `make dev`: keys generated inside the token stay there, certificates match
# the token keys, the revoked office is on the CRL, and every failure (module,
# token, PIN, PIN file mode, key) exits with its code and names its cause,
# never the PIN.
source "$(dirname "$0")/../lib.sh"

CS=${CIVSEAL:-$BIN/civseal}	# CIVSEAL= lets one run this against another build
MODULE=/usr/lib/softhsm/libsofthsm2.so
TOKEN=civseal-dev
OFFICES="01-BADINH 48-HOACUONGBAC 10-TAVAN 79-SAIGON 40-CHAUKIM 01-HANGBAC"
export PKCS11_MODULE_PATH=$MODULE	# for libp11's OpenSSL engine

if [ ! -s "$DEV/civseal.conf" ] || [ ! -s "$DEV/pin" ]; then
	not_ok "var/dev exists (run make dev)"
	exit 1
fi
if ! "$CS" hsm --help >/dev/null 2>&1; then
	not_ok "$CS has the hsm command"
	exit 1
fi
PIN=$(cat "$DEV/pin")

# no_pin DESC: the last command's output does not contain the real PIN.
no_pin() {
	if grep -qF -- "$PIN" "$T/out" "$T/err"; then
		not_ok "$1: the PIN appears in the output"
	else
		ok "$1: the PIN is not in the output"
	fi
}

# --- help --------------------------------------------------------------------
expect_exit "hsm --help exits 0" 0 "$CS" hsm --help
for sub in init-token keygen list check; do
	expect_exit "hsm $sub --help exits 0" 0 "$CS" hsm "$sub" --help
	expect_grep "hsm $sub --help shows its usage" "usage: civseal hsm $sub" "$T/out"
done
expect_exit "hsm with an unknown command exits 2" 2 "$CS" hsm frobnicate
expect_grep "unknown command is named" "unknown command 'frobnicate'" "$T/err"
expect_exit "keygen without --id exits 2" 2 "$CS" hsm keygen --module "$MODULE" \
    --token $TOKEN --pin-file "$DEV/pin" --label X
expect_grep "missing option is named" "--id is required" "$T/err"

# --- the keys in the token ----------------------------------------------------
expect_exit "hsm list exits 0" 0 "$CS" hsm list --module "$MODULE" --token $TOKEN \
    --pin-file "$DEV/pin"
cp "$T/out" "$T/list"
no_pin "hsm list"
for code in $OFFICES; do
	expect_grep "$code: key in the token, sensitive, not extractable" \
	    "^$TOKEN	label=$code	id=[0-9a-f]+	type=[a-z0-9-]+	sensitive=yes	extractable=no	always-sensitive=yes	never-extractable=yes	sign=yes$" \
	    "$T/list"
done
expect_grep "48-HOACUONGBAC is RSA-2048 in the token" "label=48-HOACUONGBAC	.*type=rsa-2048" "$T/list"
expect_grep "01-BADINH is ECDSA P-256 in the token" "label=01-BADINH	.*type=ec-p256" "$T/list"
expect_exit "hsm list --config exits 0" 0 "$CS" hsm list --config "$DEV/civseal.conf"
expect_eq "hsm list --config lists the same keys" "$(sort "$T/out")" "$(sort "$T/list")"

# pkcs11-tool, independently: the flags, and no private value to be had.
# (--pin env:NAME keeps the PIN off the command line.)
export T_P11_PIN=$PIN
expect_exit "pkcs11-tool lists the private keys" 0 pkcs11-tool --module "$MODULE" \
    --token-label $TOKEN --login --pin env:T_P11_PIN --list-objects --type privkey
expect_eq "pkcs11-tool: every private key is sensitive and never extractable" \
    "$(grep -c 'Access:.*sensitive, always sensitive, never extractable' "$T/out")" \
    "$(grep -c 'Private Key Object' "$T/out")"
expect_no_grep "pkcs11-tool: no private key is extractable" "Access:.*[^r ] ?extractable" "$T/out"
rm -f "$T/priv.der"
pkcs11-tool --module "$MODULE" --token-label $TOKEN --login --pin env:T_P11_PIN \
    --read-object --type privkey --label 01-BADINH -o "$T/priv.der" >"$T/out" 2>"$T/err"
if [ -s "$T/priv.der" ]; then
	not_ok "pkcs11-tool cannot read the private key value"
else
	ok "pkcs11-tool cannot read the private key value"
fi
unset T_P11_PIN
# The engine hands out a key object, but the private scalar is not in it.
openssl pkey -engine pkcs11 -inform engine \
    -in "pkcs11:token=$TOKEN;object=01-BADINH;type=private?pin-source=file:$DEV/pin" \
    -text -noout >"$T/out" 2>"$T/err"
priv=$(awk '/^priv:/{p=1;next} /^pub:/{p=0} p' "$T/out" | tr -d ' :\n')
if [ -n "$priv" ] && [ -z "$(echo "$priv" | tr -d 0)" ]; then
	ok "the private scalar exported through the engine is all zeros"
elif [ -z "$priv" ]; then
	ok "no private scalar is exported through the engine"
else
	not_ok "the private key value left the token through the engine"
fi

# --- each certificate matches its key in the token -----------------------------
expect_exit "hsm check --config: every office key signs and matches its certificate" 0 \
    "$CS" hsm check --config "$DEV/civseal.conf"
no_pin "hsm check"
for code in $OFFICES; do
	expect_grep "$code: signs on the token and matches its certificate" \
	    "^ok $code .* signs on the token and matches .*offices/$code.pem" "$T/out"
done
for code in $OFFICES; do
	# Public key object read from the token by pkcs11-tool (no login needed),
	# compared with the certificate's: an independent check.
	pkcs11-tool --module "$MODULE" --token-label $TOKEN --read-object \
	    --type pubkey --label "$code" -o "$T/$code.pub.der" >/dev/null 2>&1
	a=$(openssl pkey -pubin -inform DER -in "$T/$code.pub.der" -outform PEM 2>/dev/null)
	b=$(openssl x509 -in "$DEV/offices/$code.pem" -noout -pubkey 2>/dev/null)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		ok "$code: token public key equals the certificate's (pkcs11-tool)"
	else
		not_ok "$code: token public key equals the certificate's (pkcs11-tool)"
	fi
done
expect_exit "hsm check with the wrong certificate fails" 3 "$CS" hsm check \
    --module "$MODULE" --pin-file "$DEV/pin" \
    --key "pkcs11:token=$TOKEN;object=01-BADINH" --cert "$DEV/offices/10-TAVAN.pem"
expect_grep "the mismatch is named" "does not verify with the expected public key" "$T/err"
expect_exit "hsm check by id finds the RSA key" 0 "$CS" hsm check --module "$MODULE" \
    --pin-file "$DEV/pin" --key "pkcs11:token=$TOKEN;id=%02;type=private" \
    --cert "$DEV/offices/48-HOACUONGBAC.pem"
expect_grep "the RSA key signs on the token" "rsa-2048 signs on the token" "$T/out"

# --- the PKI ---------------------------------------------------------------------
for code in $OFFICES; do
	subj=$(openssl x509 -in "$DEV/offices/$code.pem" -noout -subject \
	    -nameopt utf8,sep_comma_plus_space,sname 2>/dev/null)
	case $subj in
	*", serialNumber=$code") ok "$code: certificate subject serialNumber is the office code" ;;
	*) not_ok "$code: certificate subject serialNumber is the office code ($subj)" ;;
	esac
done
openssl x509 -in "$DEV/offices/48-HOACUONGBAC.pem" -noout -text >"$T/rsa.txt"
expect_grep "48-HOACUONGBAC certificate is RSA" "Public Key Algorithm: rsaEncryption" "$T/rsa.txt"
expect_grep "48-HOACUONGBAC certificate is 2048-bit" "Public-Key: \(2048 bit\)" "$T/rsa.txt"
openssl x509 -in "$DEV/offices/01-BADINH.pem" -noout -text >"$T/ec.txt"
expect_grep "office certificate: keyUsage critical" "X509v3 Key Usage: critical" "$T/ec.txt"
expect_grep "office certificate: digitalSignature, nonRepudiation" \
    "Digital Signature, Non Repudiation$" "$T/ec.txt"
expect_grep "office certificate: not a CA" "CA:FALSE" "$T/ec.txt"
expect_grep "office certificate: valid from 2024-01-01" "Not Before: Jan  1 00:00:00 2024 GMT" "$T/ec.txt"
expect_grep "office certificate: 5 years" "Not After : Jan  1 00:00:00 2029 GMT" "$T/ec.txt"
expect_grep "office certificate: UTF-8 name" \
    "O=UBND phường Ba Đình, Thành phố Hà Nội" \
    <(openssl x509 -in "$DEV/offices/01-BADINH.pem" -noout -subject -nameopt utf8,sep_comma_plus_space)

serial=$(openssl x509 -in "$DEV/offices/01-HANGBAC.pem" -noout -serial | cut -d= -f2)
openssl crl -in "$DEV/crl.pem" -noout -text >"$T/crl.txt"
expect_grep "01-HANGBAC's serial is in crl.pem" "Serial Number: $serial" "$T/crl.txt"
expect_grep "01-HANGBAC revoked for keyCompromise" "Key Compromise" "$T/crl.txt"
expect_eq "crl.pem lists exactly one certificate" "$(grep -c 'Serial Number:' "$T/crl.txt")" 1
expect_grep "crl.pem is issued by the issuing CA" \
    "Issuer: .*civseal Development Civil Registry Issuing CA" "$T/crl.txt"
expect_exit "01-BADINH chains to the root and is not revoked" 0 openssl verify -crl_check \
    -CRLfile "$DEV/crl.pem" -CAfile "$DEV/trust.pem" -untrusted "$DEV/issuing-ca.pem" \
    "$DEV/offices/01-BADINH.pem"
expect_exit "01-HANGBAC fails verification with the CRL" 2 openssl verify -crl_check \
    -CRLfile "$DEV/crl.pem" -CAfile "$DEV/trust.pem" -untrusted "$DEV/issuing-ca.pem" \
    "$DEV/offices/01-HANGBAC.pem"
expect_grep "01-HANGBAC: certificate revoked" "certificate revoked" "$T/err"

# --- failures: exit code, cause named, PIN never shown -------------------------
expect_exit "module not found exits 3" 3 "$CS" hsm list --module /nonexistent/libnone.so \
    --pin-file "$DEV/pin"
expect_grep "module not found: names the module" \
    "PKCS#11 module /nonexistent/libnone.so cannot be loaded" "$T/err"
no_pin "module not found"
expect_exit "module not found (libp11 path) exits 3" 3 "$CS" hsm check \
    --module /nonexistent/libnone.so --pin-file "$DEV/pin" --key "pkcs11:token=$TOKEN;object=01-BADINH"
expect_grep "module not found (libp11 path): names the module" \
    "PKCS#11 module /nonexistent/libnone.so cannot be loaded" "$T/err"

expect_exit "token not found exits 3" 3 "$CS" hsm list --module "$MODULE" \
    --token no-such-token --pin-file "$DEV/pin"
expect_grep "token not found: names it and the tokens present" \
    "token no-such-token not found.*tokens present: .*$TOKEN" "$T/err"
no_pin "token not found"
expect_exit "token not found (libp11 path) exits 3" 3 "$CS" hsm check --module "$MODULE" \
    --pin-file "$DEV/pin" --key "pkcs11:token=no-such-token;object=01-BADINH"
expect_grep "token not found (libp11 path): names it and the tokens present" \
    "token no-such-token not found.*tokens present: $TOKEN" "$T/err"

(umask 077; printf '%s' "0000${PIN:0:4}" >"$T/wrong-pin")
expect_exit "wrong PIN exits 3" 3 "$CS" hsm list --module "$MODULE" --token $TOKEN \
    --pin-file "$T/wrong-pin"
expect_grep "wrong PIN: names the token and CKR_PIN_INCORRECT" \
    "login to token $TOKEN failed: .*CKR_PIN_INCORRECT" "$T/err"
no_pin "wrong PIN"
expect_no_grep "wrong PIN: the wrong PIN is not shown either" "0000${PIN:0:4}" "$T/err"
expect_exit "wrong PIN (libp11 path) exits 3" 3 "$CS" hsm check --module "$MODULE" \
    --pin-file "$T/wrong-pin" --key "pkcs11:token=$TOKEN;object=01-BADINH"
expect_grep "wrong PIN (libp11 path): CKR_PIN_INCORRECT" \
    "login to token $TOKEN failed: CKR_PIN_INCORRECT" "$T/err"
no_pin "wrong PIN (libp11 path)"

cp "$DEV/pin" "$T/open-pin"
chmod 0644 "$T/open-pin"
expect_exit "PIN file with mode 0644 exits 2" 2 "$CS" hsm list --module "$MODULE" \
    --token $TOKEN --pin-file "$T/open-pin"
expect_grep "PIN file mode: names the file and its mode" \
    "PIN file $T/open-pin has mode 0644" "$T/err"
no_pin "PIN file mode"
expect_exit "PIN file with mode 0644 (libp11 path) exits 2" 2 "$CS" hsm check \
    --module "$MODULE" --pin-file "$T/open-pin" --key "pkcs11:token=$TOKEN;object=01-BADINH"
expect_grep "PIN file mode (libp11 path): names the file and its mode" \
    "PIN file $T/open-pin has mode 0644" "$T/err"
no_pin "PIN file mode (libp11 path)"
rm -f "$T/open-pin"

expect_exit "key not found exits 3" 3 "$CS" hsm check --module "$MODULE" \
    --pin-file "$DEV/pin" --key "pkcs11:token=$TOKEN;object=99-NOWHERE"
expect_grep "key not found: names the key and the token" \
    "key object=99-NOWHERE not found on token $TOKEN" "$T/err"
no_pin "key not found"

expect_exit "pin-value in a URI exits 2" 2 "$CS" hsm check --module "$MODULE" \
    --pin-file "$DEV/pin" --key "pkcs11:token=$TOKEN;object=01-BADINH?pin-value=$PIN"
expect_grep "pin-value is refused by name" "pin-value is refused" "$T/err"
no_pin "pin-value refused"

expect_exit "keygen with an existing label exits 3" 3 "$CS" hsm keygen --module "$MODULE" \
    --token $TOKEN --pin-file "$DEV/pin" --label 01-BADINH --id 7f --type ec-p256
expect_grep "existing label is named" "already holds an object labelled 01-BADINH" "$T/err"
expect_exit "keygen with an existing id exits 3" 3 "$CS" hsm keygen --module "$MODULE" \
    --token $TOKEN --pin-file "$DEV/pin" --label 99-NEW --id 01 --type ec-p256
expect_grep "existing id is named" "already holds an object with id 01" "$T/err"
expect_exit "keygen with an unknown type exits 2" 2 "$CS" hsm keygen --module "$MODULE" \
    --token $TOKEN --pin-file "$DEV/pin" --label 99-NEW --id 7f --type dsa-1024
expect_exit "init-token of an existing token exits 3" 3 "$CS" hsm init-token \
    --module "$MODULE" --label $TOKEN --so-pin-file "$DEV/so-pin" --pin-file "$DEV/pin"
expect_grep "existing token is named" "token $TOKEN exists already" "$T/err"

# --- make dev: fast when nothing is to be done; no PIN on a command line ----------
start=$(date +%s%N)
expect_exit "dev-setup.sh re-run exits 0" 0 "$ROOT/certs/dev-setup.sh"
ms=$((($(date +%s%N) - start) / 1000000))
expect_grep "dev-setup.sh re-run does nothing" "nothing to do" "$T/out"
if [ "$ms" -lt 5000 ]; then ok "dev-setup.sh re-run is fast (${ms} ms)"; else not_ok "dev-setup.sh re-run took ${ms} ms"; fi
expect_no_grep "dev-setup.sh puts no PIN on a command line" \
    "(--pin|--so-pin|pin-value|-passin|-pass)[ =]" "$ROOT/certs/dev-setup.sh"
for f in pin so-pin; do
	expect_eq "var/dev/$f is mode 0600" "$(stat -c %a "$DEV/$f")" 600
done
