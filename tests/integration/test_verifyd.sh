#!/bin/bash
# civseal-verifyd on loopback against a register filled by the real
# civseal-signd: JSON reports for valid, tampered, untrusted, revoked
# (certificate and document) and superseded documents, the same as
# `civseal verify --register --json`; multipart uploads; the seal page for
# each case, in both languages; script injection escaped; security
# headers; oversize and malformed bodies; rate limit; the register
# unreachable; logs free of personal data; SIGHUP and SIGTERM.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/verifyd_env.sh"

vd_env_up || exit 1

# req NAME CURL-ARGS...: status in $T/NAME.status, headers .hdr, body .body.
req() {
	local name=$1
	shift
	curl -s --max-time 30 -o "$T/$name.body" -D "$T/$name.hdr" -w '%{http_code}' "$@" >"$T/$name.status"
	cat "$T/$name.status"
}
api() {	# api NAME FILE [curl args]: POST the XML to /v1/verify
	local name=$1 file=$2
	shift 2
	req "$name" -X POST -H 'Content-Type: application/xml' --data-binary "@$file" "$@" "$VURL/v1/verify"
}
jq_() { json_get "$T/$1.body" "$2" 2>/dev/null; }
expect_problem() {	# NAME STATUS CODE
	expect_eq "$1: status $2" "$(cat "$T/$1.status")" "$2"
	expect_grep "$1: application/problem+json" '^Content-Type: application/problem\+json' "$T/$1.hdr"
	expect_eq "$1: code $3" "$(jq_ "$1" 'j["code"]')" "$3"
}
# py FILE OUT STATEMENT: rewrite a document's text s with a Python statement.
py() {
	python3 -c 'import sys,re
s=open(sys.argv[1],encoding="utf-8").read()
exec(sys.argv[3])
open(sys.argv[2],"w",encoding="utf-8").write(s)' "$1" "$2" "$3"
}
verdict_of() { grep -o 'data-verdict="[^"]*"' "$T/$1.body" | head -n 1 | cut -d'"' -f2; }

# --- probes ----------------------------------------------------------------
expect_eq "GET /healthz: 200" "$(req health "$VURL/healthz")" 200
expect_eq "GET /readyz: 200" "$(req ready "$VURL/readyz")" 200
check "/readyz: trust ok, register ok" json_get "$T/ready.body" \
	'(j["checks"]["trust"]=="ok" and j["checks"]["register"]=="ok") or sys.exit(1)'
# json_lines LOG: every line of LOG is one JSON object with ts, level, event.
json_lines() {
	python3 -c 'import json,sys
n=0
for n,l in enumerate(open(sys.argv[1],encoding="utf-8"),1):
    try:
        j=json.loads(l)
    except ValueError as e:
        sys.exit("line %d is not JSON (%s): %s" % (n,e,l[:200]))
    if not (isinstance(j,dict) and {"ts","level","event"} <= j.keys()):
        sys.exit("line %d: not a log event: %s" % (n,l[:200]))
sys.exit(n==0 and "empty log")' "$1"
}
check "the log is JSON lines (each parses, with ts, level, event)" json_lines "$VLOG"
# The daemon opens the register while it starts, before it says "start":
# the register line, then the start event, then the requests.
head -n 1 "$VLOG" >"$T/vlog.line1"
sed -n 2p "$VLOG" >"$T/vlog.line2"
expect_grep "the log's first line: the register opened at start-up" \
	'^\{"ts":"[0-9T:.-]+Z","level":"info","event":"register","msg":"register '"$DB"' open \(read-only\)"\}$' "$T/vlog.line1"
expect_grep "the log's second line: the start event, before any request" \
	'^\{"ts":"[0-9T:.-]+Z","level":"info","event":"start","listen":"127\.0\.0\.1:'"${VURL##*:}"'","port":'"${VURL##*:}"',"pid":'"$VPID_main"',' "$T/vlog.line2"

# What the pages and reports must show of birth-01 (the "valid" document).
B1=$SAMPLES/birth-01.json
holder=$(json_get "$B1" 'j["child"]["full_name"]')
B1_OFFICE=$(json_get "$B1" 'j["office"]')
B1_PID=$(json_get "$B1" 'j["child"]["personal_id"]')
dmy='"/".join(reversed(%s.split("-")))'	# YYYY-MM-DD as DD/MM/YYYY
B1_BIRTH=$(json_get "$B1" "$(printf "$dmy" 'j["child"]["birth_date"]')")
B1_REG=$(json_get "$B1" "$(printf "$dmy" 'j["registration"]["date"]')")

