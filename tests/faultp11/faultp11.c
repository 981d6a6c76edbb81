/*
 * tests/faultp11/faultp11.c — a PKCS#11 v2.40 module for tests.  Every call
 * is forwarded to a real module (SoftHSM2 by default); on command, a call
 * fails with a chosen CKR_* value or hangs first.  The commands are lines in
 * a control file that the tests rewrite while the client runs; README.md
 * describes the format and the environment.
 *
 * Each call costs one stat(2) of the control file; the rules are read again
 * when the file's identity, size or times change.  A hang polls the file
 * every 50 ms and ends early when it changes, so a test can always release
 * a call it made hang.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#include "pkcs11/ckr.h"

#define FP_DEFAULT_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define FP_POLL_NS	(50L * 1000 * 1000)	/* control file poll in a hang */
#define FP_MAX_RULES	64
#define FP_PATH_MAX	4096
#define FP_CKR_MAX	0x200	/* CKR_FUNCTION_REJECTED, the last in 2.40 */

/*
 * Every function of the 2.40 list but C_GetFunctionList, in the order of
 * struct ck_function_list, with its parameters and arguments.
 *
 * R: an injected error replaces the call; the real module never sees it.
 * E: the call ends an operation (PKCS#11 2.40 section 5: a failed C_Sign,
 *    C_SignUpdate … terminates the active operation).  It is forwarded first
 *    and the error returned afterwards; the last argument then ends what
 *    the real module still holds open, so that the session's next *Init
 *    works, as it would after a real failure.
 */
