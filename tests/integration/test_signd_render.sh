#!/bin/bash
# civseal-signd rendering routes on loopback with the dev token and a fresh
# register: GET /v1/documents/{id}.html, {id}.pdf, {id}/qr.svg, {id}/qr.png
# for both document types — content types, one A4 page, the QR PNG decoded
# by zbar to exactly "<[verifyd] base_url>/v/<Header/Seal>"; the same
# authorisation as the XML (401, another office's document is 404); 404
# no-seal for a document without a seal; 405; concurrent renders give the
# same bytes; a base_url the QR cannot hold stops the daemon at start.
source "$(dirname "$0")/../lib.sh"

if [ ! -f "$DEV/client.token" ] || [ ! -f "$DEV/client-one.token" ] ||
	! grep -qE '^[ \t]*clients[ \t]*=' "$DEV/civseal.conf"; then
	"$ROOT/certs/dev-clients.sh" >/dev/null
fi
TOK=$(cat "$DEV/client.token")
TOK1=$(cat "$DEV/client-one.token")	# 01-BADINH only

CONF=$T/civseal.conf
DB=$T/register.db
dev_conf "$CONF"
sed -i "s|^path *=.*|path = $DB|" "$CONF"
BASE=$(sed -n 's/^[ \t]*base_url[ \t]*=[ \t]*//p' "$CONF" | head -n 1)
LOG=$T/signd.log
SIGND=${CIVSEAL_SIGND:-$BIN/civseal-signd}
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
PID=
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; true' EXIT

