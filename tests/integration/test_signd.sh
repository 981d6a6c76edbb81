#!/bin/bash
# civseal-signd on loopback with the dev token and a fresh register, driven
# with curl: issue, fetch and verify both document types (civseal verify and
# xmlsec1); every error status and its problem+json body; 50 concurrent
# retries with one Idempotency-Key; authorisation per office; revoke and
# status; /readyz with the register locked; /metrics; SIGHUP reload with a
# request in flight; SIGTERM under load loses no acknowledged document; the
# audit chain verifies afterwards.
source "$(dirname "$0")/../lib.sh"

# The dev client tokens (certs/dev-clients.sh; idempotent).
if [ ! -f "$DEV/client.token" ] || [ ! -f "$DEV/client-one.token" ] ||
	! grep -qE '^[ \t]*clients[ \t]*=' "$DEV/civseal.conf"; then
	"$ROOT/certs/dev-clients.sh" >/dev/null
fi
TOK=$(cat "$DEV/client.token")
TOK1=$(cat "$DEV/client-one.token")

CONF=$T/civseal.conf
DB=$T/register.db
dev_conf "$CONF"
cp "$DEV/clients.conf" "$T/clients.conf"
sed -i "s|^path *=.*|path = $DB|; s|^clients *=.*|clients = $T/clients.conf|" "$CONF"
LOG=$T/signd.log
SIGND=${CIVSEAL_SIGND:-$BIN/civseal-signd}	# e.g. a SANITIZE=1 build
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
PID=
LOCKPID=

cleanup() {
	[ -n "$LOCKPID" ] && kill "$LOCKPID" 2>/dev/null
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	exec 7>&- 2>/dev/null
	true
}
trap cleanup EXIT

start_signd() {
	"$SIGND" --config "$CONF" --listen "127.0.0.1:$PORT" 2>>"$LOG" &
	PID=$!
	wait_for "civseal-signd /healthz" 100 curl -sf "$URL/healthz"
}

# req NAME CURL-ARGS...: one request; status in $T/NAME.status, headers
# in $T/NAME.hdr, body in $T/NAME.body.
req() {
	local name=$1
	shift
	curl -s --max-time 30 -o "$T/$name.body" -D "$T/$name.hdr" -w '%{http_code}' "$@" >"$T/$name.status"
	cat "$T/$name.status"
}

post() {	# post NAME TOKEN FILE [more curl args]
	local name=$1 tok=$2 file=$3
	shift 3
	req "$name" -X POST -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data-binary "@$file" "$@" "$URL/v1/documents"
}

# expect_problem NAME STATUS CODE: status, problem+json type and code.
expect_problem() {
	local name=$1 want=$2 code=$3
	expect_eq "$name: status $want" "$(cat "$T/$name.status")" "$want"
	expect_grep "$name: application/problem+json" '^Content-Type: application/problem\+json' "$T/$name.hdr"
	expect_eq "$name: code $code" "$(json_get "$T/$name.body" 'j["code"]' 2>/dev/null)" "$code"
	expect_eq "$name: status member $want" "$(json_get "$T/$name.body" 'j["status"]' 2>/dev/null)" "$want"
	check "$name: type, title, detail present" \
		json_get "$T/$name.body" 'j["type"] and j["title"] and j["detail"] or sys.exit(1)'
}

start_signd || exit 1
req health "$URL/healthz" >/dev/null
expect_eq "GET /healthz 200" "$(cat "$T/health.status")" 200
expect_eq "/healthz says ok" "$(json_get "$T/health.body" 'j["status"]')" ok
expect_grep "the log is JSON lines with ts, level, event" '^\{"ts":"[0-9T:.-]+Z","level":"info","event":"start"' "$LOG"

