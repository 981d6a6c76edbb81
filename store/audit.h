/*
 * store/audit.h — the register's hash-chained audit log, the same for every
 * backend: the entry hash, appending an entry inside a write transaction,
 * and verifying the whole chain against the register (store/audit.c).
 * Internal to store/.
 */
#ifndef CS_STORE_AUDIT_H
#define CS_STORE_AUDIT_H

#include <stddef.h>

#include "core/err.h"
#include "store/backend.h"

#define CS_AUDIT_DETAIL_MAX 2048

/*
 * The detail of an entry (the fields the verification compares with the
 * document row) as compact JSON with sorted keys, from a json_pack format.
 * CS_E_INVALID when a value is not UTF-8 or the text is too long.
 */
int cs_audit_detail(char out[CS_AUDIT_DETAIL_MAX], struct cs_err *err,
    const char *fmt, ...);

/*
 * Append one entry after *head, on c inside its write transaction, and
 * advance *head.  The head row itself is written by the caller, once per
 * transaction (ops->head_set).
 */
int cs_audit_append(const struct cs_store_ops *ops, struct cs_store_conn *c,
    struct cs_audit_head *head, const char *ts, const char *event,
    const char *doc_id, const char *client, const char *office,
    const char *detail, struct cs_err *err);

/*
 * Recompute the chain and replay it against every document, in one read
 * snapshot of c; see cs_store_audit_verify.  *entries counts the entries
 * proven before any failure.
 */
int cs_audit_verify(const struct cs_store_ops *ops, struct cs_store_conn *c,
    size_t *entries, struct cs_err *err);

#endif
