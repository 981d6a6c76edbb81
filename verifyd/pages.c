/* verifyd/pages.c — civseal-verifyd's HTML pages; see pages.h. */
#include "verifyd/pages.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/objects.h>
#include <openssl/x509.h>

/* --- a growing buffer; an allocation failure is remembered, not lost --- */

struct html {
	char *p;
	size_t len, cap;
	int oom;
};

static void
put_n(struct html *h, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (h->oom)
		return;
	if (h->len + n + 1 > h->cap) {
		cap = h->cap > 0 ? h->cap : 8192;
		while (cap < h->len + n + 1)
			cap *= 2;
		if ((p = realloc(h->p, cap)) == NULL) {
			h->oom = 1;
			return;
		}
		h->p = p;
		h->cap = cap;
	}
	memcpy(h->p + h->len, s, n);
	h->len += n;
	h->p[h->len] = '\0';
}

static void
put(struct html *h, const char *s)
{
	put_n(h, s, strlen(s));
}

/*
 * Text into HTML, for element content and double- or single-quoted
 * attribute values alike.  Control characters (which no field may hold,
 * but a hostile seal might) are dropped.
 */
static void
esc(struct html *h, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				rep = "";
			else
				continue;
		}
		put_n(h, run, (size_t)(s - run));
		put(h, rep);
		run = s + 1;
	}
	put_n(h, run, (size_t)(s - run));
}

/* Our own markup around one escaped value: fmt holds exactly one %s. */
static void
putf_esc(struct html *h, const char *fmt, const char *value)
{
	const char *pct = strstr(fmt, "%s");

	if (pct == NULL) {
		put(h, fmt);
		return;
	}
	put_n(h, fmt, (size_t)(pct - fmt));
	esc(h, value != NULL ? value : "");
	put(h, pct + 2);
}

static int
finish(struct html *h, char **out, size_t *len, struct cs_err *err)
{
	if (h->oom) {
		free(h->p);
		return cs_err_set(err, CS_E_NOMEM, "out of memory");
	}
	*out = h->p;
	*len = h->len;
	return 0;
}

/* --- words ---------------------------------------------------------- */

#define L(pg, vi, en) ((pg)->lang == VERIFIER_LANG_EN ? (en) : (vi))

enum verifier_lang
verifier_lang_parse(const char *s)
{
	return s != NULL && strcmp(s, "en") == 0 ? VERIFIER_LANG_EN :
	    VERIFIER_LANG_VI;
}

/* "2025-09-20" (or a "…T…Z" time, shown in ICT) as "20/09/2025". */
static void
date_text(const char *iso, char *out, size_t n)
{
	struct tm tm;
	time_t t;
	int y, mo, d, hh, mi, ss;

	snprintf(out, n, "%s", iso != NULL ? iso : "");
	if (iso == NULL)
		return;
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &hh, &mi,
	    &ss) == 6) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = hh;
		tm.tm_min = mi;
		tm.tm_sec = ss;
		t = timegm(&tm) + 7 * 3600;	/* Vietnam: UTC+7, no DST */
		if (gmtime_r(&t, &tm) != NULL)
			strftime(out, n, "%d/%m/%Y %H:%M", &tm);
		return;
	}
	if (strlen(iso) == 10 && sscanf(iso, "%4d-%2d-%2d", &y, &mo, &d) == 3)
		snprintf(out, n, "%02d/%02d/%04d", d, mo, y);
}

static const char *
type_text(const struct verifyd_page *pg, const char *type)
{
	if (strcmp(type, "birth") == 0)
		return L(pg, "Giấy khai sinh (bản điện tử)",
		    "Birth certificate (electronic)");
	if (strcmp(type, "death") == 0)
		return L(pg, "Trích lục khai tử (bản điện tử)",
		    "Death extract (electronic)");
	return L(pg, "Không rõ", "Unknown");
}

/* --- the frame of every page ------------------------------------------- */

