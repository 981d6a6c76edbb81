#!/bin/bash
# civseal sign against the real dev token: every example signs; refused input
# names the field and writes nothing; HSM failures exit 3 without the PIN.
source "$(dirname "$0")/../lib.sh"
CONF=$DEV/civseal.conf

for s in "${VALID_SAMPLES[@]}"; do
	n=$(basename "$s" .json)
	expect_exit "sign $n" 0 "$BIN/civseal" sign --config "$CONF" --in "$s" --out "$T/$n.xml"
	type=$(json_get "$s" 'j["type"]')
	check "$n.xml is valid against templates/$type.xsd (xmllint)" \
		xmllint --noout --schema "$ROOT/templates/$type.xsd" "$T/$n.xml"
	holder=$(json_get "$s" '(j.get("child") or j.get("deceased"))["full_name"]')
	expect_grep "$n.xml carries the holder's name as given" "<FullName>$holder</FullName>" "$T/$n.xml"
	expect_grep "stderr reports the issued id" "issued $type [0-9a-f-]{36} for office" "$T/err"
	# The signature algorithm follows the office's key (certs/dev-setup.sh).
	office=$(json_get "$s" 'j["office"]')
	case $(office_key_type "$office") in
	rsa-*) alg=rsa-sha256 ;;
	ec-*) alg=ecdsa-sha256 ;;
	*) alg="no key type for $office in certs/dev-setup.sh" ;;
	esac
	expect_grep "$n: $office signs with $alg" "xmldsig-more#$alg\"" "$T/$n.xml"
