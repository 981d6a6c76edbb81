#!/bin/bash
# civseal render on every example, signed with the dev token: the HTML is
# well-formed, self-contained and carries the names in capitals, the dates
# and time of death in words (checked against an independent Python
# implementation of docs/rendering.md), the signature block for the signer's
# title and the signing time in ICT; the PDF is one A4 page whose text has
# the names in NFC; zbar decodes the QR code of the printed PDF back to
# exactly "<base_url>/v/<Header/Seal>"; a browser prints the HTML on one
# A4 page.  Then the refusals and their exit codes.
source "$(dirname "$0")/../lib.sh"

CONF=$T/civseal.conf
dev_conf "$CONF"
BASE=$(sed -n 's/^[ \t]*base_url[ \t]*=[ \t]*//p' "$CONF" | head -n 1)

# words.py KIND VALUE: the expected words, written apart from render/datewords.
cat >"$T/words.py" <<'EOF'
import sys, datetime
U = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
def two(r, higher):
    t, u = divmod(r, 10)
    if r == 0: return []
    if t == 0: return (["linh"] if higher else []) + [U[u]]
    w = ["mười"] if t == 1 else [U[t], "mươi"]
    if u == 0: return w
    if u == 5: return w + ["lăm"]
    if u == 1 and t >= 2: return w + ["mốt"]
    return w + [U[u]]
def num(n):
    if n == 0: return ["không"]
    th, h, r = n // 1000, n // 100 % 10, n % 100
    w = []
    if th:
        w += [U[th], "nghìn"]
        if n % 1000 == 0: return w
        w += [U[h], "trăm"]
    elif h:
        w += [U[h], "trăm"]
    return w + two(r, n >= 100)
def date(s):
    y, m, d = map(int, s[:10].split("-"))
    return " ".join(["ngày"] + num(d) + ["tháng"] + (["tư"] if m == 4 else num(m)) + ["năm"] + num(y))
kind, v = sys.argv[1], sys.argv[2]
if kind == "date":
    s = date(v)
elif kind == "time":     # a time of death: words for hh:mm when known
    s = date(v) if len(v) == 10 else " ".join(num(int(v[11:13])) + ["giờ"] + num(int(v[14:16])) + ["phút,"]) + " " + date(v)
elif kind == "ict":      # Header/SignedAt (UTC) shown in ICT
    t = datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(hours=7)
    s = t.strftime("%H:%M:%S ngày %d/%m/%Y")
print(s[0].upper() + s[1:] if kind != "ict" else s)
EOF
words() { python3 "$T/words.py" "$@"; }
# xml_text FILE ELEMENT-PATH: text of an element of a signed document.
xml_text() {
	xmllint --xpath "string(/*/*[local-name()='$2']${3:+/*[local-name()='$3']})" "$1"
}
upper() { python3 -c 'import sys,unicodedata; print(unicodedata.normalize("NFC", sys.argv[1].upper()))' "$1"; }