#define FP_FUNCS(R, E) \
	R(C_Initialize, (CK_VOID_PTR a), (a)) \
	R(C_Finalize, (CK_VOID_PTR a), (a)) \
	R(C_GetInfo, (CK_INFO_PTR i), (i)) \
	R(C_GetSlotList, (CK_BBOOL p, CK_SLOT_ID_PTR l, CK_ULONG_PTR n), \
	    (p, l, n)) \
	R(C_GetSlotInfo, (CK_SLOT_ID id, CK_SLOT_INFO_PTR i), (id, i)) \
	R(C_GetTokenInfo, (CK_SLOT_ID id, CK_TOKEN_INFO_PTR i), (id, i)) \
	R(C_GetMechanismList, (CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR l, \
	    CK_ULONG_PTR n), (id, l, n)) \
	R(C_GetMechanismInfo, (CK_SLOT_ID id, CK_MECHANISM_TYPE t, \
	    CK_MECHANISM_INFO_PTR i), (id, t, i)) \
	R(C_InitToken, (CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG n, \
	    CK_UTF8CHAR_PTR label), (id, pin, n, label)) \
	R(C_InitPIN, (CK_SESSION_HANDLE s, CK_UTF8CHAR_PTR pin, CK_ULONG n), \
	    (s, pin, n)) \
	R(C_SetPIN, (CK_SESSION_HANDLE s, CK_UTF8CHAR_PTR o, CK_ULONG on, \
	    CK_UTF8CHAR_PTR p, CK_ULONG pn), (s, o, on, p, pn)) \
	R(C_OpenSession, (CK_SLOT_ID id, CK_FLAGS f, CK_VOID_PTR app, \
	    CK_NOTIFY cb, CK_SESSION_HANDLE_PTR s), (id, f, app, cb, s)) \
	R(C_CloseSession, (CK_SESSION_HANDLE s), (s)) \
	R(C_CloseAllSessions, (CK_SLOT_ID id), (id)) \
	R(C_GetSessionInfo, (CK_SESSION_HANDLE s, CK_SESSION_INFO_PTR i), \
	    (s, i)) \
	R(C_GetOperationState, (CK_SESSION_HANDLE s, CK_BYTE_PTR st, \
	    CK_ULONG_PTR n), (s, st, n)) \
	R(C_SetOperationState, (CK_SESSION_HANDLE s, CK_BYTE_PTR st, \
	    CK_ULONG n, CK_OBJECT_HANDLE ek, CK_OBJECT_HANDLE ak), \
	    (s, st, n, ek, ak)) \
	R(C_Login, (CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin, \
	    CK_ULONG n), (s, u, pin, n)) \
	R(C_Logout, (CK_SESSION_HANDLE s), (s)) \
	R(C_CreateObject, (CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, \
	    CK_ULONG n, CK_OBJECT_HANDLE_PTR o), (s, t, n, o)) \
	R(C_CopyObject, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, \
	    CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR no), \
	    (s, o, t, n, no)) \
	R(C_DestroyObject, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o), (s, o)) \
	R(C_GetObjectSize, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, \
	    CK_ULONG_PTR n), (s, o, n)) \
	R(C_GetAttributeValue, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, \
	    CK_ATTRIBUTE_PTR t, CK_ULONG n), (s, o, t, n)) \
	R(C_SetAttributeValue, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, \
	    CK_ATTRIBUTE_PTR t, CK_ULONG n), (s, o, t, n)) \
	R(C_FindObjectsInit, (CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, \
	    CK_ULONG n), (s, t, n)) \
	R(C_FindObjects, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE_PTR o, \
	    CK_ULONG max, CK_ULONG_PTR n), (s, o, max, n)) \
	E(C_FindObjectsFinal, (CK_SESSION_HANDLE s), (s), (void)0) \
	R(C_EncryptInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_OBJECT_HANDLE k), (s, m, k)) \
	E(C_Encrypt, FP_PART_PARAMS, FP_PART_ARGS, \
	    fp_end_part(fp.real->C_Encrypt, s, in, n, out, outn, rv)) \
	E(C_EncryptUpdate, FP_PART_PARAMS, FP_PART_ARGS, \
	    fp_end_update(fp.real->C_EncryptFinal, s)) \
	E(C_EncryptFinal, FP_FINAL_PARAMS, FP_FINAL_ARGS, \
	    fp_end_final(fp.real->C_EncryptFinal, s, out, outn, rv)) \
	R(C_DecryptInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_OBJECT_HANDLE k), (s, m, k)) \
	E(C_Decrypt, FP_PART_PARAMS, FP_PART_ARGS, \
	    fp_end_part(fp.real->C_Decrypt, s, in, n, out, outn, rv)) \
	E(C_DecryptUpdate, FP_PART_PARAMS, FP_PART_ARGS, \
	    fp_end_update(fp.real->C_DecryptFinal, s)) \
	E(C_DecryptFinal, FP_FINAL_PARAMS, FP_FINAL_ARGS, \
	    fp_end_final(fp.real->C_DecryptFinal, s, out, outn, rv)) \
	R(C_DigestInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m), (s, m)) \
	E(C_Digest, FP_PART_PARAMS, FP_PART_ARGS, \
	    fp_end_part(fp.real->C_Digest, s, in, n, out, outn, rv)) \
	E(C_DigestUpdate, (CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG n), \
	    (s, in, n), fp_end_update(fp.real->C_DigestFinal, s)) \
	E(C_DigestKey, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k), (s, k), \
	    fp_end_update(fp.real->C_DigestFinal, s)) \
	E(C_DigestFinal, FP_FINAL_PARAMS, FP_FINAL_ARGS, \
	    fp_end_final(fp.real->C_DigestFinal, s, out, outn, rv)) \
	R(C_SignInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_OBJECT_HANDLE k), (s, m, k)) \
	E(C_Sign, FP_PART_PARAMS, FP_PART_ARGS, \
	    fp_end_part(fp.real->C_Sign, s, in, n, out, outn, rv)) \
	E(C_SignUpdate, (CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG n), \
	    (s, in, n), fp_end_update(fp.real->C_SignFinal, s)) \
	E(C_SignFinal, FP_FINAL_PARAMS, FP_FINAL_ARGS, \
	    fp_end_final(fp.real->C_SignFinal, s, out, outn, rv)) \
	R(C_SignRecoverInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_OBJECT_HANDLE k), (s, m, k)) \
	E(C_SignRecover, FP_PART_PARAMS, FP_PART_ARGS, \
	    fp_end_part(fp.real->C_SignRecover, s, in, n, out, outn, rv)) \
	R(C_VerifyInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_OBJECT_HANDLE k), (s, m, k)) \
	E(C_Verify, (CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG n, \
	    CK_BYTE_PTR sig, CK_ULONG sign), (s, in, n, sig, sign), (void)0) \
	E(C_VerifyUpdate, (CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG n), \
	    (s, in, n), fp_end_verify(s)) \
	E(C_VerifyFinal, (CK_SESSION_HANDLE s, CK_BYTE_PTR sig, \
	    CK_ULONG sign), (s, sig, sign), (void)0) \
	R(C_VerifyRecoverInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_OBJECT_HANDLE k), (s, m, k)) \
	E(C_VerifyRecover, FP_PART_PARAMS, FP_PART_ARGS, \
	    fp_end_part(fp.real->C_VerifyRecover, s, in, n, out, outn, rv)) \
	R(C_DigestEncryptUpdate, FP_PART_PARAMS, FP_PART_ARGS) \
	R(C_DecryptDigestUpdate, FP_PART_PARAMS, FP_PART_ARGS) \
	R(C_SignEncryptUpdate, FP_PART_PARAMS, FP_PART_ARGS) \
	R(C_DecryptVerifyUpdate, FP_PART_PARAMS, FP_PART_ARGS) \
	R(C_GenerateKey, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR k), \
	    (s, m, t, n, k)) \
	R(C_GenerateKeyPair, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_ATTRIBUTE_PTR pt, CK_ULONG pn, CK_ATTRIBUTE_PTR kt, CK_ULONG kn, \
	    CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv), \
	    (s, m, pt, pn, kt, kn, pub, priv)) \
	R(C_WrapKey, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_OBJECT_HANDLE wk, CK_OBJECT_HANDLE k, CK_BYTE_PTR out, \
	    CK_ULONG_PTR outn), (s, m, wk, k, out, outn)) \
	R(C_UnwrapKey, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_OBJECT_HANDLE uk, CK_BYTE_PTR in, CK_ULONG n, CK_ATTRIBUTE_PTR t, \
	    CK_ULONG tn, CK_OBJECT_HANDLE_PTR k), (s, m, uk, in, n, t, tn, k)) \
	R(C_DeriveKey, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, \
	    CK_OBJECT_HANDLE bk, CK_ATTRIBUTE_PTR t, CK_ULONG n, \
	    CK_OBJECT_HANDLE_PTR k), (s, m, bk, t, n, k)) \
	R(C_SeedRandom, (CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG n), \
	    (s, in, n)) \
	R(C_GenerateRandom, (CK_SESSION_HANDLE s, CK_BYTE_PTR out, \
	    CK_ULONG n), (s, out, n)) \
	R(C_GetFunctionStatus, (CK_SESSION_HANDLE s), (s)) \
	R(C_CancelFunction, (CK_SESSION_HANDLE s), (s)) \
	R(C_WaitForSlotEvent, (CK_FLAGS f, CK_SLOT_ID_PTR id, CK_VOID_PTR r), \
	    (f, id, r))

