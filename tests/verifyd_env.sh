# tests/verifyd_env.sh — source after lib.sh: a register of its own, filled
# by the real civseal-signd on loopback (documents issued, one revoked, one
# superseded), and the real civseal-verifyd reading it.  Used by
# tests/integration/test_verifyd.sh and tests/browser/test_pages.sh.
#
# After vd_env_up:
#   CONF, DB                 the configuration and the register
#   SURL, VURL               civseal-signd and civseal-verifyd base URLs
#   VLOG, SLOG               their logs
#   $T/valid.xml ...         signed documents: valid, revoked, superseded,
#                            replacement, xss, hangbac (certificate revoked)
#   ID_<name>, SEAL_<name>   their ids and seals
#   vd_start NAME CONF PORT  start another verifyd (pid in VPID_NAME)

if [ ! -f "$DEV/client.token" ] || ! grep -qE '^[ \t]*clients[ \t]*=' "$DEV/civseal.conf"; then
	"$ROOT/certs/dev-clients.sh" >/dev/null
fi
TOK=$(cat "$DEV/client.token")
VERIFYD=${CIVSEAL_VERIFYD:-$BIN/civseal-verifyd}
PIDS=()

vd_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	true
}
trap vd_cleanup EXIT

free_port() {
	python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# conf_set FILE SECTION KEY VALUE: set a key in a section of a config copy.
conf_set() {
	python3 - "$@" <<'PY'
import re, sys
path, sec, key, val = sys.argv[1:5]
lines = open(path, encoding="utf-8").read().split("\n")
out, cur, done = [], None, False
for l in lines:
    m = re.match(r"^\[(.*)\]\s*$", l)
    if m:
        if cur == sec and not done:
            out.append(f"{key} = {val}"); done = True
        cur = m.group(1)
    elif cur == sec and re.match(rf"^\s*{re.escape(key)}\s*=", l):
        if not done:
            out.append(f"{key} = {val}"); done = True
        continue
    out.append(l)
if not done:
    if cur != sec:
        out.append(f"[{sec}]")
    out.append(f"{key} = {val}")
open(path, "w", encoding="utf-8").write("\n".join(out))
PY
}

# vd_start NAME CONF PORT: start civseal-verifyd, wait for /healthz.
vd_start() {
	local name=$1 conf=$2 port=$3 pid
	"$VERIFYD" --config "$conf" --listen "127.0.0.1:$port" 2>>"$T/verifyd-$name.log" &
	pid=$!
	PIDS+=("$pid")
	eval "VPID_$name=$pid"
	wait_for "civseal-verifyd $name /healthz" 100 curl -sf "http://127.0.0.1:$port/healthz"
}

# issue NAME JSON: POST to signd, fetch the XML to $T/NAME.xml, set ID_NAME.
issue() {
	local name=$1 json=$2 id
	curl -s -o "$T/$name.issued" -X POST -H "Authorization: Bearer $TOK" \
		-H 'Content-Type: application/json' --data-binary "@$json" "$SURL/v1/documents"
	id=$(json_get "$T/$name.issued" 'j["id"]' 2>/dev/null) || { not_ok "issue $name"; return 1; }
	curl -s -o "$T/$name.xml" -H "Authorization: Bearer $TOK" "$SURL/v1/documents/$id"
	eval "ID_$name=$id"
}

# seal_of FILE: the Header/Seal digits of a signed document.
seal_of() {
	xmllint --xpath 'string(//*[local-name()="Header"]/*[local-name()="Seal"])' "$1"
}

vd_env_up() {
	local sport vport n
	CONF=$T/civseal.conf
	DB=$T/register.db
	dev_conf "$CONF"
	sed -i "s|^path *=.*|path = $DB|" "$CONF"
	sport=$(free_port)
	vport=$(free_port)
	SURL=http://127.0.0.1:$sport
	VURL=http://127.0.0.1:$vport
	conf_set "$CONF" verifyd base_url "$VURL"
	# The main instance must not throttle the test itself.
	conf_set "$CONF" verifyd rate_limit 10000
	conf_set "$CONF" verifyd rate_burst 10000
	SLOG=$T/signd.log
	VLOG=$T/verifyd-main.log
	"$BIN/civseal-signd" --config "$CONF" --listen "127.0.0.1:$sport" 2>>"$SLOG" &
	PIDS+=($!)
	wait_for "civseal-signd /healthz" 100 curl -sf "$SURL/healthz" || return 1

	issue valid "$SAMPLES/birth-01.json" || return 1
	issue revoked "$SAMPLES/death-01.json" || return 1
	issue superseded "$SAMPLES/birth-02.json" || return 1
	sample_with "$SAMPLES/birth-02.json" 'j["registration"]["number"]="9002"' "$T/replacement.json"
	issue replacement "$T/replacement.json" || return 1
	# A genuine document whose holder's name is a script-injection attempt.
	sample_with "$SAMPLES/birth-03.json" \
		'j["child"]["full_name"]="<script>alert(1)</script> Lò \"Thị\" & <img src=x onerror=alert(2)>"' "$T/xss.json"
	issue xss "$T/xss.json" || return 1
	# The revoked office's example: its certificate is revoked
	# (keyCompromise) in the CRL.
	issue hangbac "$REVOKED_SAMPLE" || return 1
	curl -s -o "$T/rv.body" -X POST -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
		--data '{"reason":"Ghi sai ngày mất"}' "$SURL/v1/documents/$ID_revoked/revoke"
	curl -s -o "$T/sup.body" -X POST -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
		--data "{\"reason\":\"Cấp lại do sai tên cha\",\"superseded_by\":\"$ID_replacement\"}" \
		"$SURL/v1/documents/$ID_superseded/revoke"
	for n in valid revoked superseded replacement xss hangbac; do
		eval "SEAL_$n=\$(seal_of \"\$T/$n.xml\")"
	done
	vd_start main "$CONF" "$vport"
}
