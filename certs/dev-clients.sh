#!/bin/bash
# certs/dev-clients.sh — the development client systems of civseal-signd.
#
# Writes, under var/dev/ (made by certs/dev-setup.sh first):
#   client.token       bearer token allowed for every dev office (mode 0600)
#   client-one.token   bearer token allowed for 01-BADINH only (mode 0600)
#   clients.conf       the clients file: names, SHA-256 of each token, offices
# and adds "clients = clients.conf" to [signd] of civseal.conf when missing.
#
# Idempotent: existing tokens are kept (a running client keeps working);
# clients.conf is rewritten from them.  Tokens are 32 random bytes in
# unpadded base64url; only their hashes go into clients.conf.  A token is
# never printed.
set -eu
umask 077

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEV=$ROOT/var/dev
CONF=$DEV/civseal.conf

if [ ! -f "$CONF" ]; then
	echo "dev-clients.sh: $CONF is missing; run certs/dev-setup.sh (make dev) first" >&2
	exit 1
fi

# token FILE: create FILE with a fresh token unless it holds a good one.
token() {
	local f=$1
	if [ -f "$f" ] && grep -qE '^[A-Za-z0-9_-]{43,128}$' "$f"; then
		chmod 600 "$f"
		return
	fi
	openssl rand 32 | basenc --base64url | tr -d '=\n' >"$f.tmp"
	chmod 600 "$f.tmp"
	mv "$f.tmp" "$f"
}

# hash FILE: "sha256:<hex>" of the token text (without a newline).
hash() {
	printf 'sha256:%s' "$(tr -d '\n' <"$1" | sha256sum | cut -d' ' -f1)"
}

token "$DEV/client.token"
token "$DEV/client-one.token"

tmp=$DEV/clients.conf.tmp
cat >"$tmp" <<TXT
# civseal-signd clients, made by certs/dev-clients.sh (format: docs/api.md).
# name           token hash (SHA-256 of the bearer token)                           offices
dev-registry     $(hash "$DEV/client.token")  *
dev-badinh       $(hash "$DEV/client-one.token")  01-BADINH
TXT
chmod 644 "$tmp"
mv "$tmp" "$DEV/clients.conf"

# [signd] clients = clients.conf, once.
if ! awk '/^\[signd\]/{s=1; next} /^\[/{s=0} s && /^[ \t]*clients[ \t]*=/{found=1} END{exit !found}' "$CONF"; then
	if grep -q '^\[signd\]' "$CONF"; then
		sed -i '/^\[signd\]/a clients = clients.conf' "$CONF"
	else
		printf '\n[signd]\nlisten = 127.0.0.1:8441\nclients = clients.conf\n' >>"$CONF"
	fi
fi
echo "dev-clients.sh: $DEV/clients.conf (dev-registry: client.token, all offices; dev-badinh: client-one.token, 01-BADINH)"
