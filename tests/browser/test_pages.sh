#!/bin/bash
# A real browser (headless Chromium) on civseal-verifyd's pages: the seal
# pages of a valid, a revoked and a tampered document render with their
# verdict in the DOM (screenshots at phone size under the test output), the
# upload page renders; and the QR code of a rendered document, read by zbar
# from a screenshot, opens a page whose verdict is "genuine".
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/verifyd_env.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	not_ok "no browser at $CHROMIUM (scripts/install-deps.sh installs chromium)"
	exit 1
fi
SHOTS=$T/screenshots
mkdir -p "$SHOTS"
# chrome ARGS...: headless Chromium with a profile of its own, no network
# beyond what the page asks for (loopback here), bounded in time.  Its log,
# console messages included (a CSP violation is one: "... violates the
# following Content Security Policy directive ..."), is appended to
# $CHROME_LOG, by default $T/chromium.log.
chrome() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-extensions --hide-scrollbars \
		--disable-component-update --disable-sync --no-default-browser-check --mute-audio \
		--enable-logging=stderr --v=0 \
		--user-data-dir="$T/profile" "$@" 2>>"${CHROME_LOG:-$T/chromium.log}"
}
# png_size FILE: "WIDTHxHEIGHT" of a PNG.
png_size() {
	python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24)
print("%dx%d" % struct.unpack(">II", d[16:24]) if d[:8]==b"\x89PNG\r\n\x1a\n" else "not-a-png")' "$1"
}
# dom NAME URL: the rendered DOM in $T/NAME.dom, Chromium's log of that load
# alone in $T/NAME.chromium.log; prints the body's data-verdict.
dom() {
	rm -f "$T/$1.chromium.log"
	CHROME_LOG=$T/$1.chromium.log chrome --dump-dom "$2" >"$T/$1.dom"
	python3 -c 'import re,sys; m=re.search(r"<body[^>]*data-verdict=\"([^\"]*)\"", open(sys.argv[1],encoding="utf-8").read()); print(m.group(1) if m else "")' "$T/$1.dom"
}

vd_env_up || exit 1

# The CSP checks below look for Chromium's console report of a violation.  A
# control page that violates its own policy on purpose proves the report is
# logged, so that finding none on the real pages means something.
CSP_VIOLATION='Content Security Policy'
cat >"$T/csp-control.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv=Content-Security-Policy content="style-src 'none'">
<style>b{color:red}</style></head><body data-verdict="control"><b>x</b></body></html>
HTML
expect_eq "Chromium, CSP control page rendered" "$(dom csp_control "file://$T/csp-control.html")" control
expect_grep "Chromium, CSP control page: its violation IS reported (the check below can fail)" \
	"$CSP_VIOLATION" "$T/csp_control.chromium.log"

tampered=$(python3 -c 'import sys; s=sys.argv[1]; i=len(s)//2; print(s[:i]+str((int(s[i])+1)%10)+s[i+1:])' "$SEAL_valid")
holder=$(json_get "$SAMPLES/birth-01.json" 'j["child"]["full_name"]')
while read -r name seal verdict text; do
	url="$VURL/v/$seal"
	expect_eq "Chromium, $name seal page: data-verdict $verdict" "$(dom "$name" "$url")" "$verdict"
	expect_grep "Chromium, $name seal page: '$text' in the rendered DOM" "<h1>$text</h1>" "$T/$name.dom"
	expect_no_grep "Chromium, $name seal page: no CSP violation (the style applied)" "$CSP_VIOLATION" "$T/$name.chromium.log"
	chrome --screenshot="$SHOTS/seal-$name.png" --window-size=412,915 "$url" >/dev/null
	expect_eq "screenshot of the $name seal page at phone size" "$(png_size "$SHOTS/seal-$name.png")" 412x915
done <<LIST
valid $SEAL_valid valid GIẤY TỜ THẬT
revoked $SEAL_revoked revoked ĐÃ BỊ THU HỒI
superseded $SEAL_superseded superseded ĐÃ ĐƯỢC THAY THẾ
tampered $tampered invalid KHÔNG PHẢI GIẤY TỜ THẬT
LIST
expect_grep "Chromium, valid seal page: the holder's name rendered" "$holder" "$T/valid.dom"
expect_no_grep "Chromium, tampered seal page: no fields" "$holder" "$T/tampered.dom"
expect_eq "Chromium, English switch: GENUINE" "$(dom valid_en "$VURL/v/$SEAL_valid?lang=en")" valid
expect_grep "Chromium, English page says GENUINE" '<h1>GENUINE</h1>' "$T/valid_en.dom"
expect_no_grep "Chromium, English page: no CSP violation" "$CSP_VIOLATION" "$T/valid_en.chromium.log"
chrome --screenshot="$SHOTS/seal-valid-en.png" --window-size=412,915 "$VURL/v/$SEAL_valid?lang=en" >/dev/null
expect_eq "Chromium, a script-injection name: genuine page" "$(dom xss "$VURL/v/$SEAL_xss")" valid
expect_no_grep "Chromium, script-injection name: no script or img element in the DOM" '<script|<img' "$T/xss.dom"
expect_grep "Chromium, script-injection name: shown as text" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "$T/xss.dom"
expect_no_grep "Chromium, script-injection name: no CSP violation" "$CSP_VIOLATION" "$T/xss.chromium.log"
expect_eq "Chromium, upload page" "$(dom upload "$VURL/verify")" none
expect_grep "Chromium, upload page: the form" 'enctype="multipart/form-data"' "$T/upload.dom"
expect_no_grep "Chromium, upload page: no CSP violation" "$CSP_VIOLATION" "$T/upload.chromium.log"
chrome --screenshot="$SHOTS/upload.png" --window-size=412,915 "$VURL/verify" >/dev/null
chrome --print-to-pdf="$SHOTS/seal-valid.pdf" --no-pdf-header-footer "$VURL/v/$SEAL_valid" >/dev/null
check "the seal page prints (PDF)" grep -q '%PDF' "$SHOTS/seal-valid.pdf"
expect_no_grep "Chromium, screenshots and print of the real pages: no CSP violation" "$CSP_VIOLATION" "$T/chromium.log"

# --- QR code → zbar → the page ------------------------------------------------------
# The document as printed, by `civseal render`.
doc_url="$VURL/v/$SEAL_valid"
expect_exit "civseal render --format html renders the signed document" 0 \
	"$BIN/civseal" render --format html --config "$CONF" -o "$T/printed.html" "$T/valid.xml"
check "a printed document with its QR code (civseal render)" test -s "$T/printed.html"
# Printed at 30 mm, the code is 1.5 CSS pixels a module: shot at 3 device
# pixels per CSS pixel (about 290 dpi), as a phone camera sees the paper.
chrome --screenshot="$SHOTS/printed.png" --window-size=1000,1400 \
	--force-device-scale-factor=3 "file://$T/printed.html" >/dev/null
zbarimg --quiet --raw "$SHOTS/printed.png" >"$T/scanned.txt" 2>"$T/zbar.err"
scanned=$(grep -m 1 '^http' "$T/scanned.txt")
expect_eq "zbar reads the document's QR code from the screenshot: the seal URL" "$scanned" "$doc_url"
expect_eq "the scanned URL opens a page whose verdict is genuine" "$(dom scanned "$scanned")" valid
expect_grep "...and says GIẤY TỜ THẬT" '<h1>GIẤY TỜ THẬT</h1>' "$T/scanned.dom"
echo "# screenshots: $SHOTS"