static void
head(struct html *h, const struct verifyd_page *pg, const char *title,
    const char *verdict)
{
	put(h, "<!DOCTYPE html>\n<html lang=\"");
	put(h, L(pg, "vi", "en"));
	put(h, "\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\">"
	    "<meta name=\"robots\" content=\"noindex\"><title>");
	esc(h, title);
	put(h, "</title><style>");
	put(h, pg->css);
	put(h, "</style></head>\n");
	putf_esc(h, "<body data-verdict=\"%s\"", verdict);
	putf_esc(h, " class=\"v-%s\">\n<header><span>", verdict);
	put(h, L(pg, "Kiểm tra giấy tờ hộ tịch điện tử",
	    "Civil status document check"));
	put(h, "</span><a href=\"");
	if (pg->switch_path != NULL)
		esc(h, pg->switch_path);
	put(h, L(pg, "?lang=en\" lang=\"en\" hreflang=\"en\">English",
	    "?lang=vi\" lang=\"vi\" hreflang=\"vi\">Tiếng Việt"));
	put(h, "</a></header>\n<main>\n");
}

static void
tail(struct html *h, const struct verifyd_page *pg)
{
	put(h, "</main>\n<footer>");
	put(h, L(pg, "Trang này chỉ đọc thông tin từ mã trên giấy tờ và sổ "
	    "đăng ký hộ tịch điện tử; không lưu lại thông tin cá nhân của bạn.",
	    "This page only reads what the code on the document and the "
	    "electronic civil status register say; it keeps none of your "
	    "personal data."));
	put(h, "</footer>\n</body></html>\n");
}

/* --- the result page -------------------------------------------------- */

/* What a page shows of a document, from a seal or from signed XML. */
struct view {
	const char *full_name, *birth_date, *personal_id, *reg_date;
	const char *reg_number, *reg_book, *death_time;
	const char *type, *office, *doc_id;
};

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : NULL;
}

static void
view_from(const struct verifier_report *rep, int from_seal, struct view *v)
{
	json_t *f = rep->fields, *holder, *reg;

	memset(v, 0, sizeof(*v));
	v->type = rep->doc_type;
	v->office = rep->office;
	v->doc_id = rep->doc_id[0] != '\0' ? rep->doc_id : NULL;
	if (!json_is_object(f))
		return;
	if (from_seal) {
		v->full_name = jstr(f, "full_name");
		v->birth_date = jstr(f, "birth_date");
		v->personal_id = jstr(f, "personal_id");
		v->reg_date = jstr(f, "registration_date");
		return;
	}
	holder = json_object_get(f, "child");
	if (holder == NULL)
		holder = json_object_get(f, "deceased");
	reg = json_object_get(f, "registration");
	v->full_name = jstr(holder, "full_name");
	v->birth_date = jstr(holder, "birth_date");
	v->personal_id = jstr(holder, "personal_id");
	v->reg_date = jstr(reg, "date");
	v->reg_number = jstr(reg, "number");
	v->reg_book = jstr(reg, "book");
	v->death_time = jstr(json_object_get(f, "death"), "time");
}

/* The O of the signer certificate (the office's name), malloc'd, or NULL. */
static char *
leaf_org(const struct verifier_report *rep)
{
	X509_NAME *name;
	unsigned char *u = NULL;
	char *s = NULL;
	int i, n;

	if (rep->leaf == NULL)
		return NULL;
	name = X509_get_subject_name(rep->leaf);
	if ((i = X509_NAME_get_index_by_NID(name, NID_organizationName,
	    -1)) < 0)
		return NULL;
	n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(name, i)));
	if (n > 0 && memchr(u, '\0', (size_t)n) == NULL &&
	    (s = malloc((size_t)n + 1)) != NULL) {
		memcpy(s, u, (size_t)n);
		s[n] = '\0';
	}
	OPENSSL_free(u);
	return s;
}

static void
field(struct html *h, const char *label, const char *value)
{
	if (value == NULL)
		return;
	putf_esc(h, "<dt>%s</dt>", label);
	putf_esc(h, "<dd>%s</dd>\n", value);
}

static void
date_field(struct html *h, const char *label, const char *iso)
{
	char d[40];

	if (iso == NULL)
		return;
	date_text(iso, d, sizeof(d));
	field(h, label, d);
}

/* Every signed field, flattened ("mother › full_name"), for staff. */
static void
all_fields(struct html *h, json_t *o, const char *prefix)
{
	const char *k;
	json_t *v;
	char path[160];

	json_object_foreach(o, k, v) {
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix != '\0' ?
		    " › " : "", k);
		if (json_is_object(v)) {
			all_fields(h, v, path);
		} else if (json_is_string(v)) {
			putf_esc(h, "<dt>%s</dt>", path);
			putf_esc(h, "<dd>%s</dd>\n", json_string_value(v));
		}
	}
}