# --- JSON reports ------------------------------------------------------------
expect_eq "valid document: 200" "$(api valid "$T/valid.xml")" 200
expect_grep "report: application/json" '^Content-Type: application/json' "$T/valid.hdr"
check "valid: verdict, no reasons, status valid" json_get "$T/valid.body" \
	'(j["verdict"]=="valid" and j["reasons"]==[] and j["status"]["state"]=="valid") or sys.exit(1)'
expect_eq "valid: the child's name as signed" "$(jq_ valid 'j["fields"]["child"]["full_name"]')" \
	"$(json_get "$SAMPLES/birth-01.json" 'j["child"]["full_name"]')"
check "valid: signer, office, signing time, document id" json_get "$T/valid.body" \
	'(j["signer"]["office"]=="'"$B1_OFFICE"'" and j["document"]["office"]=="'"$B1_OFFICE"'" and j["document"]["signed_at"].endswith("Z") and j["document"]["id"]=="'"$ID_valid"'") or sys.exit(1)'
check "valid: the document's seal in the report" json_get "$T/valid.body" \
	'(j["seal"]["document_id"]=="'"$ID_valid"'") or sys.exit(1)'
"$BIN/civseal" verify --config "$CONF" --register "$DB" --json "$T/valid.xml" >"$T/cli-valid.json" 2>/dev/null
check "the report is the one civseal verify --register --json prints" python3 -c '
import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a!=b)' \
	"$T/valid.body" "$T/cli-valid.json"

py "$T/valid.xml" "$T/tampered.xml" "s=s.replace('<FullName>$holder</FullName>','<FullName>${holder}a</FullName>',1)"
expect_eq "tampered document: 200" "$(api tampered "$T/tampered.xml")" 200
check "tampered: invalid, digest mismatch named, no fields, status unchecked" json_get "$T/tampered.body" \
	'(j["verdict"]=="invalid" and any("digest mismatch" in r for r in j["reasons"]) and j["fields"] is None and j["status"]["state"]=="unchecked") or sys.exit(1)'

expect_eq "document from a rogue CA: 200" "$(api rogue "$ROOT/tests/data/verify/good-ec.xml")" 200
check "rogue CA: untrusted, no chain named" json_get "$T/rogue.body" \
	'(j["verdict"]=="untrusted" and any("does not chain" in r for r in j["reasons"])) or sys.exit(1)'

api hangbac "$T/hangbac.xml" >/dev/null
check "office certificate revoked (CRL): revoked, keyCompromise" json_get "$T/hangbac.body" \
	'(j["verdict"]=="revoked" and any("keyCompromise" in r for r in j["reasons"])) or sys.exit(1)'

api revoked "$T/revoked.xml" >/dev/null
check "revoked in the register: verdict revoked, reason and date in status" json_get "$T/revoked.body" \
	'(j["verdict"]=="revoked" and j["status"]["state"]=="revoked" and j["status"]["reason"]=="Ghi sai ngày mất" and j["status"]["revoked_at"].endswith("Z") and j["status"]["superseded_by"] is None and any("revoked by the issuing office" in r for r in j["reasons"])) or sys.exit(1)'
check "revoked: the fields are still given (it was issued)" json_get "$T/revoked.body" \
	'(j["fields"]["deceased"]["full_name"]) or sys.exit(1)'

api superseded "$T/superseded.xml" >/dev/null
check "superseded: verdict revoked, status superseded by the replacement" json_get "$T/superseded.body" \
	'(j["verdict"]=="revoked" and j["status"]["state"]=="superseded" and j["status"]["superseded_by"]=="'"$ID_replacement"'" and j["status"]["reason"]) or sys.exit(1)'
api replacement "$T/replacement.xml" >/dev/null
expect_eq "the replacement is valid" "$(jq_ replacement 'j["verdict"]+"/"+j["status"]["state"]')" valid/valid

printf 'this is not XML\n' >"$T/not.xml"
api notxml "$T/not.xml" >/dev/null
check "not XML: a report, verdict invalid, not well-formed" json_get "$T/notxml.body" \
	'(j["verdict"]=="invalid" and any("well-formed" in r for r in j["reasons"])) or sys.exit(1)'
