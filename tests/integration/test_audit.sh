#!/bin/bash
# tests/integration/test_audit.sh — civseal audit verify on a real register.
#
# No product command writes documents yet (the daemon does, later), so the
# register is made by the unit test binary: CS_TEST_KEEP_DB=PATH makes
# build/tests/test_store run only test_keep_db_for_integration, which leaves
# an intact register at PATH (6 documents, one revoked: 7 audit entries).
# Tampering is done the way an intruder would, with the sqlite3 CLI.
source "$(dirname "$0")/../lib.sh"

CS=$BIN/civseal
MAKER=$ROOT/build/tests/test_store

# fresh NAME: an intact register at $T/NAME.db
fresh() {
	rm -f "$T/$1.db" "$T/$1.db-wal" "$T/$1.db-shm"
	CS_TEST_KEEP_DB=$T/$1.db "$MAKER" >"$T/maker.log" 2>&1
}

if [ ! -x "$MAKER" ] || ! fresh reg; then
	not_ok "build/tests/test_store makes a register (CS_TEST_KEEP_DB)"
	sed 's/^/#   /' "$T/maker.log" 2>/dev/null | head -n 8
	exit 1
fi
ok "build/tests/test_store makes a register (CS_TEST_KEEP_DB)"

# A config naming the register, relative to the config's directory.
printf '[store]\npath = reg.db\n' >"$T/civseal.conf"

expect_exit "intact register: exit 0 (--config)" 0 \
	"$CS" audit verify --config "$T/civseal.conf"
expect_grep "intact register: entries counted" \
	'^audit chain intact: 7 entries$' "$T/out"
expect_exit "intact register: exit 0 (--db)" 0 "$CS" audit verify --db "$T/reg.db"
expect_grep "--db: entries counted" 'intact: 7 entries' "$T/out"
expect_eq "the register still holds 7 audit entries after verify" \
	"$(sqlite3 "$T/reg.db" 'SELECT count(*) FROM audit')" 7

# An audit entry edited in place.
sqlite3 "$T/reg.db" "UPDATE audit SET detail = '{\"status\":\"revoked\"}' WHERE seq = 3"
expect_exit "edited audit entry: exit 1" 1 "$CS" audit verify --config "$T/civseal.conf"
expect_grep "edited audit entry: names entry 3" 'entry 3 was altered' "$T/err"
expect_no_grep "edited audit entry: no 'intact' on stdout" 'intact' "$T/out"

# An entry removed from the middle.
fresh gap
sqlite3 "$T/gap.db" "DELETE FROM audit WHERE seq = 5"
expect_exit "deleted audit entry: exit 1" 1 "$CS" audit verify --db "$T/gap.db"
expect_grep "deleted audit entry: names the gap" \
	'entry 5 is missing \(sequence jumps from 4 to 6\)' "$T/err"

# The newest entry removed: no gap, but the head remembers it.
fresh tail
sqlite3 "$T/tail.db" "DELETE FROM audit WHERE seq = 7"
expect_exit "truncated audit log: exit 1" 1 "$CS" audit verify --db "$T/tail.db"
expect_grep "truncated audit log: said so" 'truncated' "$T/err"

# A document row edited: its digest, then its status.
fresh doc
sqlite3 "$T/doc.db" "UPDATE documents SET sha256 = '$(printf 'ab%.0s' {1..32})' WHERE reg_number = '2'"
expect_exit "edited document sha256: exit 1" 1 "$CS" audit verify --db "$T/doc.db"
expect_grep "edited document sha256: names the document" \
	'document 01900000-0000-7000-8000-000000000002 does not match audit entry 2' "$T/err"
fresh status
sqlite3 "$T/status.db" "UPDATE documents SET status = 'valid', status_reason = '', status_at = '' WHERE status = 'revoked'"
expect_exit "reinstated revoked document: exit 1" 1 "$CS" audit verify --db "$T/status.db"
expect_grep "reinstated revoked document: status named" 'status differs' "$T/err"

# Usage and I/O.
expect_exit "no --config or --db: exit 2" 2 "$CS" audit verify
expect_grep "no --config or --db: says what is needed" '--config FILE or --db FILE' "$T/err"
expect_exit "missing register file: exit 2" 2 "$CS" audit verify --db "$T/nope.db"
expect_grep "missing register file: names it" "$T/nope.db" "$T/err"
[ ! -e "$T/nope.db" ] && ok "read-only verify does not create a register" ||
	not_ok "read-only verify created $T/nope.db"
printf '[store]\n' >"$T/nostore.conf"
expect_exit "config without [store] path: exit 2" 2 "$CS" audit verify --config "$T/nostore.conf"
expect_grep "config without [store] path: says so" 'no \[store\] path' "$T/err"
expect_exit "missing config file: exit 2" 2 "$CS" audit verify --config "$T/none.conf"
printf 'not a database, just text\n' >"$T/junk.db"
expect_exit "a file that is not a database: exit 2" 2 "$CS" audit verify --db "$T/junk.db"
expect_grep "a file that is not a database: names it" 'junk.db' "$T/err"
expect_exit "unknown subcommand: exit 2" 2 "$CS" audit frobnicate
expect_exit "--help: exit 0" 0 "$CS" audit verify --help
expect_grep "--help: usage on stdout" '^usage: civseal audit verify' "$T/out"
