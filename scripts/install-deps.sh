#!/bin/sh
# Install the Debian 12 packages civseal needs to build, run and test.
#   scripts/install-deps.sh            install what is missing (needs root)
#   scripts/install-deps.sh --ensure   same, silent when nothing is missing
set -eu

PACKAGES="
build-essential pkg-config make
libxml2-dev libxml2-utils libxslt1-dev xsltproc
libxmlsec1-dev libxmlsec1-openssl xmlsec1
libssl-dev openssl
libp11-dev libengine-pkcs11-openssl libp11-kit-dev softhsm2 opensc
libjansson-dev libutf8proc-dev
libsqlite3-dev sqlite3
libmicrohttpd-dev libqrencode-dev
libcmocka-dev
curl ca-certificates libcurl4-openssl-dev faketime
libzbar-dev zbar-tools
libcairo2-dev libpango1.0-dev libfontconfig-dev fonts-dejavu-core poppler-utils
wrk valgrind
chromium fonts-noto-core
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	[ "${1:-}" = "--ensure" ] || echo "install-deps: all packages present"
	exit 0
fi

echo "install-deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: not root; install these packages:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