py "$T/valid.xml" "$T/xxe.xml" "s=s.replace('<BirthCertificate','<!DOCTYPE BirthCertificate [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><BirthCertificate',1).replace('$holder','&x;',1)"
api xxe "$T/xxe.xml" >/dev/null
check "external entity: invalid, DOCTYPE named" json_get "$T/xxe.body" \
	'(j["verdict"]=="invalid" and any("DOCTYPE" in r for r in j["reasons"])) or sys.exit(1)'
expect_no_grep "external entity: no file content leaked" 'root:' "$T/xxe.body"

# --- multipart ----------------------------------------------------------------
expect_eq "multipart xml=@file: 200" "$(req mp -F "xml=@$T/revoked.xml;type=application/xml" "$VURL/v1/verify")" 200
expect_eq "multipart: the same verdict" "$(jq_ mp 'j["status"]["state"]')" revoked
expect_eq "multipart seal=…: 200" "$(req mpseal -F "seal=$SEAL_valid" "$VURL/v1/verify")" 200
check "seal report: valid, seal fields, status valid" json_get "$T/mpseal.body" \
	'(j["verdict"]=="valid" and j["fields"]["full_name"]=="'"$holder"'" and j["status"]["state"]=="valid") or sys.exit(1)'
req mpboth -F "xml=@$T/valid.xml" -F "seal=$SEAL_valid" "$VURL/v1/verify" >/dev/null
expect_problem mpboth 400 malformed-form
req mpnone -F "other=x" "$VURL/v1/verify" >/dev/null
expect_problem mpnone 400 malformed-form
req mpdup -F "seal=1" -F "seal=2" "$VURL/v1/verify" >/dev/null
expect_problem mpdup 400 malformed-form
printf -- '--XyZ\r\nContent-Disposition: form-data; name="xml"; filename="a.xml"\r\n\r\n<a/>' >"$T/cut.mp"
req mpcut -X POST -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary "@$T/cut.mp" "$VURL/v1/verify" >/dev/null
expect_problem mpcut 400 malformed-form
req mpnob -X POST -H 'Content-Type: multipart/form-data' --data-binary "@$T/cut.mp" "$VURL/v1/verify" >/dev/null
expect_problem mpnob 400 malformed-form

# --- refused requests ----------------------------------------------------------
req empty -X POST -H 'Content-Type: application/xml' --data-binary '' "$VURL/v1/verify" >/dev/null
expect_problem empty 400 empty-body
req e415 -X POST -H 'Content-Type: text/plain' --data-binary "@$T/valid.xml" "$VURL/v1/verify" >/dev/null
expect_problem e415 415 unsupported-media-type
req e405 "$VURL/v1/verify" >/dev/null
expect_problem e405 405 method-not-allowed
expect_grep "405: Allow: POST" '^Allow: POST' "$T/e405.hdr"
req e404api "$VURL/v1/nowhere" >/dev/null
expect_problem e404api 404 not-found
head -c 2000000 /dev/zero | tr '\0' ' ' >"$T/big.xml"
api e413 "$T/big.xml" >/dev/null
expect_problem e413 413 body-too-large
api e413ch "$T/big.xml" -H 'Transfer-Encoding: chunked' >/dev/null
expect_problem e413ch 413 body-too-large
expect_eq "413 on the form: an HTML page" "$(req e413form -F "xml=@$T/big.xml" "$VURL/verify")" 413
expect_grep "413 on the form: text/html" '^Content-Type: text/html' "$T/e413form.hdr"
expect_eq "a header block over the limit is refused" \
	"$(req bighdr -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" "$VURL/healthz")" 431
for n in empty e415 mpboth mpcut mpnob e413 e413ch e413form; do
	if [ -s "$T/$n.body" ]; then
		expect_no_grep "$n: no raw input reflected" '<a/>|BirthCertificate|Nguy' "$T/$n.body"
	else
		not_ok "$n: no response body to check ($T/$n.body missing or empty)"
	fi
done
check "the daemon is still up after the refusals" curl -sf "$VURL/healthz"