static void
verdict_box(struct html *h, const struct verifyd_page *pg,
    const char *verdict, const struct verifier_report *rep,
    const struct verifier_status *st, const char *office)
{
	char at[40];

	date_text(st->at, at, sizeof(at));
	put(h, "<section class=\"verdict\" role=\"status\">");
	if (strcmp(verdict, "valid") == 0) {
		put(h, "<div class=\"mark\" aria-hidden=\"true\">&#10004;</div>");
		put(h, L(pg, "<h1>GIẤY TỜ THẬT</h1>", "<h1>GENUINE</h1>"));
		putf_esc(h, L(pg, "<p>Được ký số bởi %s.</p>",
		    "<p>Digitally signed by %s.</p>"), office);
	} else if (strcmp(verdict, "superseded") == 0) {
		put(h, "<div class=\"mark\" aria-hidden=\"true\">&#8635;</div>");
		put(h, L(pg, "<h1>ĐÃ ĐƯỢC THAY THẾ</h1>", "<h1>REPLACED</h1>"));
		putf_esc(h, L(pg, "<p>Giấy tờ này đã được thay bằng giấy tờ "
		    "mới, mã số <strong>%s</strong>.</p>", "<p>A new document "
		    "replaces this one: number <strong>%s</strong>.</p>"),
		    st->superseded_by);
		putf_esc(h, L(pg, "<p>Ngày thay thế: %s.", "<p>Replaced on: "
		    "%s."), at);
		putf_esc(h, L(pg, " Lý do: %s</p>", " Reason: %s</p>"),
		    st->reason);
	} else if (strcmp(verdict, "revoked") == 0) {
		put(h, "<div class=\"mark\" aria-hidden=\"true\">&#9888;</div>");
		put(h, L(pg, "<h1>ĐÃ BỊ THU HỒI</h1>", "<h1>REVOKED</h1>"));
		if (st->state == VERIFIER_STATUS_REVOKED) {
			putf_esc(h, L(pg, "<p>Cơ quan cấp đã thu hồi giấy tờ "
			    "này ngày %s.", "<p>The issuing office revoked "
			    "this document on %s."), at);
			putf_esc(h, L(pg, " Lý do: %s</p>", " Reason: %s</p>"),
			    st->reason);
		} else {
			put(h, L(pg, "<p>Khóa ký số của cơ quan cấp đã bị thu "
			    "hồi: không thể tin chữ ký này.</p>", "<p>The "
			    "issuing office's signing key was revoked: this "
			    "signature cannot be trusted.</p>"));
		}
	} else if (strcmp(verdict, "unknown-issuer") == 0) {
		put(h, "<div class=\"mark\" aria-hidden=\"true\">?</div>");
		put(h, L(pg, "<h1>KHÔNG RÕ CƠ QUAN CẤP</h1>",
		    "<h1>UNKNOWN ISSUER</h1>"));
		put(h, L(pg, "<p>Chữ ký không thuộc cơ quan đăng ký hộ tịch nào "
		    "được tin cậy.</p>", "<p>The signature belongs to no "
		    "trusted civil registry office.</p>"));
	} else {
		put(h, "<div class=\"mark\" aria-hidden=\"true\">&#10008;</div>");
		put(h, L(pg, "<h1>KHÔNG PHẢI GIẤY TỜ THẬT</h1>",
		    "<h1>NOT GENUINE</h1>"));
		put(h, L(pg, "<p>Mã hoặc tệp này không khớp với chữ ký của cơ "
		    "quan cấp: đã bị sửa, bị cắt bớt, hoặc bị làm giả.</p>",
		    "<p>This code or file does not match an issuing office's "
		    "signature: it was altered, cut short or forged.</p>"));
	}
	put(h, "</section>\n");
	(void)rep;

	if (strcmp(verdict, "valid") != 0)
		return;
	if (st->state == VERIFIER_STATUS_UNAVAILABLE)
		put(h, L(pg, "<p class=\"note\"><strong>Chưa kiểm tra được giấy "
		    "tờ còn hiệu lực hay không</strong>: không truy cập được sổ "
		    "đăng ký. Chữ ký là thật; hãy kiểm tra lại sau.</p>\n",
		    "<p class=\"note\"><strong>Whether the document is still in "
		    "force could not be checked</strong>: the register could "
		    "not be reached. The signature is genuine; check again "
		    "later.</p>\n"));
	else if (st->state == VERIFIER_STATUS_NOT_FOUND)
		put(h, L(pg, "<p class=\"note\"><strong>Sổ đăng ký không có "
		    "giấy tờ này</strong>, nên chưa xác nhận được giấy tờ còn "
		    "hiệu lực. Chữ ký là thật; hãy hỏi cơ quan cấp.</p>\n",
		    "<p class=\"note\"><strong>The register has no record of "
		    "this document</strong>, so whether it is still in force is "
		    "not confirmed. The signature is genuine; ask the issuing "
		    "office.</p>\n"));
	else if (st->state == VERIFIER_STATUS_VALID)
		put(h, L(pg, "<p class=\"note\">Sổ đăng ký xác nhận giấy tờ "
		    "<strong>còn hiệu lực</strong>.</p>\n", "<p class=\"note\">"
		    "The register confirms the document is <strong>in "
		    "force</strong>.</p>\n"));
}

