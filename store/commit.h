/*
 * store/commit.h — the register's writes, the same for every backend:
 * group commit on the one writer connection, and what a put and a revoke
 * check and change inside the batch's transaction (store/commit.c).
 * Internal to store/; store/store.c checks the arguments first.
 */
#ifndef CS_STORE_COMMIT_H
#define CS_STORE_COMMIT_H

#include "core/err.h"
#include "store/backend.h"
#include "store/store.h"

struct cs_commit;

/*
 * The writer of a register: w, a writer connection of ops, is owned by the
 * result afterwards (and disconnected on failure too).  where names the
 * register in messages.
 */
int cs_commit_new(const struct cs_store_ops *ops, struct cs_store_conn *w,
    const char *where, struct cs_commit **out, struct cs_err *err);
void cs_commit_free(struct cs_commit *c);

/* cs_store_put and cs_store_revoke, once their arguments are checked. */
int cs_commit_put(struct cs_commit *c, const struct cs_store_doc *doc,
    struct cs_store_doc **existing, struct cs_err *err);
int cs_commit_revoke(struct cs_commit *c, const char *id, const char *reason,
    const char *superseded_by, const char *client, struct cs_err *err);

/* Prove the write lock can be taken (waits for a running batch). */
int cs_commit_ping(struct cs_commit *c, struct cs_err *err);

void cs_commit_stats(struct cs_commit *c, struct cs_store_stats *out);

#endif