done
check "the examples include an RSA office" grep -l 'xmldsig-more#rsa-sha256"' "$T"/*.xml
check "the examples include an EC office" grep -l 'xmldsig-more#ecdsa-sha256"' "$T"/*.xml

# Two issues of one request are two documents.
"$BIN/civseal" sign --config "$CONF" --in "$SAMPLES/birth-01.json" --out "$T/again.xml" 2>/dev/null
id1=$(grep -o '<DocumentId>[^<]*' "$T/birth-01.xml")
id2=$(grep -o '<DocumentId>[^<]*' "$T/again.xml")
check "each issue gets a fresh document id" test "$id1" != "$id2"

# Standard input and output.
"$BIN/civseal" sign --config "$CONF" --in - --out - <"$SAMPLES/death-01.json" >"$T/stdout.xml" 2>"$T/err"
check "--in - --out - signs through pipes" grep -q '</DeathExtract>' "$T/stdout.xml"

# NFD input (macOS, some IMEs) is stored composed (NFC).
sample_with "$SAMPLES/birth-01.json" \
	'j["child"]["full_name"]=unicodedata.normalize("NFD", j["child"]["full_name"])' "$T/nfd.json"
nfd=$(json_get "$T/nfd.json" 'j["child"]["full_name"]')
nfc=$(json_get "$SAMPLES/birth-01.json" 'j["child"]["full_name"]')
check "the NFD fixture really differs from NFC" test "$nfd" != "$nfc"
expect_exit "NFD input signs" 0 "$BIN/civseal" sign --config "$CONF" --in "$T/nfd.json" --out "$T/nfd.xml"
expect_grep "NFD name is signed in NFC" "<FullName>$nfc</FullName>" "$T/nfd.xml"

# Refused input: exit 1, every reason names its field, nothing written.
echo "previous content" >"$T/keep.xml"
sample_with "$SAMPLES/birth-01.json" \
	'j["child"]["gender"]="male"; j["mother"]["birth_date"]="2031-01-01"' "$T/bad.json"
expect_exit "contradicting personal ID refused" 1 "$BIN/civseal" sign --config "$CONF" --in "$T/bad.json" --out "$T/keep.xml"
expect_grep "reason names /child/personal_id" '^civseal sign: /child/personal_id: ' "$T/err"
expect_grep "every problem is reported (future date too)" '^civseal sign: /mother/birth_date: ' "$T/err"
check "a refused request leaves the output file as it was" grep -qx "previous content" "$T/keep.xml"
check "no temporary file is left behind" bash -c "! ls '$T'/keep.xml.tmp.* 2>/dev/null"

sample_with "$SAMPLES/birth-01.json" 'j["office"]="99-NOWHERE"' "$T/office.json"
expect_exit "unconfigured office refused" 1 "$BIN/civseal" sign --config "$CONF" --in "$T/office.json" --out "$T/x.xml"
expect_grep "reason names /office" '/office: office 99-NOWHERE is not configured' "$T/err"
check "nothing written for a refused office" test ! -e "$T/x.xml"

printf '{"type": "birth", "type": "death"}' >"$T/dup.json"
expect_exit "duplicate keys refused" 1 "$BIN/civseal" sign --config "$CONF" --in "$T/dup.json" --out "$T/x.xml"
printf '{"type": "birth",' >"$T/trunc.json"
expect_exit "malformed JSON refused" 1 "$BIN/civseal" sign --config "$CONF" --in "$T/trunc.json" --out "$T/x.xml"

# Usage and I/O errors: exit 2.
expect_exit "missing --out is a usage error" 2 "$BIN/civseal" sign --config "$CONF" --in "$SAMPLES/birth-01.json"
expect_exit "missing input file" 2 "$BIN/civseal" sign --config "$CONF" --in "$T/none.json" --out "$T/x.xml"
expect_grep "the message names the missing file" "none.json" "$T/err"
expect_exit "missing config" 2 "$BIN/civseal" sign --config "$T/none.conf" --in "$SAMPLES/birth-01.json" --out "$T/x.xml"
expect_exit "--help" 0 "$BIN/civseal" sign --help

# HSM failures: exit 3, the cause named, the PIN never shown.
PIN=$(cat "$DEV/pin")
dev_conf "$T/badmod.conf"
sed -i 's|^module *=.*|module = /nonexistent/libpkcs11.so|' "$T/badmod.conf"
expect_exit "missing PKCS#11 module" 3 "$BIN/civseal" sign --config "$T/badmod.conf" --in "$SAMPLES/birth-01.json" --out "$T/x.xml"
expect_grep "message names the module" "/nonexistent/libpkcs11.so" "$T/err"

dev_conf "$T/badpin.conf"
printf '000000\n' >"$T/wrong.pin"
chmod 600 "$T/wrong.pin"
sed -i "s|^pin_file *=.*|pin_file = $T/wrong.pin|" "$T/badpin.conf"
expect_exit "wrong PIN" 3 "$BIN/civseal" sign --config "$T/badpin.conf" --in "$SAMPLES/birth-01.json" --out "$T/x.xml"
expect_grep "message names CKR_PIN_INCORRECT" "CKR_PIN_INCORRECT" "$T/err"
expect_no_grep "the wrong PIN is not printed" "000000" "$T/err"

dev_conf "$T/badkey.conf"
sed -i 's|object=01-BADINH|object=01-MISSING|' "$T/badkey.conf"
expect_exit "key not on the token" 3 "$BIN/civseal" sign --config "$T/badkey.conf" --in "$SAMPLES/birth-01.json" --out "$T/x.xml"
expect_grep "message names the missing key" "01-MISSING" "$T/err"
expect_no_grep "the real PIN is not printed" "$PIN" "$T/err"
check "nothing written after HSM failures" test ! -e "$T/x.xml"

# An installed civseal finds its templates next to it (<prefix>/share/civseal),
# whatever PREFIX and DESTDIR were, and signs and verifies from there.
if make -s -C "$ROOT" install DESTDIR="$T/inst" PREFIX=/opt/civseal >"$T/install.log" 2>&1; then
	ok "make install DESTDIR=… PREFIX=/opt/civseal"
	expect_exit "installed civseal signs (schemas found under share/civseal)" 0 \
		env -u CIVSEAL_TEMPLATES "$T/inst/opt/civseal/bin/civseal" sign --config "$DEV/civseal.conf" \
		--in "$SAMPLES/death-01.json" --out "$T/installed.xml"
	expect_exit "installed civseal verifies it" 0 \
		env -u CIVSEAL_TEMPLATES "$T/inst/opt/civseal/bin/civseal" verify --config "$DEV/civseal.conf" "$T/installed.xml"
	expect_exit "installed civseal renders a PDF (stylesheet found)" 0 \
		env -u CIVSEAL_TEMPLATES "$T/inst/opt/civseal/bin/civseal" render --format pdf "$T/installed.xml" -o "$T/installed.pdf"
else
	not_ok "make install DESTDIR=… PREFIX=/opt/civseal"
	sed 's/^/#   /' "$T/install.log" | head -n 8
fi
