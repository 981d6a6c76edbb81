#!/bin/bash
# civseal sign against the real dev token: every example signs and is
# registered (in a register of this test's own); the same input again gives
# the registered document, another input for a registered number is
# refused; civseal verify --register says valid and the audit chain counts
# every issue; refused input names the field and writes nothing; HSM
# failures exit 3 without the PIN.
source "$(dirname "$0")/../lib.sh"
CONF=$T/civseal.conf
DB=$T/register.db
dev_conf "$CONF" "$DB"
ME=cli:$(id -un)

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

# --- the register: what civseal sign issues, it registers ---------------------
n=${#VALID_SAMPLES[@]}
expect_eq "every example signed is registered, once" "$(sqlite3 "$DB" 'SELECT count(*) FROM documents')" "$n"
expect_eq "...each with an issue entry in the audit log, client $ME" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event = 'issue' AND client = '$ME'")" "$n"
id1=$(xmllint --xpath 'string(//*[local-name()="DocumentId"])' "$T/birth-01.xml")
office1=$(json_get "$SAMPLES/birth-01.json" 'j["office"]')
expect_eq "the register holds birth-01's id and SHA-256" \
	"$(sqlite3 "$DB" "SELECT sha256 FROM documents WHERE id = '$id1'")" "$(sha256sum <"$T/birth-01.xml" | cut -c1-64)"

# The same input again signs nothing: the registered document is written again.
expect_exit "the same input again: exit 0" 0 "$BIN/civseal" sign --config "$CONF" --in "$SAMPLES/birth-01.json" --out "$T/again.xml"
check "...the document registered the first time, byte for byte" cmp "$T/birth-01.xml" "$T/again.xml"
expect_grep "...and it says so, naming the document" "birth $id1 for office $office1 was already issued for this input .*by $ME" "$T/err"
expect_eq "...and registers nothing more" "$(sqlite3 "$DB" 'SELECT count(*) FROM documents')" "$n"

# Another input for a registration that has a document: refused, naming it.
num=$(json_get "$SAMPLES/birth-01.json" 'j["registration"]["number"]')
book=$(json_get "$SAMPLES/birth-01.json" 'j["registration"]["book"]')
sample_with "$SAMPLES/birth-01.json" 'j["child"]["birth_place"]="Bệnh viện Phụ sản Hà Nội"' "$T/other.json"
expect_exit "another input for registration $num: refused (exit 1)" 1 "$BIN/civseal" sign --config "$CONF" --in "$T/other.json" --out "$T/other.xml"
expect_grep "...naming number, book, type, office and the registered document" \
	"registration number $num of book $book \\(birth\\) at office $office1 is already registered to document $id1" "$T/err"
check "...and nothing is written" test ! -e "$T/other.xml"
expect_eq "...nor registered" "$(sqlite3 "$DB" 'SELECT count(*) FROM documents')" "$n"

# Verifiers find what the CLI signed in the register: status valid, not not-found.
expect_exit "civseal verify --register of a CLI-signed document: exit 0" 0 \
	"$BIN/civseal" verify --config "$CONF" --register "$DB" --json "$T/birth-01.xml"
expect_eq "...register status valid" "$(json_get "$T/out" 'j["status"]["state"]')" valid
expect_exit "civseal audit verify counts every CLI issue" 0 "$BIN/civseal" audit verify --config "$CONF"
expect_grep "...$n entries" "^audit chain intact: $n entries" "$T/out"

# The register named by URL is the same register; PostgreSQL is not built yet.
sed "s|^path *=.*|url = sqlite://$DB|" "$CONF" >"$T/url.conf"
expect_exit "[store] url = sqlite://PATH: the same register" 0 "$BIN/civseal" sign --config "$T/url.conf" --in "$SAMPLES/birth-01.json" --out "$T/url.xml"
expect_grep "...which holds birth-01 already" "$id1 .*already issued" "$T/err"
sed "s|^path *=.*|url = postgresql://civseal:s3cr3t@db.example/civseal|" "$CONF" >"$T/pg.conf"
expect_exit "[store] url = postgresql://…: refused (exit 2)" 2 "$BIN/civseal" sign --config "$T/pg.conf" --in "$SAMPLES/birth-01.json" --out "$T/x.xml"
expect_grep "...as not built yet" "PostgreSQL register is not built yet" "$T/err"
expect_no_grep "...without repeating the URL's password" "s3cr3t" "$T/err"
grep -v '^path *=' "$CONF" >"$T/nostore.conf"
expect_exit "a configuration without [store]: refused (exit 2)" 2 "$BIN/civseal" sign --config "$T/nostore.conf" --in "$SAMPLES/death-02.json" --out "$T/x.xml"
expect_grep "...saying a register is needed" "has no \\[store\\] path or url" "$T/err"
check "nothing written without a register" test ! -e "$T/x.xml"

# Standard input and output (a registration of its own).
sample_with "$SAMPLES/death-01.json" 'j["registration"]["number"]="9201"' "$T/pipe.json"
"$BIN/civseal" sign --config "$CONF" --in - --out - <"$T/pipe.json" >"$T/stdout.xml" 2>"$T/err"
check "--in - --out - signs through pipes" grep -q '</DeathExtract>' "$T/stdout.xml"
expect_grep "...and issues it" "^civseal sign: issued death " "$T/err"

# NFD input (macOS, some IMEs) is stored composed (NFC).
sample_with "$SAMPLES/birth-01.json" \
	'j["child"]["full_name"]=unicodedata.normalize("NFD", j["child"]["full_name"]); j["registration"]["number"]="9202"' "$T/nfd.json"
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

# HSM failures: exit 3, the cause named, the PIN never shown.  (A register
# of their own: the same input in $DB would be written again unsigned.)
PIN=$(cat "$DEV/pin")
dev_conf "$T/badmod.conf" "$T/hsm-register.db"
sed -i 's|^module *=.*|module = /nonexistent/libpkcs11.so|' "$T/badmod.conf"
expect_exit "missing PKCS#11 module" 3 "$BIN/civseal" sign --config "$T/badmod.conf" --in "$SAMPLES/birth-01.json" --out "$T/x.xml"
expect_grep "message names the module" "/nonexistent/libpkcs11.so" "$T/err"

dev_conf "$T/badpin.conf" "$T/hsm-register.db"
printf '000000\n' >"$T/wrong.pin"
chmod 600 "$T/wrong.pin"
sed -i "s|^pin_file *=.*|pin_file = $T/wrong.pin|" "$T/badpin.conf"
expect_exit "wrong PIN" 3 "$BIN/civseal" sign --config "$T/badpin.conf" --in "$SAMPLES/birth-01.json" --out "$T/x.xml"
expect_grep "message names CKR_PIN_INCORRECT" "CKR_PIN_INCORRECT" "$T/err"
expect_no_grep "the wrong PIN is not printed" "000000" "$T/err"

dev_conf "$T/badkey.conf" "$T/hsm-register.db"
sed -i 's|object=01-BADINH|object=01-MISSING|' "$T/badkey.conf"
expect_exit "key not on the token" 3 "$BIN/civseal" sign --config "$T/badkey.conf" --in "$SAMPLES/birth-01.json" --out "$T/x.xml"
expect_grep "message names the missing key" "01-MISSING" "$T/err"
expect_no_grep "the real PIN is not printed" "$PIN" "$T/err"
check "nothing written after HSM failures" test ! -e "$T/x.xml"
expect_eq "nothing registered after HSM failures" "$(sqlite3 "$T/hsm-register.db" 'SELECT count(*) FROM documents')" 0

# An installed civseal finds its templates next to it (<prefix>/share/civseal),
# whatever PREFIX and DESTDIR were, and signs and verifies from there.
if make -s -C "$ROOT" install DESTDIR="$T/inst" PREFIX=/opt/civseal >"$T/install.log" 2>&1; then
	ok "make install DESTDIR=… PREFIX=/opt/civseal"
	dev_conf "$T/inst.conf" "$T/inst-register.db"	# signed anew, not written again
	expect_exit "installed civseal signs (schemas found under share/civseal)" 0 \
		env -u CIVSEAL_TEMPLATES "$T/inst/opt/civseal/bin/civseal" sign --config "$T/inst.conf" \
		--in "$SAMPLES/death-01.json" --out "$T/installed.xml"
	expect_grep "...a new issue" "^civseal sign: issued death " "$T/err"
	expect_exit "installed civseal verifies it" 0 \
		env -u CIVSEAL_TEMPLATES "$T/inst/opt/civseal/bin/civseal" verify --config "$DEV/civseal.conf" "$T/installed.xml"
	expect_exit "installed civseal renders a PDF (stylesheet found)" 0 \
		env -u CIVSEAL_TEMPLATES "$T/inst/opt/civseal/bin/civseal" render --format pdf "$T/installed.xml" -o "$T/installed.pdf"
else
	not_ok "make install DESTDIR=… PREFIX=/opt/civseal"
	sed 's/^/#   /' "$T/install.log" | head -n 8
fi
