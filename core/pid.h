/*
 * core/pid.h — the 12-digit personal identification number (số định danh cá
 * nhân), docs/domain.md §3: PPP G YY RRRRRR.
 *
 *   PPP     one of the 63 province codes of TT 07/2016 (where the birth was
 *           registered, not the place of birth); accepted forever, the 34
 *           post-2025 codes are a subset (decision 6); country codes
 *           for births registered abroad are out of scope (decision 3)
 *   G       sex and century: even male, odd female; G div 2 = century
 *           counted from 1900 (0/1 1900–1999, 2/3 2000–2099, ... 8/9 to 2399)
 *   YY      the last two digits of the year of birth
 *   RRRRRR  random
 *
 * The value is checked as given (after NFC): exactly 12 ASCII digits,
 * never fullwidth digits folded, never a JSON number (leading zeros).
 */
#ifndef CS_PID_H
#define CS_PID_H

#include "core/doc.h"
#include "core/err.h"

#define CS_PID_LEN 12

/*
 * Structure only, for a person whose sex and birth year are unknown (the
 * declarant): 12 ASCII digits and a province prefix.  0 or CS_E_INVALID with
 * err->msg naming the rule (without the field name).
 */
int cs_pid_check_structure(const char *pid, struct cs_err *err);

/*
 * Structure, then consistency with the person: the sex digit against gender
 * (CS_GENDER_NONE: not checked), the century digit and year digits against
 * birth_year (0: not checked).  Every inconsistency goes into one message,
 * e.g. "sex digit 2 (male, 2000–2099) contradicts gender female".
 */
int cs_pid_check_person(const char *pid, enum cs_gender gender,
    int birth_year, struct cs_err *err);

/*
 * The province of a 3-digit prefix ("001" → "Hà Nội") as named in the
 * TT 07/2016 annex, or NULL when it is not one of the 63 codes.
 */
const char *cs_pid_province(const char *prefix);

#endif