# --- issue both document types, fetch, verify -----------------------------
for s in birth-01 death-01; do
	expect_eq "POST $s: 201" "$(post "$s" "$TOK" "$SAMPLES/$s.json")" 201
	id=$(json_get "$T/$s.body" 'j["id"]')
	expect_grep "$s: Location is /v1/documents/{id}" "^Location: /v1/documents/$id"$'\r'"?$" "$T/$s.hdr"
	check "$s: id, type, office, sha256, signed_at, links" json_get "$T/$s.body" \
		'(len(j["id"])==36 and j["type"] in ("birth","death") and j["office"] and len(j["sha256"])==64 and j["signed_at"].endswith("Z") and j["links"]["self"]=="/v1/documents/"+j["id"] and j["links"]["status"]=="/v1/documents/"+j["id"]+"/status") or sys.exit(1)'
	expect_eq "$s: type" "$(json_get "$T/$s.body" 'j["type"]')" "$(json_get "$SAMPLES/$s.json" 'j["type"]')"
	expect_eq "$s: office" "$(json_get "$T/$s.body" 'j["office"]')" "$(json_get "$SAMPLES/$s.json" 'j["office"]')"
	expect_eq "GET $s XML: 200" "$(req "$s-get" -H "Authorization: Bearer $TOK" "$URL/v1/documents/$id")" 200
	expect_grep "$s XML: application/xml" '^Content-Type: application/xml' "$T/$s-get.hdr"
	cp "$T/$s-get.body" "$T/$s.xml"
	expect_eq "$s XML: SHA-256 as announced" "$(sha256sum <"$T/$s.xml" | cut -d' ' -f1)" "$(json_get "$T/$s.body" 'j["sha256"]')"
	expect_exit "$s XML: civseal verify" 0 "$BIN/civseal" verify --config "$DEV/civseal.conf" "$T/$s.xml"
	expect_exit "$s XML: xmlsec1 --verify" 0 xmlsec1 --verify --trusted-pem "$DEV/trust.pem" --enabled-reference-uris empty "$T/$s.xml"
	expect_grep "$s: log line with client, office, doc, status, ms" \
		"\"event\":\"http_request\".*\"status\":201.*\"ms\":[0-9.]+.*\"client\":\"dev-registry\".*\"doc\":\"$id\"" "$LOG"
done
BIRTH_ID=$(json_get "$T/birth-01.body" 'j["id"]')
DEATH_ID=$(json_get "$T/death-01.body" 'j["id"]')

# --- errors ----------------------------------------------------------------
printf '{"type": "birth", "office": "01-BADINH", "registration": {' >"$T/trunc.json"
post e400 "$TOK" "$T/trunc.json" >/dev/null
expect_problem e400 400 malformed-json
expect_no_grep "400: the body is not reflected" 'registration' "$T/e400.body"
printf '{"type": "birth", "type": "death"}' >"$T/dup.json"
post e400dup "$TOK" "$T/dup.json" >/dev/null
expect_problem e400dup 400 malformed-json

req e401 -X POST -H 'Content-Type: application/json' --data-binary "@$SAMPLES/birth-02.json" "$URL/v1/documents" >/dev/null
expect_problem e401 401 missing-token
expect_grep "401 without token: WWW-Authenticate: Bearer" '^WWW-Authenticate: Bearer realm="civseal"' "$T/e401.hdr"
BADTOK=$(openssl rand 32 | basenc --base64url | tr -d '=\n')
post e401bad "$BADTOK" "$SAMPLES/birth-02.json" >/dev/null
expect_problem e401bad 401 invalid-token
expect_grep "401 bad token: error=invalid_token" 'error="invalid_token"' "$T/e401bad.hdr"
req e401get -H "Authorization: Bearer $BADTOK" "$URL/v1/documents/$BIRTH_ID" >/dev/null
expect_eq "GET with a bad token: 401" "$(cat "$T/e401get.status")" 401

# dev-badinh (client-one.token) may act for 01-BADINH only.
OFFICE2=$(json_get "$SAMPLES/birth-02.json" 'j["office"]')
check "birth-02 is for another office than 01-BADINH ($OFFICE2)" test "$OFFICE2" != 01-BADINH
post e403 "$TOK1" "$SAMPLES/birth-02.json" >/dev/null
expect_problem e403 403 office-not-allowed
expect_grep "403 names the client and the office" "dev-badinh may not act for office $OFFICE2" "$T/e403.body"
expect_eq "403: nothing registered for $OFFICE2" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM documents WHERE office='$OFFICE2'")" 0
expect_no_grep "403: no signing was logged for it" '"status":201[^}]*"client":"dev-badinh"' "$LOG"
sample_with "$SAMPLES/birth-01.json" 'j["registration"]["number"]="7050"' "$T/one.json"
expect_eq "client-one may sign for 01-BADINH" "$(post one "$TOK1" "$T/one.json")" 201
expect_eq "client-one reads its own office's document" \
	"$(req one-get -H "Authorization: Bearer $TOK1" "$URL/v1/documents/$(json_get "$T/one.body" 'j["id"]')/status")" 200

