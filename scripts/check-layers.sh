#!/bin/sh
# scripts/check-layers.sh — the layering of the folders, checked on #include.
#
# Each folder is one library with one job and a list of the folders it may
# use.  An #include "X/…" of a folder not on the list fails the build with
# the file and line.  (The link lines in the Makefile are the other half:
# each program links only the archives it may use, so a call across the
# rules fails to link.)  The two daemons never include each other.
set -eu
cd "$(dirname "$0")/.."

# folder: the folders it may include (besides itself)
rules='
core:
store: core
pkcs11: core
tsa: core
signer: core store pkcs11 tsa
verifier: core store tsa
render: core
service: core
signd: core store pkcs11 signer render service
verifyd: core store verifier service
tsad: core pkcs11 tsa service
cli: core store pkcs11 tsa signer verifier render
'

bad=0
echo "$rules" | while IFS=: read -r dir allowed; do
	[ -n "$dir" ] || continue
	[ -d "$dir" ] || continue
	for f in "$dir"/*.c "$dir"/*.h; do
		[ -f "$f" ] || continue
		grep -n '^#include "[a-z0-9_]*/' "$f" | while IFS= read -r line; do
			inc=${line#*\"}
			to=${inc%%/*}
			[ "$to" = "$dir" ] && continue
			case " $allowed " in
			*" $to "*) ;;
			*)
				echo "check-layers: $f:${line%%:*}: $dir/ may not include $inc (allowed: $dir${allowed:+,}$allowed)" >&2
				echo bad
				;;
			esac
		done
	done
done | grep -q bad && bad=1
exit $bad