/* The two shapes most crypto calls share: data in and out, or out only. */
#define FP_PART_PARAMS (CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG n, \
	CK_BYTE_PTR out, CK_ULONG_PTR outn)
#define FP_PART_ARGS (s, in, n, out, outn)
#define FP_FINAL_PARAMS (CK_SESSION_HANDLE s, CK_BYTE_PTR out, \
	CK_ULONG_PTR outn)
#define FP_FINAL_ARGS (s, out, outn)

#define FP_ENUM_R(name, params, args) FP_##name,
#define FP_ENUM_E(name, params, args, end) FP_##name,
enum { FP_FUNCS(FP_ENUM_R, FP_ENUM_E) FP_NFUNCS };

#define FP_NAME_R(name, params, args) #name,
#define FP_NAME_E(name, params, args, end) #name,
static const char *const fp_names[FP_NFUNCS] = {
	FP_FUNCS(FP_NAME_R, FP_NAME_E)
};

#define FP_ANY	(-1)	/* a rule for every call: "*" */
#define FP_NONE	(-2)	/* no such function */

/* One line of the control file. */
struct fp_rule {
	int fn;			/* FP_C_*, or FP_ANY */
	int hang;		/* 1: hang, then forward; 0: fail */
	CK_RV rv;		/* what to fail with */
	double secs;		/* how long to hang; INFINITY: until a change */
	unsigned long count;	/* fire this many times at most; 0: always */
	unsigned long after;	/* let this many matching calls through first */
	unsigned long seen;	/* matching calls since the file was read */
	unsigned long fired;
	char arg[40];		/* the CKR name or duration, for the log */
};