for f in "${VALID_SAMPLES[@]}"; do
	s=$(basename "$f" .json)
	type=$(json_get "$f" 'j["type"]')
	expect_exit "$s: signed" 0 "$BIN/civseal" sign --config "$CONF" --in "$f" --out "$T/$s.xml"
	[ -s "$T/$s.xml" ] || continue
	seal=$(xml_text "$T/$s.xml" Header Seal)
	check "$s: Header/Seal is digits" grep -qE '^[0-9]{20,}$' <<<"$seal"
	if [ "$type" = birth ]; then
		holder=$(json_get "$f" 'j["child"]["full_name"]')
		birth=$(json_get "$f" 'j["child"]["birth_date"]')
	else
		holder=$(json_get "$f" 'j["deceased"]["full_name"]')
		birth=$(json_get "$f" 'j["deceased"]["birth_date"]')
	fi
	HOLDER=$(upper "$holder")
	DECL=$(upper "$(json_get "$f" 'j["declarant"]["full_name"]')")

	# --- HTML ---
	expect_exit "$s: render html" 0 "$BIN/civseal" render --format html --config "$CONF" -o "$T/$s.html" "$T/$s.xml"
	h=$T/$s.html
	check "$s.html: well-formed (polyglot XHTML)" xmllint --noout --nonet "$h"
	check "$s.html: HTML5 doctype first" grep -qx '<!DOCTYPE html>' <(head -n 1 "$h")
	check "$s.html: parses as HTML too" xmllint --html --noout --nonet "$h"
	expect_grep "$s.html: holder in capitals" "$HOLDER" "$h"
	expect_grep "$s.html: declarant in capitals" "$DECL" "$h"
	expect_grep "$s.html: birth date in digits" "$(date -d "$birth" +%d/%m/%Y)" "$h"
	expect_grep "$s.html: birth date in words" "Ghi bằng chữ: $(words date "$birth")<" "$h"
	expect_grep "$s.html: national motto" 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM.*Độc lập - Tự do - Hạnh phúc' "$h"
	expect_grep "$s.html: TM. ỦY BAN NHÂN DÂN" '>TM\. ỦY BAN NHÂN DÂN<' "$h"
	if [ "$(json_get "$f" 'j["signer"]["title"]')" = "Phó Chủ tịch" ]; then
		expect_grep "$s.html: vice-chairman signs KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" '>KT\. CHỦ TỊCH</p><p class="center bold">PHÓ CHỦ TỊCH<' "$h"
	else
		expect_grep "$s.html: chairman signs CHỦ TỊCH" 'TM\. ỦY BAN NHÂN DÂN</p><p class="center bold">CHỦ TỊCH<' "$h"
		expect_no_grep "$s.html: no KT. for the chairman" 'KT\. CHỦ TỊCH' "$h"
	fi
	expect_grep "$s.html: signer's name" "$(json_get "$f" 'j["signer"]["full_name"]')" "$h"
	expect_grep "$s.html: signing time in ICT" "$(words ict "$(xml_text "$T/$s.xml" Header SignedAt)") \(UTC\+07:00\)" "$h"
	expect_grep "$s.html: signed by the office certificate" "ký số bởi: $(xml_text "$T/$s.xml" Header OfficeName)<" "$h"
	expect_grep "$s.html: A4 print stylesheet" '@page \{ size: A4;' "$h"
	expect_grep "$s.html: QR code inline as SVG" '<div class="qr"><svg xmlns="http://www.w3.org/2000/svg"' "$h"
	expect_no_grep "$s.html: no script, no external asset" '<script|<link|src=|href=|url\(' "$h"
	if [ "$type" = death ]; then
		t=$(json_get "$f" 'j["death"]["time"]')
		expect_grep "$s.html: time of death in words" "Ghi bằng chữ: $(words time "$t")<" "$h"
	fi

	# --- PDF ---
	expect_exit "$s: render pdf" 0 "$BIN/civseal" render --format pdf --config "$CONF" -o "$T/$s.pdf" "$T/$s.xml"
	pdfinfo "$T/$s.pdf" >"$T/$s.info" 2>&1
	expect_grep "$s.pdf: exactly one page" '^Pages: +1$' "$T/$s.info"
	expect_grep "$s.pdf: A4" '^Page size: +595.28 x 841.89 pts' "$T/$s.info"
	pdftotext -layout "$T/$s.pdf" "$T/$s.txt" 2>/dev/null
	expect_grep "$s.pdf: holder in capitals" "$HOLDER" "$T/$s.txt"
	expect_grep "$s.pdf: birth date in words" "$(words date "$birth" | cut -d' ' -f1-6)" "$T/$s.txt"
	check "$s.pdf: text is NFC" python3 -c 'import sys,unicodedata; t=open(sys.argv[1]).read(); sys.exit(0 if unicodedata.is_normalized("NFC", t) else 1)' "$T/$s.txt"
	expect_grep "$s.pdf: signer's name" "$(json_get "$f" 'j["signer"]["full_name"]')" "$T/$s.txt"

	# --- the QR code, printed and scanned ---
	pdftoppm -r 200 -png "$T/$s.pdf" "$T/$s-page" 2>/dev/null
	zbarimg --raw -q "$T/$s-page-1.png" 2>/dev/null >"$T/$s.qr"
	expect_eq "$s: QR of the printed PDF reads <base_url>/v/<seal>" "$(cat "$T/$s.qr")" "$BASE/v/$seal"
done

# --- the browser prints the HTML on one A4 page ---------------------------
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	not_ok "no browser at $CHROMIUM (scripts/install-deps.sh installs chromium): the HTML's print is not checked"
else
	for s in birth-01 death-01; do
		if [ ! -s "$T/$s.html" ]; then
			not_ok "$s.html: not rendered, so chromium cannot print it"
			continue
		fi
		timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
			--user-data-dir="$T/chromium-profile" \
			--print-to-pdf="$T/$s-chromium.pdf" "file://$T/$s.html" >/dev/null 2>&1
		pdfinfo "$T/$s-chromium.pdf" >"$T/$s-chromium.info" 2>&1
		expect_grep "$s.html: chromium prints one page" '^Pages: +1$' "$T/$s-chromium.info"
		expect_grep "$s.html: chromium prints A4" '^Page size:.*\(A4\)' "$T/$s-chromium.info"
	done
fi