req e404 -H "Authorization: Bearer $TOK" "$URL/v1/documents/00000000-0000-7000-8000-000000000000" >/dev/null
expect_problem e404 404 not-found
req e404path "$URL/nowhere" >/dev/null
expect_problem e404path 404 not-found
req e404other -H "Authorization: Bearer $TOK1" "$URL/v1/documents/$DEATH_ID" >/dev/null
expect_problem e404other 404 not-found
req e404st -H "Authorization: Bearer $TOK1" "$URL/v1/documents/$DEATH_ID/status" >/dev/null
expect_eq "another office's status is 404 for client-one" "$(cat "$T/e404st.status")" 404

req e405 -H "Authorization: Bearer $TOK" "$URL/v1/documents" >/dev/null
expect_problem e405 405 method-not-allowed
expect_grep "405: Allow: POST" '^Allow: POST' "$T/e405.hdr"
req e405del -X DELETE -H "Authorization: Bearer $TOK" "$URL/v1/documents/$BIRTH_ID" >/dev/null
expect_problem e405del 405 method-not-allowed
expect_grep "405: Allow: GET, HEAD" '^Allow: GET, HEAD' "$T/e405del.hdr"

post e409reg "$TOK" "$SAMPLES/birth-01.json" >/dev/null
expect_problem e409reg 409 registration-exists
expect_eq "409 registration-exists: still one document for it" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM documents WHERE office='$(json_get "$SAMPLES/birth-01.json" 'j["office"]')' AND reg_number='$(json_get "$SAMPLES/birth-01.json" 'j["registration"]["number"]')'")" 1
sample_with "$SAMPLES/birth-02.json" 'j["registration"]["number"]="7001"' "$T/k1.json"
sample_with "$SAMPLES/birth-02.json" 'j["registration"]["number"]="7002"' "$T/k2.json"
expect_eq "Idempotency-Key first use: 201" "$(post k1 "$TOK" "$T/k1.json" -H 'Idempotency-Key: key-409')" 201
expect_eq "same key, same body: 200" "$(post k1b "$TOK" "$T/k1.json" -H 'Idempotency-Key: key-409')" 200
expect_eq "same key, same body: the same document" "$(json_get "$T/k1b.body" 'j["id"]')" "$(json_get "$T/k1.body" 'j["id"]')"
post e409key "$TOK" "$T/k2.json" -H 'Idempotency-Key: key-409' >/dev/null
expect_problem e409key 409 idempotency-key-reused
expect_eq "the key is per client: client-one may not reuse it for 48-…" \
	"$(post k1c "$TOK1" "$T/k1.json" -H 'Idempotency-Key: key-409')" 403
post e400key "$TOK" "$T/k2.json" -H "Idempotency-Key: $(printf 'x%.0s' {1..256})" >/dev/null
expect_problem e400key 400 invalid-idempotency-key

head -c 300000 /dev/zero | tr '\0' ' ' >"$T/big.json"
post e413 "$TOK" "$T/big.json" >/dev/null
expect_problem e413 413 body-too-large
post e413chunked "$TOK" "$T/big.json" -H 'Transfer-Encoding: chunked' >/dev/null
expect_problem e413chunked 413 body-too-large

req e415 -X POST -H "Authorization: Bearer $TOK" -H 'Content-Type: text/plain' \
	--data-binary "@$SAMPLES/birth-02.json" "$URL/v1/documents" >/dev/null
expect_problem e415 415 unsupported-media-type
req e415none -X POST -H "Authorization: Bearer $TOK" -H 'Content-Type:' \
	--data-binary "@$SAMPLES/birth-02.json" "$URL/v1/documents" >/dev/null
expect_eq "no Content-Type: 415" "$(cat "$T/e415none.status")" 415

sample_with "$SAMPLES/birth-01.json" \
	'j["registration"]["number"]="7100"; j["child"]["gender"]="male"' "$T/bad.json"
post e422 "$TOK" "$T/bad.json" >/dev/null
expect_problem e422 422 validation-failed
check "422: errors[] names /child/personal_id" json_get "$T/e422.body" \
	'any(e["pointer"]=="/child/personal_id" and e["detail"] for e in j["errors"]) or sys.exit(1)'
sample_with "$SAMPLES/birth-01.json" 'del j["office"]' "$T/nooffice.json"
post e422office "$TOK" "$T/nooffice.json" >/dev/null
expect_problem e422office 422 validation-failed
check "422 without office: pointer /office" json_get "$T/e422office.body" \
	'any(e["pointer"]=="/office" for e in j["errors"]) or sys.exit(1)'
