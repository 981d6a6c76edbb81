/*
 * cli/verdict.h — what `civseal verify` and `civseal verify-qr` share:
 * loading the verifier from --trust/--crl/--config, and printing a report.
 */
#ifndef CS_CLI_VERDICT_H
#define CS_CLI_VERDICT_H

#include "verifier/status.h"
#include "verifier/verifier.h"

/*
 * A verifier from trust and crl, or else from the [trust] section of the
 * config file (any may be NULL).  Prints one line naming the cause to
 * stderr, prefixed with prog, and returns -1 on failure.
 */
int cli_verifier_load(const char *prog, const char *trust, const char *crl,
    const char *config, struct verifier **out);

/* Warnings, then one line per failed check ("INVALID: …"), on stderr. */
void cli_print_reasons(const struct verifier_report *rep);

/*
 * The document's status in the register at path (--register; NULL: not
 * checked), applied to rep as civseal-verifyd applies it (verifier/status.h).
 * A register that cannot be opened leaves the status unavailable, with a
 * warning in the report.  -1 (message printed) on ENOMEM.
 */
int cli_status(const char *prog, const char *path,
    struct verifier_report *rep, struct verifier_status *st);

/*
 * The report with its register status as indented JSON on stdout (the
 * report civseal-verifyd answers), then the reasons on stderr; -1 on ENOMEM.
 */
int cli_print_json(const char *prog, const struct verifier_report *rep,
    const struct verifier_status *st);

/* "birth certificate" | "death extract" | "document" */
const char *cli_type_words(const char *type);

#endif