/* What identifies one version of the control file. */
struct fp_stamp {
	int present;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

static struct {
	pthread_mutex_t lock;	/* guards stamp, rules and their counters */
	CK_FUNCTION_LIST_PTR real;
	CK_RV open_rv;		/* of fp_open, for every C_GetFunctionList */
	char control[FP_PATH_MAX];	/* "" when FAULTP11_CONTROL is unset */
	char log[FP_PATH_MAX];
	struct fp_stamp stamp;	/* of the file the rules were read from */
	struct fp_rule rules[FP_MAX_RULES];
	size_t nrules;
} fp = { .lock = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t fp_once = PTHREAD_ONCE_INIT;

/*
 * One line to FAULTP11_LOG, "TIME PID FUNCTION EVENT DETAIL", TIME in
 * seconds since the epoch; best effort.
 */
static void
fp_log(const char *fn, const char *event, const char *detail)
{
	struct timespec ts;
	char line[256];
	int fd, n;

	if (fp.log[0] == '\0')
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof(line), "%lld.%03ld %ld %s %s %s\n",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000000, (long)getpid(), fn,
	    event, detail);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	/* O_APPEND and one write(2): lines of concurrent callers never mix. */
	if ((fd = open(fp.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1)
		return;
	if (write(fd, line, (size_t)n) != n)
		fprintf(stderr, "faultp11: cannot write to %s\n", fp.log);
	close(fd);
}

static void
fp_stamp_read(struct fp_stamp *st)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	if (stat(fp.control, &sb) == -1)
		return;
	st->present = 1;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime = sb.st_mtim;
	st->ctime = sb.st_ctim;
}

static int
fp_stamp_eq(const struct fp_stamp *a, const struct fp_stamp *b)
{
	return a->present == b->present && a->dev == b->dev &&
	    a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* A CKR_* name (the names pkcs11/ckr.c knows) or a number, 0x… allowed. */
static int
fp_parse_ckr(const char *s, CK_RV *rv)
{
	char *end;
	unsigned long v;

	if (strncmp(s, "CKR_", 4) == 0) {
		for (v = 1; v <= FP_CKR_MAX; v++)
			if (strcmp(p11_strerror(v), s) == 0) {
				*rv = v;
				return 0;
			}
		return -1;
	}
	v = strtoul(s, &end, 0);
	if (*s < '0' || *s > '9' || *end != '\0' || v == CKR_OK)
		return -1;
	*rv = v;
	return 0;
}

static int
fp_parse_count(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoul(s, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/*
 * "FUNCTION error CKR_NAME [count=N] [after=M]" or
 * "FUNCTION hang SECONDS|forever [count=N] [after=M]", FUNCTION a C_* name
 * or "*".  Returns NULL or what is wrong with the line.
 */
static const char *
fp_parse_line(char *line, struct fp_rule *r)
{
	char *save = NULL, *fn, *action, *arg, *opt;
	const char *sep = " \t\r\n";
	int i;

	memset(r, 0, sizeof(*r));
	fn = strtok_r(line, sep, &save);
	action = strtok_r(NULL, sep, &save);
	arg = strtok_r(NULL, sep, &save);
	if (action == NULL || arg == NULL)
		return "want FUNCTION error|hang ARGUMENT";
	r->fn = strcmp(fn, "*") == 0 ? FP_ANY : FP_NONE;
	for (i = 0; i < FP_NFUNCS; i++)
		if (strcmp(fn, fp_names[i]) == 0)
			r->fn = i;
	if (r->fn == FP_NONE)
		return "unknown function";
	if (strlen(arg) >= sizeof(r->arg))
		return "argument too long";
	strcpy(r->arg, arg);
	if (strcmp(action, "error") == 0) {
		if (fp_parse_ckr(arg, &r->rv) != 0)
			return "unknown CKR_* name or bad number";
	} else if (strcmp(action, "hang") == 0) {
		r->hang = 1;
		if (strcmp(arg, "forever") == 0)
			r->secs = INFINITY;
		else if ((r->secs = strtod(arg, &opt)) < 0 || *opt != '\0' ||
		    !isfinite(r->secs) || *arg < '0' || *arg > '9')
			return "hang wants seconds or forever";
	} else
		return "action is neither error nor hang";
	while ((opt = strtok_r(NULL, sep, &save)) != NULL) {
		if (strncmp(opt, "count=", 6) == 0) {
			if (fp_parse_count(opt + 6, &r->count) != 0 ||
			    r->count == 0)
				return "count wants a positive number";
		} else if (strncmp(opt, "after=", 6) == 0) {
			if (fp_parse_count(opt + 6, &r->after) != 0)
				return "after wants a number";
		} else
			return "unknown option (count=N, after=M)";
	}
	return NULL;
}

/*
 * Read the rules again; st is the file's stamp taken before reading, so a
 * change made while we read is seen on the next call.  Lines that do not
 * parse are reported and left out; the others still apply.  Called with
 * fp.lock held.
 */
static void
fp_reload(const struct fp_stamp *st)
{
	FILE *f;
	char *line = NULL, detail[96];
	const char *bad;
	size_t cap = 0, lineno = 0;
	struct fp_rule r;

	fp.stamp = *st;
	fp.nrules = 0;
	if (!st->present || (f = fopen(fp.control, "re")) == NULL)
		return;
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		line[strcspn(line, "#")] = '\0';
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if ((bad = fp_parse_line(line, &r)) == NULL &&
		    fp.nrules == FP_MAX_RULES)
			bad = "too many rules";
		if (bad == NULL) {
			fp.rules[fp.nrules++] = r;
			continue;
		}
		fprintf(stderr, "faultp11: %s:%zu: %s\n", fp.control, lineno,
		    bad);
		snprintf(detail, sizeof(detail), "%zu %s", lineno, bad);
		fp_log("control", "bad-line", detail);
	}
	free(line);
	fclose(f);
	snprintf(detail, sizeof(detail), "%zu", fp.nrules);
	fp_log("control", "rules", detail);
}

static double
fp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep secs, or less if the control file changes from what 'at' says. */
static void
fp_hang(const char *fn, double secs, const struct fp_stamp *at)
{
	struct fp_stamp now;
	struct timespec nap;
	double start = fp_now(), left;
	char detail[64];
	const char *why = "timeout";

	for (;;) {
		if ((left = secs - (fp_now() - start)) <= 0)
			break;
		fp_stamp_read(&now);
		if (!fp_stamp_eq(&now, at)) {
			why = "control-changed";
			break;
		}
		nap.tv_sec = 0;
		nap.tv_nsec = left < FP_POLL_NS / 1e9 ? (long)(left * 1e9) :
		    FP_POLL_NS;
		nanosleep(&nap, NULL);
	}
	snprintf(detail, sizeof(detail), "%.3f %s", fp_now() - start, why);
	fp_log(fn, "resume", detail);
}

/*
 * What the control file orders for a call of function fn: CKR_OK to go on
 * (after a hang, if one was ordered) or the error to return.  The first
 * rule that matches and has shots left decides.
 */
static CK_RV
fp_fault(int fn)
{
	struct fp_stamp now, at;
	struct fp_rule *r, hit;
	size_t i;
	int found = 0;

	if (fp.control[0] == '\0')
		return CKR_OK;
	fp_stamp_read(&now);
	pthread_mutex_lock(&fp.lock);
	if (!fp_stamp_eq(&now, &fp.stamp))
		fp_reload(&now);
	for (i = 0; i < fp.nrules && !found; i++) {
		r = &fp.rules[i];
		if (r->fn != FP_ANY && r->fn != fn)
			continue;
		if (++r->seen <= r->after ||
		    (r->count != 0 && r->fired >= r->count))
			continue;
		r->fired++;
		hit = *r;
		found = 1;
	}
	at = fp.stamp;
	pthread_mutex_unlock(&fp.lock);
	if (!found)
		return CKR_OK;
	fp_log(fp_names[fn], hit.hang ? "hang" : "error", hit.arg);
	if (!hit.hang)
		return hit.rv;
	fp_hang(fp_names[fn], hit.secs, &at);
	return CKR_OK;
}

/*
 * A single-part call that asked for the output length only, or whose buffer
 * was too small, leaves its operation open: finish it into a scratch buffer.
 */
static void
fp_end_part(CK_C_Sign fn, CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG n,
    CK_BYTE_PTR out, CK_ULONG_PTR outn, CK_RV rv)
{
	CK_BYTE_PTR buf;
	CK_ULONG len;

	if (outn == NULL || !((rv == CKR_OK && out == NULL) ||
	    rv == CKR_BUFFER_TOO_SMALL))
		return;
	len = *outn;
	if ((buf = malloc(len + 1)) == NULL)
		return;
	fn(s, in, n, buf, &len);
	free(buf);
}

/* The same for C_*Final calls. */
static void
fp_end_final(CK_C_SignFinal fn, CK_SESSION_HANDLE s, CK_BYTE_PTR out,
    CK_ULONG_PTR outn, CK_RV rv)
{
	CK_BYTE_PTR buf;
	CK_ULONG len;

	if (fn == NULL || outn == NULL || !((rv == CKR_OK && out == NULL) ||
	    rv == CKR_BUFFER_TOO_SMALL))
		return;
	len = *outn;
	if ((buf = malloc(len + 1)) == NULL)
		return;
	fn(s, buf, &len);
	free(buf);
}

/* After a C_*Update the operation is open until its C_*Final. */
static void
fp_end_update(CK_C_SignFinal fn, CK_SESSION_HANDLE s)
{
	CK_ULONG len = 0;

	if (fn != NULL)
		fp_end_final(fn, s, NULL, &len, fn(s, NULL, &len));
}

/* A verification ends with C_VerifyFinal, which fails on a 1-byte value. */
static void
fp_end_verify(CK_SESSION_HANDLE s)
{
	CK_BYTE b = 0;

	if (fp.real->C_VerifyFinal != NULL)
		fp.real->C_VerifyFinal(s, &b, 1);
}

#define FP_FORWARD(name, args) \
	(fp.real->name == NULL ? CKR_FUNCTION_NOT_SUPPORTED : fp.real->name args)

#define FP_WRAP_R(name, params, args) \
static CK_RV \
fp_##name params \
{ \
	CK_RV err; \
\
	if ((err = fp_fault(FP_##name)) != CKR_OK) \
		return err; \
	return FP_FORWARD(name, args); \
}

#define FP_WRAP_E(name, params, args, end) \
static CK_RV \
fp_##name params \
{ \
	CK_RV err = fp_fault(FP_##name), rv; \
\
	rv = FP_FORWARD(name, args); \
	if (err == CKR_OK) \
		return rv; \
	end; \
	return err; \
}

FP_FUNCS(FP_WRAP_R, FP_WRAP_E)

#define FP_SLOT_R(name, params, args) .name = fp_##name,
#define FP_SLOT_E(name, params, args, end) .name = fp_##name,
static CK_FUNCTION_LIST fp_list = {
	.version = { CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR },
	FP_FUNCS(FP_SLOT_R, FP_SLOT_E)
	.C_GetFunctionList = C_GetFunctionList,
};

static void
fp_env(const char *name, char *dst)
{
	const char *v = getenv(name);

	if (v != NULL && strlen(v) < FP_PATH_MAX)
		strcpy(dst, v);
	else if (v != NULL)
		fprintf(stderr, "faultp11: %s is too long, ignored\n", name);
}

/* Once per process: read the environment, load the real module. */
static void
fp_open(void)
{
	char module[FP_PATH_MAX] = FP_DEFAULT_MODULE;
	CK_C_GetFunctionList getf;
	void *dl, *sym;

	fp_env("FAULTP11_CONTROL", fp.control);
	fp_env("FAULTP11_LOG", fp.log);
	fp_env("FAULTP11_MODULE", module);
	fp.open_rv = CKR_GENERAL_ERROR;
	/*
	 * Never unloaded, as pkcs11/admin.c does (RTLD_NODELETE): SoftHSM2
	 * registers exit handlers that must find it mapped.
	 */
	if ((dl = dlopen(module, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) ==
	    NULL) {
		fprintf(stderr, "faultp11: %s\n", dlerror());
		return;
	}
	if ((sym = dlsym(dl, "C_GetFunctionList")) == NULL) {
		fprintf(stderr, "faultp11: %s has no C_GetFunctionList\n",
		    module);
		return;
	}
	memcpy(&getf, &sym, sizeof(getf));	/* POSIX: void * to function */
	fp.open_rv = getf(&fp.real);
}

/* The only exported symbol (the module is built -fvisibility=hidden). */
__attribute__((visibility("default"))) CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_once(&fp_once, fp_open);
	if (fp.open_rv != CKR_OK)
		return fp.open_rv;
	*list = &fp_list;
	return CKR_OK;
}