sample_with "$SAMPLES/birth-01.json" 'j["office"]="99-NOWHERE"' "$T/nowhere.json"
post e422nowhere "$TOK" "$T/nowhere.json" >/dev/null
expect_problem e422nowhere 422 validation-failed
post e403nowhere "$TOK1" "$T/nowhere.json" >/dev/null
expect_problem e403nowhere 403 office-not-allowed
expect_no_grep "no token in the log" "$TOK|$TOK1|$BADTOK" "$LOG"

# --- 50 concurrent retries with one Idempotency-Key ------------------------
sample_with "$SAMPLES/death-02.json" 'j["registration"]["number"]="7200"' "$T/conc.json"
mkdir -p "$T/conc"
pids=()
for i in $(seq 1 50); do
	curl -s --max-time 60 -o "$T/conc/$i.body" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
		-H 'Idempotency-Key: concurrent-50' --data-binary "@$T/conc.json" \
		"$URL/v1/documents" >"$T/conc/$i.status" &
	pids+=($!)
done
wait "${pids[@]}"
expect_eq "50 retries: one 201" "$(grep -lx 201 "$T"/conc/*.status | wc -l)" 1
expect_eq "50 retries: 49 × 200" "$(grep -lx 200 "$T"/conc/*.status | wc -l)" 49
expect_eq "50 retries: one distinct id" \
	"$(cat "$T"/conc/*.body | python3 -c 'import sys,json; print(len({json.loads(l)["id"] for l in sys.stdin.read().replace("}{","}\n{").splitlines() if l.strip()}))')" 1
expect_eq "50 retries: one row in the register" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM documents WHERE idem_key='concurrent-50'")" 1

# --- revoke and status --------------------------------------------------------
rv() {	# rv NAME TOKEN ID JSON
	req "$1" -X POST -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
		--data-binary "$4" "$URL/v1/documents/$3/revoke"
}
expect_eq "status of a new document: 200" "$(req st0 -H "Authorization: Bearer $TOK" "$URL/v1/documents/$DEATH_ID/status")" 200
expect_eq "status: valid" "$(json_get "$T/st0.body" 'j["status"]')" valid
rv rv403 "$TOK1" "$DEATH_ID" '{"reason":"x"}' >/dev/null
expect_eq "client-one cannot revoke another office's document (404)" "$(cat "$T/rv403.status")" 404
rv rv422 "$TOK" "$DEATH_ID" '{"why":"x"}' >/dev/null
expect_problem rv422 422 validation-failed
check "revoke with an unknown member: pointer /why" json_get "$T/rv422.body" 'j["errors"][0]["pointer"]=="/why" or sys.exit(1)'
rv rv422b "$TOK" "$DEATH_ID" "{\"reason\":\"$(printf 'a%.0s' {1..257})\"}" >/dev/null
check "revoke with a 257-character reason: 422 /reason" json_get "$T/rv422b.body" 'j["errors"][0]["pointer"]=="/reason" or sys.exit(1)'
expect_eq "revoke: 200" "$(rv rv "$TOK" "$DEATH_ID" '{"reason":"Ghi sai ngày mất"}')" 200
expect_eq "revoke answers the status: revoked" "$(json_get "$T/rv.body" 'j["status"]')" revoked
req st1 -H "Authorization: Bearer $TOK" "$URL/v1/documents/$DEATH_ID/status" >/dev/null
check "status after revoke: revoked, reason, revoked_at" json_get "$T/st1.body" \
	'(j["id"]=="'"$DEATH_ID"'" and j["status"]=="revoked" and j["reason"]=="Ghi sai ngày mất" and j["revoked_at"]) or sys.exit(1)'
rv rv409 "$TOK" "$DEATH_ID" '{"reason":"again"}' >/dev/null
expect_problem rv409 409 document-not-valid
K1_ID=$(json_get "$T/k1.body" 'j["id"]')
expect_eq "supersede: 200" "$(rv sup "$TOK" "$BIRTH_ID" "{\"reason\":\"Cấp lại\",\"superseded_by\":\"$K1_ID\"}")" 200
check "status: superseded, superseded_by" json_get "$T/sup.body" \
	'(j["status"]=="superseded" and j["superseded_by"]=="'"$K1_ID"'") or sys.exit(1)'

# --- readiness ---------------------------------------------------------------
expect_eq "GET /readyz: 200" "$(req ready "$URL/readyz")" 200
# A writer holding the register's lock (a stuck migration, a backup tool).
mkfifo "$T/lockfifo"
sqlite3 "$DB" <"$T/lockfifo" >/dev/null 2>&1 &
LOCKPID=$!
exec 7>"$T/lockfifo"
echo 'BEGIN EXCLUSIVE; SELECT 1;' >&7
sleep 0.2
req notready "$URL/readyz" >/dev/null
expect_problem notready 503 not-ready
expect_grep "503 /readyz names the register" '"detail":"register: ' "$T/notready.body"
expect_grep "503 /readyz: Retry-After" '^Retry-After: [0-9]+' "$T/notready.hdr"
echo 'ROLLBACK;' >&7
exec 7>&-
wait "$LOCKPID" 2>/dev/null
LOCKPID=
expect_eq "GET /readyz after the lock is gone: 200" "$(req ready2 "$URL/readyz")" 200

# --- metrics -----------------------------------------------------------------
expect_eq "GET /metrics: 200" "$(req metrics "$URL/metrics")" 200
expect_grep "metrics: text format 0.0.4" '^Content-Type: text/plain; version=0.0.4' "$T/metrics.hdr"
for m in 'civseal_http_requests_total\{route="/v1/documents",status="201"\} [1-9]' \
	'civseal_http_requests_total\{route="/v1/documents",status="409"\} [1-9]' \
	'civseal_sign_seconds_bucket\{le="\+Inf"\} [1-9]' 'civseal_sign_seconds_count [1-9]' \
	'civseal_hsm_errors_total 0' 'civseal_documents_issued_total\{type="birth"\} [1-9]' \
	'civseal_documents_issued_total\{type="death"\} [1-9]' 'civseal_store_commits_total [1-9]' \
	'civseal_store_commit_seconds_sum [0-9]' '# TYPE civseal_sign_seconds histogram'; do
	expect_grep "metrics: /$m/" "^$m" "$T/metrics.body"
done

# --- SIGHUP: new client, with a request in flight -----------------------------
NEWTOK=$(openssl rand 32 | basenc --base64url | tr -d '=\n')
# Allowed death-01's office (and 10-TAVAN), not birth-02's (k1.json).
printf 'new-client sha256:%s 10-TAVAN,%s\n' "$(printf %s "$NEWTOK" | sha256sum | cut -d' ' -f1)" \
	"$(json_get "$SAMPLES/death-01.json" 'j["office"]')" >>"$T/clients.conf"
post hupnew0 "$NEWTOK" "$T/k1.json" >/dev/null
expect_eq "before SIGHUP the new token is refused" "$(cat "$T/hupnew0.status")" 401
# A slow upload (padded with JSON whitespace) is in flight across the reload.
sample_with "$SAMPLES/birth-01.json" 'j["registration"]["number"]="7300"' "$T/slow.json"
head -c 12000 /dev/zero | tr '\0' ' ' >>"$T/slow.json"
post slow "$TOK" "$T/slow.json" --limit-rate 4k >/dev/null &
SLOWPID=$!
sleep 1
kill -HUP "$PID"
wait_for "reload logged" 50 grep -q '"event":"reload"' "$LOG"
sample_with "$SAMPLES/death-01.json" 'j["registration"]["number"]="7301"' "$T/hup.json"
expect_eq "after SIGHUP the new client signs for its office" "$(post hupnew "$NEWTOK" "$T/hup.json")" 201
expect_eq "after SIGHUP the new client is limited to its offices" "$(post hupnew403 "$NEWTOK" "$T/k1.json")" 403
expect_eq "after SIGHUP the old token still works" "$(req hupold -H "Authorization: Bearer $TOK" "$URL/v1/documents/$BIRTH_ID/status")" 200
wait "$SLOWPID"
expect_eq "the request in flight during SIGHUP completed: 201" "$(cat "$T/slow.status")" 201
check "the daemon survived SIGHUP" kill -0 "$PID"
# A broken clients file: the reload is refused, the old list stays.
cp "$T/clients.conf" "$T/clients.good"
echo 'broken-line' >>"$T/clients.conf"
kill -HUP "$PID"
wait_for "reload_failed logged" 50 grep -q '"event":"reload_failed"' "$LOG"
expect_grep "reload_failed names file:line" '"event":"reload_failed".*clients.conf:[0-9]+' "$LOG"
expect_eq "after a failed reload the new client still works" "$(req hupkeep -H "Authorization: Bearer $NEWTOK" "$URL/v1/documents/$(json_get "$T/hupnew.body" 'j["id"]')/status")" 200
cp "$T/clients.good" "$T/clients.conf"

# --- SIGTERM under load -----------------------------------------------------
# 40 requests: the first 10 upload slowly (padded with JSON whitespace), so
# they are surely in flight when SIGTERM comes; they must still be answered.
mkdir -p "$T/load"
pids=()
for i in $(seq 1 40); do
	sample_with "$SAMPLES/birth-03.json" "j['registration']['number']='8$i'" "$T/load/$i.json"
	[ "$i" -le 10 ] && head -c 6000 /dev/zero | tr '\0' ' ' >>"$T/load/$i.json"
done
for i in $(seq 1 40); do
	rate=()
	[ "$i" -le 10 ] && rate=(--limit-rate 3k)
	curl -s --max-time 60 "${rate[@]}" -o "$T/load/$i.body" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
		--data-binary "@$T/load/$i.json" "$URL/v1/documents" >"$T/load/$i.status" 2>/dev/null &
	pids+=($!)
done
answered() { [ "$(grep -lx 201 "$T"/load/*.status 2>/dev/null | wc -l)" -ge 5 ]; }
wait_for "5 answers under load" 300 answered
kill -TERM "$PID"
for ((i = 0; i < 600; i++)); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
wait "$PID"
rc=$?
PID=
expect_eq "SIGTERM under load: exit 0" "$rc" 0
wait "${pids[@]}"
n201=$(grep -lx 201 "$T"/load/*.status | wc -l)
check "SIGTERM under load: some requests were acknowledged ($n201)" test "$n201" -ge 5
expect_eq "the 10 slow uploads in flight at SIGTERM were all answered 201" \
	"$(cat "$T"/load/{1..10}.status | grep -o 201 | wc -l)" 10
expect_grep "stop logged with no unfinished request" '"event":"stop","unfinished":0' "$LOG"
start_signd || exit 1
unfetched=0 badsum=0 unverified=0 xunverified=0
for f in $(grep -lx 201 "$T"/load/*.status); do
	b=${f%.status}.body
	id=$(json_get "$b" 'j["id"]')
	if [ "$(req fetch -H "Authorization: Bearer $TOK" "$URL/v1/documents/$id")" != 200 ]; then
		unfetched=$((unfetched + 1))
		echo "#   $id acknowledged but not fetchable"
		continue
	fi
	[ "$(sha256sum <"$T/fetch.body" | cut -d' ' -f1)" = "$(json_get "$b" 'j["sha256"]')" ] ||
		badsum=$((badsum + 1))
	"$BIN/civseal" verify --config "$DEV/civseal.conf" "$T/fetch.body" >/dev/null 2>"$T/verify.err" ||
		{ unverified=$((unverified + 1)); sed 's/^/#   /' "$T/verify.err" | head -n 2; }
	xmlsec1 --verify --trusted-pem "$DEV/trust.pem" --enabled-reference-uris empty "$T/fetch.body" >/dev/null 2>&1 ||
		xunverified=$((xunverified + 1))
done
expect_eq "after restart every acknowledged document ($n201) is fetchable" "$unfetched" 0
expect_eq "...with the SHA-256 of its 201" "$badsum" 0
expect_eq "...and verifies with civseal verify" "$unverified" 0
expect_eq "...and verifies with xmlsec1" "$xunverified" 0
rows=$(sqlite3 "$DB" "SELECT count(*) FROM documents WHERE office='$(json_get "$SAMPLES/birth-03.json" 'j["office"]')' AND reg_number LIKE '8%'")
check "the register holds at least the $n201 acknowledged documents ($rows rows)" test "$rows" -ge "$n201"

# --- the audit chain ----------------------------------------------------------
kill -TERM "$PID"
wait "$PID"
PID=
if "$BIN/civseal" audit --help >/dev/null 2>&1; then
	expect_exit "civseal audit verify: the chain is intact" 0 "$BIN/civseal" audit verify --config "$CONF"
	seq=$(sqlite3 "$DB" "SELECT seq FROM audit ORDER BY seq LIMIT 1 OFFSET 3")
	sqlite3 "$DB" "UPDATE documents SET reg_number='9999' WHERE id=(SELECT doc_id FROM audit WHERE seq=$seq)"
	expect_exit "civseal audit verify after editing one row: exit 1" 1 "$BIN/civseal" audit verify --config "$CONF"
	check "the failure names the row" grep -qE "$(sqlite3 "$DB" "SELECT doc_id FROM audit WHERE seq=$seq")|entry $seq" "$T/err" "$T/out"
else
	not_ok "civseal audit is missing: the audit chain was not checked"
fi