# get NAME TOKEN PATH [curl args]: status printed; $T/NAME.{hdr,body}.
get() {
	local name=$1 tok=$2 path=$3
	shift 3
	curl -s --max-time 60 -o "$T/$name.body" -D "$T/$name.hdr" -w '%{http_code}' \
		${tok:+-H "Authorization: Bearer $tok"} "$@" "$URL$path"
}
issue() {	# issue SAMPLE: prints the new document's id
	curl -s --max-time 60 -X POST -H "Authorization: Bearer $TOK" \
		-H 'Content-Type: application/json' --data-binary "@$SAMPLES/$1.json" \
		"$URL/v1/documents" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
header() { tr -d '\r' <"$T/$1.hdr" | sed -n "s/^$2: //Ip" | head -n 1; }

"$SIGND" --config "$CONF" --listen "127.0.0.1:$PORT" 2>>"$LOG" &
PID=$!
wait_for "civseal-signd /healthz" 100 curl -sf "$URL/healthz" || exit 1
check "civseal-signd answers /healthz" curl -sf "$URL/healthz"

BIRTH=$(issue birth-01)
DEATH=$(issue death-01)
OTHER=$(issue birth-02)		# 48-HOACUONGBAC: not client-one's office
for v in BIRTH DEATH OTHER; do
	check "$v issued" grep -qE '^[0-9a-f-]{36}$' <<<"${!v}"
done

for doc in "$BIRTH birth-01 child" "$DEATH death-01 deceased"; do
	read -r id sample who <<<"$doc"
	get "$id-xml" "$TOK" "/v1/documents/$id" >/dev/null
	seal=$(xmllint --xpath "string(/*/*[local-name()='Header']/*[local-name()='Seal'])" "$T/$id-xml.body")
	# The holder's name as submitted (the sample), not as the daemon wrote it.
	holder=$(json_get "$SAMPLES/$sample.json" "j['$who']['full_name']")
	check "$id: the holder's name in $sample.json is not empty" test -n "$holder"
	expect_eq "$id: the signed XML names the holder as submitted" \
		"$(xmllint --xpath "string(/*/*[local-name()='Child' or local-name()='Deceased']/*[local-name()='FullName'])" "$T/$id-xml.body")" "$holder"
	HOLDER=$(python3 -c 'import sys; print(sys.argv[1].upper())' "$holder")
	check "$id: the holder's name in capitals is not empty" test -n "$HOLDER"

	expect_eq "$id.html: 200" "$(get "$id-html" "$TOK" "/v1/documents/$id.html")" 200
	expect_eq "$id.html: text/html; charset=utf-8" "$(header "$id-html" Content-Type)" "text/html; charset=utf-8"
	check "$id.html: well-formed" xmllint --noout --nonet "$T/$id-html.body"
	expect_grep "$id.html: holder in capitals" "$HOLDER" "$T/$id-html.body"
	expect_grep "$id.html: inline QR" '<svg xmlns="http://www.w3.org/2000/svg"' "$T/$id-html.body"
	# The daemon and the CLI give the same page for the same document.
	"$BIN/civseal" render --format html --base-url "$BASE" -o "$T/$id-cli.html" "$T/$id-xml.body"
	check "$id.html: same bytes as civseal render" cmp "$T/$id-html.body" "$T/$id-cli.html"

	expect_eq "$id.pdf: 200" "$(get "$id-pdf" "$TOK" "/v1/documents/$id.pdf")" 200
	expect_eq "$id.pdf: application/pdf" "$(header "$id-pdf" Content-Type)" application/pdf
	expect_grep "$id.pdf: inline, named by id" "^Content-Disposition: inline; filename=\"$id.pdf\"" "$T/$id-pdf.hdr"
	pdfinfo "$T/$id-pdf.body" >"$T/$id.info" 2>&1
	expect_grep "$id.pdf: one page" '^Pages: +1$' "$T/$id.info"
	expect_grep "$id.pdf: A4" '^Page size: +595.28 x 841.89 pts' "$T/$id.info"

	expect_eq "$id/qr.svg: 200" "$(get "$id-svg" "$TOK" "/v1/documents/$id/qr.svg")" 200
	expect_eq "$id/qr.svg: image/svg+xml" "$(header "$id-svg" Content-Type)" image/svg+xml
	check "$id/qr.svg: well-formed SVG" xmllint --noout --nonet "$T/$id-svg.body"
	expect_grep "$id/qr.svg: crisp edges" 'shape-rendering="crispEdges"' "$T/$id-svg.body"

	expect_eq "$id/qr.png: 200" "$(get "$id-png" "$TOK" "/v1/documents/$id/qr.png")" 200
	expect_eq "$id/qr.png: image/png" "$(header "$id-png" Content-Type)" image/png
	cp "$T/$id-png.body" "$T/$id.png"
	expect_eq "$id/qr.png: zbar reads <base_url>/v/<seal>" \
		"$(zbarimg --raw -q "$T/$id.png" 2>/dev/null)" "$BASE/v/$seal"
	expect_eq "$id/qr.png: HEAD 200" "$(get "$id-head" "$TOK" "/v1/documents/$id/qr.png" -I)" 200
done

# --- authorisation: as for GET /v1/documents/{id} ---------------------------
for r in .html .pdf /qr.svg /qr.png; do
	expect_eq "$r without a token: 401" "$(get noauth "" "/v1/documents/$BIRTH$r")" 401
	expect_eq "$r of another office's document: 404" "$(get other "$TOK1" "/v1/documents/$OTHER$r")" 404
	expect_no_grep "$r of another office: nothing of it shown" 'HOACUONG|PHAN MINH' "$T/other.body"
	expect_eq "$r of an unknown id: 404" "$(get unknown "$TOK" "/v1/documents/01234567-89ab-7def-8123-456789abcdef$r")" 404
	expect_eq "POST $r: 405" "$(get post "$TOK" "/v1/documents/$BIRTH$r" -X POST)" 405
done
expect_eq "client-one renders its own office's document" "$(get own "$TOK1" "/v1/documents/$BIRTH.pdf")" 200
expect_eq "a suffix that is not a route: 404" "$(get junk "$TOK" "/v1/documents/$BIRTH.txt")" 404
expect_eq "qr.svg without the slash: 404" "$(get junk2 "$TOK" "/v1/documents/${BIRTH}qr.svg")" 404

# --- a document without a seal (issued before seals existed) -----------------
NOSEAL=$(issue birth-03)
sqlite3 "$DB" "UPDATE documents SET xml = CAST(replace(CAST(xml AS TEXT), substr(CAST(xml AS TEXT), instr(CAST(xml AS TEXT), '<Seal>'), instr(CAST(xml AS TEXT), '</Seal>') + 7 - instr(CAST(xml AS TEXT), '<Seal>')), '') AS BLOB) WHERE id = '$NOSEAL'"
get noseal-xml "$TOK" "/v1/documents/$NOSEAL" >/dev/null
expect_no_grep "the register copy has no seal now" '<Seal>' "$T/noseal-xml.body"
for r in /qr.svg /qr.png; do
	expect_eq "$r without a seal: 404" "$(get noseal "$TOK" "/v1/documents/$NOSEAL$r")" 404
	expect_eq "$r without a seal: code no-seal" "$(json_get "$T/noseal.body" 'j["code"]')" no-seal
done
expect_eq "the page of a document without a seal: 200" "$(get noseal-html "$TOK" "/v1/documents/$NOSEAL.html")" 200
expect_no_grep "... and without a QR" '<svg' "$T/noseal-html.body"

# --- concurrent renders: every one answered, the same bytes -----------------
pids=()
for ((i = 0; i < 12; i++)); do
	curl -s --max-time 120 -o "$T/par-$i.pdf" -w '%{http_code}\n' \
		-H "Authorization: Bearer $TOK" "$URL/v1/documents/$DEATH.pdf" >"$T/par-$i.status" &
	pids+=($!)
done
wait "${pids[@]}"	# not the daemon's PID
same=0
for ((i = 0; i < 12; i++)); do
	[ "$(cat "$T/par-$i.status")" = 200 ] && cmp -s "$T/par-$i.pdf" "$T/$DEATH-pdf.body" && same=$((same + 1))
done
expect_eq "12 concurrent PDF renders: all 200 and identical" "$same" 12

get metrics "" /metrics >/dev/null
expect_grep "/metrics labels the PDF route" 'route="/v1/documents/\{id\}\.pdf"' "$T/metrics.body"
check "the daemon is still up" kill -0 "$PID"
kill -TERM "$PID"
wait "$PID" 2>/dev/null
PID=

# --- a base URL the QR cannot hold stops the daemon at start -----------------
sed -i "s|^base_url *=.*|base_url = http://bad host/|" "$CONF"
expect_exit "bad [verifyd] base_url: refused at start" 2 timeout 30 "$SIGND" --config "$CONF" --listen "127.0.0.1:$PORT"
expect_grep "bad base_url: the setting and the cause are named" 'base_url.*space' "$T/err"