static void
next_steps(struct html *h, const struct verifyd_page *pg,
    const char *verdict, const struct verifier_status *st,
    const char *office)
{
	put(h, L(pg, "<h2>Bạn nên làm gì</h2>\n<ol class=\"next\">",
	    "<h2>What to do next</h2>\n<ol class=\"next\">"));
	if (strcmp(verdict, "valid") == 0) {
		put(h, L(pg, "<li>So từng dòng ở trên với bản giấy: họ tên, "
		    "ngày sinh, số định danh cá nhân.</li><li>Nếu có bất kỳ "
		    "điểm nào khác, bản giấy đã bị sửa: không chấp nhận và báo "
		    "cho cơ quan cấp.</li>", "<li>Compare each line above with "
		    "the paper: full name, date of birth, personal ID "
		    "number.</li><li>If anything differs, the paper was "
		    "altered: do not accept it, and tell the issuing "
		    "office.</li>"));
	} else if (strcmp(verdict, "superseded") == 0) {
		putf_esc(h, L(pg, "<li>Không dùng bản này. Đề nghị người nộp "
		    "xuất trình giấy tờ mới (mã số %s) và kiểm tra lại giấy tờ "
		    "mới.</li>", "<li>Do not use this copy. Ask for the new "
		    "document (number %s) and check that one.</li>"),
		    st->superseded_by);
	} else if (strcmp(verdict, "revoked") == 0) {
		putf_esc(h, L(pg, "<li>Không dùng giấy tờ này. Người được cấp "
		    "cần liên hệ %s để được hướng dẫn.</li>", "<li>Do not use "
		    "this document. Its holder should contact %s.</li>"),
		    office);
	} else if (strcmp(verdict, "unknown-issuer") == 0) {
		put(h, L(pg, "<li>Không chấp nhận giấy tờ này cho đến khi xác "
		    "minh được với cơ quan được ghi là nơi cấp.</li>",
		    "<li>Do not accept this document until the office it names "
		    "as issuer has confirmed it.</li>"));
	} else {
		put(h, L(pg, "<li>Không chấp nhận giấy tờ này.</li><li>Nếu bạn "
		    "quét mã QR trên bản giấy, hãy quét lại nơi đủ sáng: mã bị "
		    "mờ, nhàu hoặc bị che cũng có thể cho kết quả này.</li>"
		    "<li>Nếu nghi ngờ làm giả, báo cho cơ quan công an hoặc Ủy "
		    "ban nhân dân nơi được ghi là cơ quan cấp.</li>",
		    "<li>Do not accept this document.</li><li>If you scanned "
		    "the QR code on a paper copy, scan it again in good light: "
		    "a blurred, creased or covered code can also give this "
		    "result.</li><li>If you suspect a forgery, tell the police "
		    "or the People's Committee named as the issuing "
		    "office.</li>"));
	}
	put(h, "</ol>\n");
}

int
verifyd_page_result(const struct verifyd_page *pg,
    const struct verifier_report *rep, const struct verifier_status *st,
    const char *office_name, int from_seal, char **out, size_t *len,
    struct cs_err *err)
{
	struct html h = { NULL, 0, 0, 0 };
	const char *verdict = verifyd_page_verdict(rep, st), *office;
	char *org = NULL, title[128], reg[300];
	struct view v;
	size_t i;
	int show;

	*out = NULL;
	view_from(rep, from_seal, &v);
	if (office_name == NULL)
		office_name = org = leaf_org(rep);
	office = office_name != NULL ? office_name : v.office;
	if (office == NULL || *office == '\0')
		office = L(pg, "cơ quan cấp", "the issuing office");

