# tests/lib.sh — helpers for integration and interop scripts (bash).
# Source it; each assertion prints one TAP line, "ok - …" or "not ok - …".
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/build/bin
DEV=$ROOT/var/dev
# The example registrations (examples/README.md).  VALID_SAMPLES: those whose
# office holds a good dev certificate, which every verifier must accept;
# REVOKED_SAMPLE: the one of the office whose certificate certs/dev-setup.sh
# revokes, for the tests that show the refusal.
SAMPLES=$ROOT/examples
REVOKED_OFFICE=$(sed -n 's/^REVOKED=//p' "$ROOT/certs/dev-setup.sh")
VALID_SAMPLES=()
REVOKED_SAMPLE=
while IFS='|' read -r office file; do
	if [ "$office" = "$REVOKED_OFFICE" ]; then
		REVOKED_SAMPLE=$file
	else
		VALID_SAMPLES+=("$file")
	fi
done < <(python3 -c 'import glob, json, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
	print(json.load(open(f, encoding="utf-8"))["office"] + "|" + f)' "$SAMPLES")
T=$ROOT/build/test-tmp/$(basename "$0" .sh)
rm -rf "$T"
mkdir -p "$T"
export SOFTHSM2_CONF=$DEV/softhsm2.conf

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

# check DESC CMD...: passes when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@" >"$T/.out" 2>"$T/.err"; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/#   /' "$T/.err" | head -n 8
	fi
}

# expect_exit DESC WANT CMD...: passes when CMD exits with status WANT.
# Its stdout and stderr are left in $T/out and $T/err for later checks.
expect_exit() {
	local desc=$1 want=$2 got
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $got, want $want)"
		sed 's/^/#   /' "$T/err" | head -n 8
	fi
	return 0
}

# expect_grep DESC PATTERN FILE: passes when FILE matches the extended regex.
expect_grep() {
	if grep -qE -- "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1 (no /$2/ in $(basename "$3"))"
		sed 's/^/#   /' "$3" | head -n 8
	fi
}

# expect_no_grep DESC PATTERN FILE: passes when FILE does not match.
expect_no_grep() {
	if grep -qE -- "$2" "$3"; then
		not_ok "$1 (found /$2/ in $(basename "$3"))"
		grep -E -- "$2" "$3" | head -n 4 | sed 's/^/#   /'
	else
		ok "$1"
	fi
}

# expect_eq DESC GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (got '$2', want '$3')"
	fi
}

# wait_for DESC TRIES CMD...: poll CMD every 0.1 s, at most TRIES times.
wait_for() {
	local desc=$1 n=$2 i
	shift 2
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	not_ok "timed out waiting: $desc"
	return 1
}

# dev_conf DEST [REGISTER]: a copy of the dev config with every path made
# absolute, so that a test can change one setting in a file of its own.
# Its [store] path is REGISTER (default $T/register.db): a test issues into
# a register of its own, since a registration is issued once per register.
dev_conf() {
	awk -v dev="$DEV" -v reg="${2:-$T/register.db}" '
	/^[ \t]*path[ \t]*=/ { print "path = " reg; next }
	/^[ \t]*(pin_file|softhsm2_conf|anchors|crl|cert|seal_cert|chain|clients)[ \t]*=/ {
		split($0, kv, "=")
		key = kv[1]; val = substr($0, index($0, "=") + 1)
		gsub(/^[ \t]+|[ \t]+$/, "", val)
		if (val !~ /^\//) val = dev "/" val
		print key "= " val
		next
	}
	{ print }' "$DEV/civseal.conf" >"$1"
}

# json_get FILE EXPR: evaluate a Python expression on the JSON document j.
json_get() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# sample_with FILE PYTHON OUT: a sample modified by a Python statement on j.
sample_with() {
	python3 -c 'import json,sys,unicodedata
j=json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(j, open(sys.argv[3], "w"), ensure_ascii=False, indent=2)' "$1" "$2" "$3"
}

# office_key_type CODE: the key type certs/dev-setup.sh gives an office
# ("ec-p256", "rsa-2048"), or nothing for an office it does not make.
office_key_type() {
	sed -n "s/^[[:space:]]*\"$1|\([^|]*\)|.*/\1/p" "$ROOT/certs/dev-setup.sh"
}