# --- the seal page --------------------------------------------------------------
page() {	# page NAME SEAL [query]
	req "$1" "$VURL/v/$2${3:-}"
}
expect_eq "GET /v/<valid seal>: 200" "$(page pvalid "$SEAL_valid")" 200
expect_grep "seal page: text/html; charset=utf-8" '^Content-Type: text/html; charset=utf-8' "$T/pvalid.hdr"
expect_eq "seal page valid: data-verdict" "$(verdict_of pvalid)" valid
expect_grep "seal page valid: Vietnamese by default" '<html lang="vi">' "$T/pvalid.body"
expect_grep "seal page valid: GIẤY TỜ THẬT" 'GIẤY TỜ THẬT' "$T/pvalid.body"
B1_OFFICE_NAME=$(xmllint --xpath 'string(//*[local-name()="OfficeName"])' "$T/valid.xml")
for f in "$holder" "$B1_BIRTH" "$B1_PID" 'Giấy khai sinh' "$B1_OFFICE_NAME" "$B1_REG"; do
	expect_grep "seal page valid: shows $f" "$f" "$T/pvalid.body"
done
expect_grep "seal page valid: register confirms" 'còn hiệu lực' "$T/pvalid.body"
expect_grep "seal page valid: what to do next" 'Bạn nên làm gì' "$T/pvalid.body"
page pvalid_en "$SEAL_valid" '?lang=en' >/dev/null
expect_grep "seal page ?lang=en: English" '<html lang="en">' "$T/pvalid_en.body"
expect_grep "seal page ?lang=en: GENUINE" '<h1>GENUINE</h1>' "$T/pvalid_en.body"
expect_grep "seal page ?lang=en: switch back to Vietnamese" 'href="\?lang=vi"' "$T/pvalid_en.body"
check "seal page: one small page (< 16 KiB)" test "$(stat -c %s "$T/pvalid.body")" -lt 16384
expect_no_grep "seal page: no script" '<script' "$T/pvalid.body"
expect_no_grep "seal page: no external asset" '(src|href)="(https?:)?//' "$T/pvalid.body"
for h in "Content-Security-Policy: default-src 'none'; style-src 'sha256-" 'X-Content-Type-Options: nosniff' \
	'Referrer-Policy: no-referrer' 'X-Frame-Options: DENY' 'Cache-Control: no-store'; do
	expect_grep "seal page header: $h" "^$h" "$T/pvalid.hdr"