# --- base URL: from --base-url, or none -----------------------------------
X=$T/birth-01.xml
seal=$(xml_text "$X" Header Seal)
expect_exit "--base-url https://kiemtra.example/" 0 "$BIN/civseal" render --format pdf --base-url https://kiemtra.example/ -o "$T/other.pdf" "$X"
pdftoppm -r 200 -png "$T/other.pdf" "$T/other" 2>/dev/null
expect_eq "QR holds --base-url + /v/ + seal" "$(zbarimg --raw -q "$T/other-1.png" 2>/dev/null)" "https://kiemtra.example/v/$seal"
expect_exit "no base URL" 0 "$BIN/civseal" render --format pdf -o "$T/bare.pdf" "$X"
pdftoppm -r 200 -png "$T/bare.pdf" "$T/bare" 2>/dev/null
expect_eq "QR without a base URL holds the bare seal" "$(zbarimg --raw -q "$T/bare-1.png" 2>/dev/null)" "$seal"
expect_exit "render to standard output" 0 "$BIN/civseal" render --format html --base-url "$BASE" -o - "$X"
check "-o - writes the same HTML" cmp "$T/out" "$T/birth-01.html"

# --- a document without a seal: rendered without a QR ----------------------
python3 - "$X" "$T/noseal.xml" <<'EOF'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(re.sub(r"\s*<Seal>[0-9]*</Seal>", "", s, count=1))
EOF
expect_exit "no seal: render html" 0 "$BIN/civseal" render --format html --config "$CONF" -o "$T/noseal.html" "$T/noseal.xml"
expect_no_grep "no seal: no QR code" '<svg' "$T/noseal.html"
expect_grep "no seal: the page is still there" 'GIẤY KHAI SINH' "$T/noseal.html"

# --- an unknown hour of death is left blank ---------------------------------
# The example whose death.time is a date alone, rendered in the loop above.
nohour=
for f in "${VALID_SAMPLES[@]}"; do
	if [ "$(json_get "$f" 'len(j.get("death", {}).get("time", "no death"))')" = 10 ]; then
		nohour=$f
		break
	fi
done
check "an example has a death without an hour" test -n "$nohour"
if [ -n "$nohour" ]; then
	n=$(basename "$nohour" .json)
	t=$(json_get "$nohour" 'j["death"]["time"]')
	check "death without an hour: rendered" test -s "$T/$n.html"
	expect_grep "no hour: words give the day only" "Ghi bằng chữ: $(words date "$t")<" "$T/$n.html"
	expect_grep "no hour: hour and minute left blank" \
		"$(printf '\u00a0\u00a0\u00a0\u00a0giờ\u00a0\u00a0\u00a0\u00a0phút, ngày %s' "$(date -d "$t" +%d/%m/%Y)")" "$T/$n.html"
fi

# --- refusals ----------------------------------------------------------------
expect_exit "--help" 0 "$BIN/civseal" render --help
expect_grep "--help names the formats" 'html\|pdf' "$T/out"
expect_exit "no --format: usage" 2 "$BIN/civseal" render -o "$T/x.html" "$X"
expect_exit "--format xml: usage" 2 "$BIN/civseal" render --format xml -o "$T/x" "$X"
expect_grep "--format xml: named" "must be html or pdf, not 'xml'" "$T/err"
expect_exit "--config and --base-url: usage" 2 "$BIN/civseal" render --format html --config "$CONF" --base-url http://x -o "$T/x" "$X"
expect_exit "base URL with a space: usage" 2 "$BIN/civseal" render --format html --base-url 'http://a b' -o "$T/x" "$X"
expect_grep "base URL with a space: named" '^civseal render: --base-url: .*space' "$T/err"
expect_exit "base URL with %: usage" 2 "$BIN/civseal" render --format pdf --base-url 'http://a/%7e' -o "$T/x" "$X"
expect_exit "missing file: I/O error" 2 "$BIN/civseal" render --format html -o "$T/x" "$T/does-not-exist.xml"
expect_grep "missing file: one line naming it" 'does-not-exist.xml' "$T/err"
echo '<x xmlns="urn:other"/>' >"$T/other.xml"
expect_exit "not a civseal document: 1" 1 "$BIN/civseal" render --format html -o "$T/x" "$T/other.xml"
expect_eq "not a civseal document: one line" "$(wc -l <"$T/err")" 1
printf '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n' >"$T/dtd.xml"
cat "$X" | sed 1d >>"$T/dtd.xml"
expect_exit "a DOCTYPE is refused: 1" 1 "$BIN/civseal" render --format pdf -o "$T/x" "$T/dtd.xml"
sed "s|<FullName>$(json_get "$SAMPLES/birth-01.json" 'j["child"]["full_name"]')</FullName>|<Name>x</Name>|" "$X" >"$T/broken.xml"
check "the broken fixture differs" bash -c "! cmp -s '$X' '$T/broken.xml'"
expect_exit "a record with a wrong element: 1" 1 "$BIN/civseal" render --format html -o "$T/x" "$T/broken.xml"
expect_grep "wrong element: the path is named" 'Child/FullName' "$T/err"
check "nothing written on failure" test ! -e "$T/x"