	snprintf(title, sizeof(title), "%s",
	    strcmp(verdict, "valid") == 0 ? L(pg, "Giấy tờ thật", "Genuine") :
	    strcmp(verdict, "revoked") == 0 ? L(pg, "Đã bị thu hồi",
	    "Revoked") : strcmp(verdict, "superseded") == 0 ? L(pg,
	    "Đã được thay thế", "Replaced") : strcmp(verdict,
	    "unknown-issuer") == 0 ? L(pg, "Không rõ cơ quan cấp",
	    "Unknown issuer") : L(pg, "Không phải giấy tờ thật",
	    "Not genuine"));
	head(&h, pg, title, verdict);
	verdict_box(&h, pg, verdict, rep, st, office);

	/*
	 * The fields only when an office we trust signed them: the fields of
	 * a forgery, shown under a heading, would lend it credibility.
	 */
	show = rep->fields != NULL && (strcmp(verdict, "valid") == 0 ||
	    strcmp(verdict, "revoked") == 0 ||
	    strcmp(verdict, "superseded") == 0);
	if (show) {
		put(&h, L(pg, "<h2>Thông tin trên giấy tờ: đối chiếu với bản "
		    "giấy</h2>\n<dl class=\"fields\">\n", "<h2>What the "
		    "document says: compare it with the paper</h2>\n"
		    "<dl class=\"fields\">\n"));
		field(&h, L(pg, "Họ, chữ đệm và tên", "Full name"),
		    v.full_name);
		date_field(&h, L(pg, "Ngày, tháng, năm sinh", "Date of birth"),
		    v.birth_date);
		field(&h, L(pg, "Số định danh cá nhân", "Personal ID number"),
		    v.personal_id);
		date_field(&h, L(pg, "Thời điểm chết", "Time of death"),
		    v.death_time);
		field(&h, L(pg, "Loại giấy tờ", "Document type"),
		    type_text(pg, v.type));
		field(&h, L(pg, "Cơ quan cấp", "Issuing office"), office);
		date_field(&h, L(pg, "Ngày đăng ký", "Registration date"),
		    v.reg_date);
		if (v.reg_number != NULL) {
			snprintf(reg, sizeof(reg), "%s%s%s", v.reg_number,
			    v.reg_book != NULL ? " / " : "",
			    v.reg_book != NULL ? v.reg_book : "");
			field(&h, L(pg, "Số / Quyển số", "Number / Book"), reg);
		}
		field(&h, L(pg, "Mã giấy tờ", "Document number"), v.doc_id);
		put(&h, "</dl>\n");
	}
	next_steps(&h, pg, verdict, st, office);

	put(&h, L(pg, "<details><summary>Chi tiết kỹ thuật</summary>\n<dl>",
	    "<details><summary>Technical details</summary>\n<dl>"));
	field(&h, L(pg, "Kết quả", "Verdict"), verifier_verdict_name(
	    rep->verdict));
	field(&h, L(pg, "Tình trạng trong sổ đăng ký", "Register status"),
	    verifier_status_name(st->state));
	for (i = 0; i < rep->n_reasons; i++)
		field(&h, L(pg, "Lý do", "Reason"), rep->reasons[i]);
	for (i = 0; i < rep->n_warnings; i++)
		field(&h, L(pg, "Lưu ý", "Warning"), rep->warnings[i]);
	if (rep->signer_subject != NULL)
		field(&h, L(pg, "Chứng thư ký", "Signer certificate"),
		    rep->signer_subject);
	if (rep->signed_at[0] != '\0')
		date_field(&h, L(pg, "Thời điểm ký (giờ Việt Nam)",
		    "Signed at (Vietnam time)"), rep->signed_at);
	if (show && !from_seal)
		all_fields(&h, rep->fields, "");
	put(&h, "</dl></details>\n");
	if (!from_seal)
		put(&h, L(pg, "<p class=\"noprint\"><a href=\"/verify\">Kiểm "
		    "tra giấy tờ khác</a></p>\n", "<p class=\"noprint\"><a "
		    "href=\"/verify?lang=en\">Check another document</a></p>\n"));
	tail(&h, pg);
	free(org);
	return finish(&h, out, len, err);
}

/* --- the upload page ----------------------------------------------------- */

int
verifyd_page_upload(const struct verifyd_page *pg, char **out, size_t *len,
    struct cs_err *err)
{
	struct html h = { NULL, 0, 0, 0 };