done
css_hash=$(python3 -c 'import re,sys,hashlib,base64
s=open(sys.argv[1],encoding="utf-8").read(); c=re.search(r"<style>(.*?)</style>",s,re.S).group(1)
print(base64.b64encode(hashlib.sha256(c.encode()).digest()).decode())' "$T/pvalid.body")
check "CSP allows exactly the inline stylesheet (by its hash)" grep -qF "style-src 'sha256-$css_hash'" "$T/pvalid.hdr"

page prevoked "$SEAL_revoked" >/dev/null
expect_eq "seal page revoked: data-verdict" "$(verdict_of prevoked)" revoked
expect_grep "seal page revoked: ĐÃ BỊ THU HỒI" '<h1>ĐÃ BỊ THU HỒI</h1>' "$T/prevoked.body"
expect_grep "seal page revoked: reason" 'Ghi sai ngày mất' "$T/prevoked.body"
expect_no_grep "seal page revoked: never says genuine" 'GIẤY TỜ THẬT|GENUINE' "$T/prevoked.body"
page psup "$SEAL_superseded" '?lang=en' >/dev/null
expect_eq "seal page superseded: data-verdict" "$(verdict_of psup)" superseded
expect_grep "seal page superseded: REPLACED and the new document's id" "REPLACED" "$T/psup.body"
expect_grep "seal page superseded: the replacement's id" "$ID_replacement" "$T/psup.body"
page phang "$SEAL_hangbac" >/dev/null
expect_eq "seal page, office key revoked: data-verdict revoked" "$(verdict_of phang)" revoked

tamper_digit() {	# a seal with one digit of its middle changed
	python3 -c 'import sys; s=sys.argv[1]; i=len(s)//2; print(s[:i]+str((int(s[i])+1)%10)+s[i+1:])' "$1"
}
page ptamper "$(tamper_digit "$SEAL_valid")" >/dev/null
expect_eq "seal page, one digit changed: 200, not an error" "$(cat "$T/ptamper.status")" 200
expect_eq "seal page, one digit changed: data-verdict invalid" "$(verdict_of ptamper)" invalid
expect_grep "seal page tampered: KHÔNG PHẢI GIẤY TỜ THẬT" 'KHÔNG PHẢI GIẤY TỜ THẬT' "$T/ptamper.body"
expect_no_grep "seal page tampered: no fields shown" "$holder|$B1_PID" "$T/ptamper.body"
page ptrunc "${SEAL_valid:0:120}" >/dev/null
expect_eq "seal page, truncated seal: data-verdict invalid" "$(verdict_of ptrunc)" invalid
page pjunk '%3Cscript%3Ealert(1)%3C%2Fscript%3E' >/dev/null
expect_eq "seal page, script as seal: data-verdict invalid" "$(verdict_of pjunk)" invalid
expect_no_grep "seal page, script as seal: not reflected" 'alert|script>' "$T/pjunk.body"
page plong "$(head -c 6000 /dev/zero | tr '\0' 7)" >/dev/null
expect_eq "seal page, 6000 digits: invalid" "$(verdict_of plong)" invalid
forged=$(python3 "$ROOT/tests/tools/seal_codec.py" edit "$SEAL_valid" full_name="Nguyễn Văn Giả" 2>/dev/null)
if [ -n "$forged" ]; then
	page pforged "$forged" >/dev/null
	expect_eq "seal page, name changed (signature kept): invalid" "$(verdict_of pforged)" invalid
	expect_no_grep "seal page, forged name: not shown" 'Nguyễn Văn Giả' "$T/pforged.body"
else
	not_ok "tests/tools/seal_codec.py edit could not forge a seal"
fi
openssl ecparam -name prime256v1 -genkey -noout -out "$T/rogue.key" 2>/dev/null
openssl req -new -x509 -key "$T/rogue.key" -subj '/CN=rogue/serialNumber=01-BADINH' -days 30 -out "$T/rogue.pem" 2>/dev/null
rogue=$(python3 "$ROOT/tests/tools/seal_codec.py" resign "$SEAL_valid" "$T/rogue.key" "$T/rogue.pem" 2>/dev/null)
if [ -n "$rogue" ]; then
	page prog "$rogue" '?lang=en' >/dev/null
	expect_eq "seal signed by an unknown key: data-verdict unknown-issuer" "$(verdict_of prog)" unknown-issuer
	expect_grep "unknown issuer: UNKNOWN ISSUER" 'UNKNOWN ISSUER' "$T/prog.body"
else
	not_ok "tests/tools/seal_codec.py resign could not make a rogue seal"
fi

# --- script injection in a genuine document ---------------------------------------
page pxss "$SEAL_xss" >/dev/null
expect_eq "seal page of a name with <script>: still genuine" "$(verdict_of pxss)" valid
expect_no_grep "…<script> escaped" '<script|<img' "$T/pxss.body"
expect_grep "…shown as text" '&lt;script&gt;alert\(1\)&lt;/script&gt; Lò &quot;Thị&quot; &amp; &lt;img src=x onerror=alert\(2\)&gt;' "$T/pxss.body"
req fxss -F "xml=@$T/xss.xml" "$VURL/verify" >/dev/null
expect_eq "upload of the <script> document: genuine page" "$(verdict_of fxss)" valid
expect_no_grep "upload result: <script> escaped" '<script|<img' "$T/fxss.body"
py "$T/valid.xml" "$T/xss-office.xml" "s=s.replace('<Office>$B1_OFFICE</Office>','<Office>&lt;script&gt;alert(3)&lt;/script&gt;</Office>',1)"
req fxss2 -F "xml=@$T/xss-office.xml" "$VURL/verify?lang=en" >/dev/null
expect_eq "forged office <script>: NOT genuine" "$(verdict_of fxss2)" invalid
expect_no_grep "forged office: no live script in the reasons" '<script' "$T/fxss2.body"

# --- the staff pages ------------------------------------------------------------------
expect_eq "GET /: the upload page" "$(req home "$VURL/")" 200
expect_eq "upload page: data-verdict none" "$(verdict_of home)" none
expect_grep "upload page: a multipart form posting to /verify" '<form method="post" action="/verify" enctype="multipart/form-data">' "$T/home.body"
expect_grep "upload page: file and seal fields" 'name="xml" type="file".*|name="seal"' "$T/home.body"
expect_eq "GET /verify?lang=en: 200" "$(req homeen "$VURL/verify?lang=en")" 200
expect_grep "upload page in English posts with lang=en" 'action="/verify\?lang=en"' "$T/homeen.body"
req fvalid -F "xml=@$T/valid.xml" "$VURL/verify" >/dev/null
expect_eq "upload a valid XML: genuine page" "$(verdict_of fvalid)" valid
expect_grep "upload result: registration number and book" \
	"$(json_get "$B1" 'j["registration"]["number"] + " / " + j["registration"]["book"]')" "$T/fvalid.body"
expect_grep "upload result: every signed field for staff (mother's name)" \
	"$(json_get "$B1" 'j["mother"]["full_name"]')" "$T/fvalid.body"
expect_grep "upload result: printable (print stylesheet)" '@media print' "$T/fvalid.body"
req ftamper -F "xml=@$T/tampered.xml" "$VURL/verify" >/dev/null
expect_eq "upload a tampered XML: NOT genuine" "$(verdict_of ftamper)" invalid
req frogue -F "xml=@$ROOT/tests/data/verify/good-ec.xml" "$VURL/verify" >/dev/null
expect_eq "upload an XML from a rogue CA: unknown issuer" "$(verdict_of frogue)" unknown-issuer
req fsup -F "xml=@$T/superseded.xml" "$VURL/verify" >/dev/null
expect_eq "upload a superseded XML: superseded" "$(verdict_of fsup)" superseded
req fseal --data-urlencode "seal=  $VURL/v/$SEAL_revoked  " "$VURL/verify" >/dev/null
expect_eq "paste a seal URL (url-encoded form, spaces): revoked" "$(verdict_of fseal)" revoked
req fnone -F "xml=@/dev/null;filename=" -F "seal=" "$VURL/verify" >/dev/null
expect_eq "empty form: 400" "$(cat "$T/fnone.status")" 400
expect_eq "empty form: an HTML page, data-verdict none" "$(verdict_of fnone)" none
expect_eq "unknown page: 404 HTML" "$(req p404 "$VURL/nowhere")" 404
expect_eq "unknown page: data-verdict none" "$(verdict_of p404)" none

# --- metrics ---------------------------------------------------------------------------
req metrics "$VURL/metrics" >/dev/null
for m in 'civseal_verifications_total\{source="xml",verdict="valid"\} [1-9]' \
	'civseal_verifications_total\{source="seal",verdict="revoked"\} [1-9]' \
	'civseal_verifications_total\{source="seal",verdict="invalid"\} [1-9]' \
	'civseal_register_lookups_total\{result="superseded"\} [1-9]' \
	'civseal_http_requests_total\{route="/v/\{seal\}",status="200"\} [1-9]' \
	'civseal_verify_seconds_count [1-9]' 'civseal_rate_limited_total 0'; do
	expect_grep "metrics: /$m/" "^$m" "$T/metrics.body"
done

# --- logs: no personal data -------------------------------------------------------------
expect_grep "log: seal requests logged as /v/..." '"path":"/v/\.\.\.","route":"/v/\{seal\}"' "$VLOG"
expect_grep "log: verdict, doc, office, addr, ms" '"addr":"127.0.0.1".*"ms":[0-9.]+.*"verdict":"valid","doc":"'"$ID_valid"'","office":"'"$B1_OFFICE"'"' "$VLOG"
expect_no_grep "log: no seal digits" "${SEAL_valid:0:40}|${SEAL_revoked:0:40}" "$VLOG"
expect_no_grep "log: no holder's name, no personal ID" "$holder|$B1_PID|${holder%% *}" "$VLOG"

# --- the register unreachable --------------------------------------------------------------
CONF2=$T/civseal-noreg.conf
cp "$CONF" "$CONF2"
sed -i "s|^path *=.*|path = $T/later.db|" "$CONF2"
P2=$(free_port)
vd_start noreg "$CONF2" "$P2"
U2=http://127.0.0.1:$P2
expect_eq "no register: readyz still 200" "$(req ready2 "$U2/readyz")" 200
expect_eq "no register: readyz says unavailable" "$(jq_ ready2 'j["checks"]["register"]')" unavailable
req nr "$U2/v/$SEAL_valid" >/dev/null
expect_eq "no register: the signature's verdict is still given" "$(verdict_of nr)" valid
expect_grep "no register: the page says the status could not be checked" 'Chưa kiểm tra được giấy tờ còn hiệu lực' "$T/nr.body"
req nrapi -X POST -H 'Content-Type: application/xml' --data-binary "@$T/valid.xml" "$U2/v1/verify" >/dev/null
expect_eq "no register: JSON status unavailable, verdict valid" "$(jq_ nrapi 'j["verdict"]+"/"+j["status"]["state"]')" valid/unavailable
# The register appears (e.g. a restored mount): picked up without a restart.
sqlite3 "$DB" ".backup '$T/later.db'"
sleep 5.5
req nr2 "$U2/v/$SEAL_revoked" >/dev/null
expect_eq "the register, once there, is read without a restart: revoked" "$(verdict_of nr2)" revoked
kill -TERM "$VPID_noreg"

# --- rate limit --------------------------------------------------------------------------------
CONF3=$T/civseal-rate.conf
cp "$CONF" "$CONF3"
conf_set "$CONF3" verifyd rate_limit 0.5
conf_set "$CONF3" verifyd rate_burst 5
P3=$(free_port)
vd_start rate "$CONF3" "$P3"
U3=http://127.0.0.1:$P3
for i in $(seq 1 8); do
	curl -s -o /dev/null -w '%{http_code}\n' "$U3/v/$SEAL_valid"
done >"$T/rate.codes"
expect_eq "rate limit: the burst (5) is served" "$(grep -c '^200$' "$T/rate.codes")" 5
expect_eq "rate limit: the rest is 429" "$(grep -c '^429$' "$T/rate.codes")" 3
# Both requests before any check: at 0.5/s a token comes back in 2 s, less
# than the checks below take on a loaded machine.
req r429 -X POST -H 'Content-Type: application/xml' --data-binary "@$T/valid.xml" "$U3/v1/verify" >/dev/null
req r429p "$U3/v/$SEAL_valid" >/dev/null
expect_problem r429 429 rate-limited
expect_grep "429: Retry-After" '^Retry-After: [1-9]' "$T/r429.hdr"
expect_eq "429 on the seal page: an HTML page" "$(verdict_of r429p)" none
expect_grep "429 page says to wait" 'Hãy đợi' "$T/r429p.body"
expect_eq "probes are not rate limited" "$(req rh "$U3/healthz")" 200
sleep 2.2
expect_eq "two seconds later (0.5/s), one more request is served" "$(req rok "$U3/v/$SEAL_valid")" 200
kill -TERM "$VPID_rate"

# --- SIGHUP, SIGTERM ------------------------------------------------------------------------------
kill -HUP "$VPID_main"
wait_for "reload logged" 50 grep -q '"event":"reload"' "$VLOG"
expect_eq "after SIGHUP: still verifying" "$(api hup "$T/valid.xml")" 200
cp "$CONF" "$CONF.good"
conf_set "$CONF" trust anchors "$T/missing.pem"
kill -HUP "$VPID_main"
wait_for "reload_failed logged" 50 grep -q '"event":"reload_failed"' "$VLOG"
expect_grep "reload_failed names the file" '"event":"reload_failed".*missing.pem' "$VLOG"
expect_eq "after a failed reload: the old trust list still serves" "$(api hup2 "$T/valid.xml")" 200
expect_eq "...with the same verdict" "$(jq_ hup2 'j["verdict"]')" valid
cp "$CONF.good" "$CONF"
# A rate limit the daemon could not start with is refused by a reload too.
conf_set "$CONF" verifyd rate_limit nonsense
n_failed=$(grep -c '"event":"reload_failed"' "$VLOG")
kill -HUP "$VPID_main"
wait_for "second reload_failed logged" 50 test "$(grep -c '"event":"reload_failed"' "$VLOG")" -gt "$n_failed"
expect_grep "reload_failed names rate_limit" '"event":"reload_failed".*rate_limit must be a number' "$VLOG"
expect_eq "after the refused reload: still verifying" "$(api hup3 "$T/valid.xml")" 200
cp "$CONF.good" "$CONF"
# A slow upload in flight when SIGTERM comes is still answered.
cp "$T/valid.xml" "$T/slow.xml"
curl -s --max-time 30 --limit-rate 2k -o "$T/slow.body" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/xml' --data-binary "@$T/slow.xml" "$VURL/v1/verify" >"$T/slow.status" &
SLOW=$!
sleep 1
kill -TERM "$VPID_main"
wait "$SLOW"
expect_eq "a request in flight at SIGTERM is answered" "$(cat "$T/slow.status")" 200
for ((i = 0; i < 100; i++)); do kill -0 "$VPID_main" 2>/dev/null || break; sleep 0.1; done
wait "$VPID_main"
expect_eq "SIGTERM: exit 0" "$?" 0
expect_grep "stop logged with nothing unfinished" '"event":"stop","unfinished":0' "$VLOG"
check "the whole log, to the stop, is JSON lines" json_lines "$VLOG"