	*out = NULL;
	head(&h, pg, L(pg, "Kiểm tra giấy tờ", "Check a document"), "none");
	put(&h, L(pg, "<h1>Kiểm tra giấy khai sinh, trích lục khai tử điện "
	    "tử</h1>\n<p>Chọn tệp giấy tờ điện tử (XML) nhận được, hoặc dán "
	    "dãy số của mã QR in trên giấy tờ.</p>\n",
	    "<h1>Check an electronic birth certificate or death "
	    "extract</h1>\n<p>Choose the electronic document (XML file) you "
	    "received, or paste the digits of the QR code printed on the "
	    "paper.</p>\n"));
	put(&h, "<form method=\"post\" action=\"/verify");
	put(&h, L(pg, "", "?lang=en"));
	put(&h, "\" enctype=\"multipart/form-data\">\n"
	    "<label for=\"xml\">");
	put(&h, L(pg, "Tệp giấy tờ điện tử (XML)",
	    "Electronic document (XML file)"));
	put(&h, "</label><input id=\"xml\" name=\"xml\" type=\"file\" "
	    "accept=\".xml,application/xml,text/xml\">\n<label for=\"seal\">");
	put(&h, L(pg, "hoặc mã trên giấy tờ (dãy số, hoặc đường dẫn của mã "
	    "QR)", "or the code on the paper (the digits, or the QR code's "
	    "link)"));
	put(&h, "</label><textarea id=\"seal\" name=\"seal\" "
	    "inputmode=\"numeric\" autocomplete=\"off\" spellcheck=\"false\">"
	    "</textarea>\n<button type=\"submit\">");
	put(&h, L(pg, "Kiểm tra", "Check"));
	put(&h, "</button>\n</form>\n");
	tail(&h, pg);
	return finish(&h, out, len, err);
}

/* --- message pages ---------------------------------------------------------- */

/* Title and text of each message page, Vietnamese then English. */
static const struct {
	const char *title[2];
	const char *text[2];
} messages[] = {
	[VERIFIER_MSG_NOT_FOUND] = {
		{ "Không có trang này", "No such page" },
		{ "Đường dẫn này không dẫn tới trang nào.",
		  "This address leads to no page." } },
	[VERIFIER_MSG_TOO_MANY] = {
		{ "Quá nhiều yêu cầu", "Too many requests" },
		{ "Có quá nhiều yêu cầu kiểm tra từ địa chỉ của bạn. Hãy đợi "
		  "một lát rồi thử lại.", "Too many checks came from your "
		  "address. Wait a moment, then try again." } },
	[VERIFIER_MSG_TOO_LARGE] = {
		{ "Tệp quá lớn", "File too large" },
		{ "Tệp gửi lên quá lớn để là một giấy tờ hộ tịch điện tử (tối "
		  "đa 1 MiB).", "The file sent is too large to be an "
		  "electronic civil status document (at most 1 MiB)." } },
	[VERIFIER_MSG_BAD_FORM] = {
		{ "Chưa có gì để kiểm tra", "Nothing to check" },
		{ "Hãy chọn một tệp XML hoặc dán mã trên giấy tờ (chỉ một "
		  "trong hai).", "Choose an XML file or paste the code on the "
		  "paper (one of the two)." } },
	[VERIFIER_MSG_INTERNAL] = {
		{ "Lỗi hệ thống", "System error" },
		{ "Không kiểm tra được lúc này. Hãy thử lại sau.",
		  "The check could not be done now. Try again later." } },
};

int
verifyd_page_message(const struct verifyd_page *pg, enum verifier_msg msg,
    char **out, size_t *len, struct cs_err *err)
{
	struct html h = { NULL, 0, 0, 0 };
	const char *title, *text;
	int en = pg->lang == VERIFIER_LANG_EN;

	*out = NULL;
	if ((size_t)msg >= sizeof(messages) / sizeof(messages[0]))
		msg = VERIFIER_MSG_INTERNAL;
	title = messages[msg].title[en];
	text = messages[msg].text[en];
	head(&h, pg, title, "none");
	putf_esc(&h, "<h1>%s</h1>\n", title);
	putf_esc(&h, "<p>%s</p>\n", text);
	put(&h, L(pg, "<p><a href=\"/verify\">Về trang kiểm tra</a></p>\n",
	    "<p><a href=\"/verify?lang=en\">Back to the check page</a></p>\n"));
	tail(&h, pg);
	return finish(&h, out, len, err);
}
