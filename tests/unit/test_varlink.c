/* Unit tests for proto/varlink.c: framing, call/reply parsing, encoding. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "unit.h"
#include "varlink.h"

#define MSGS "{\"method\":\"a.B\"}\0{\"method\":\"c.D\",\"parameters\":{\"x\":1}}\0{}\0"

static const char *const msgs_want[] = {
	"{\"method\":\"a.B\"}",
	"{\"method\":\"c.D\",\"parameters\":{\"x\":1}}",
	"{}",
};

/* Pops every complete message and checks it against msgs_want[*next...]. */
static void drain(struct varlink_buf *b, size_t *next)
{
	char *m;
	size_t len;

	while (varlink_buf_pop(b, &m, &len) == 1) {
		CU_ASSERT_FATAL(*next < 3);
		CU_ASSERT_EQUAL(len, strlen(msgs_want[*next]));
		CU_ASSERT_STRING_EQUAL(m, msgs_want[*next]);
		free(m);
		(*next)++;
	}
}

static void test_buf_byte_by_byte(void)
{
	struct varlink_buf b;
	size_t next = 0;

	varlink_buf_init(&b, 128);
	for (size_t i = 0; i < sizeof(MSGS) - 1; i++) {
		CU_ASSERT_EQUAL(varlink_buf_append(&b, MSGS + i, 1), 0);
		drain(&b, &next);
	}
	CU_ASSERT_EQUAL(next, 3);
	CU_ASSERT_EQUAL(b.len, 0);
	varlink_buf_free(&b);
}

static void test_buf_all_at_once(void)
{
	struct varlink_buf b;
	size_t next = 0;
	char *m;
	size_t len;

	varlink_buf_init(&b, 128);
	/* Plus the start of a fourth message that stays pending. */
	CU_ASSERT_EQUAL(varlink_buf_append(&b, MSGS "{\"meth", sizeof(MSGS) - 1 + 6), 0);
	drain(&b, &next);
	CU_ASSERT_EQUAL(next, 3);
	CU_ASSERT_EQUAL(varlink_buf_pop(&b, &m, &len), 0);
	CU_ASSERT_PTR_NULL(m);
	CU_ASSERT_EQUAL(b.len, 6);
	varlink_buf_free(&b);
}

static void test_buf_every_split(void)
{
	/* Every two-chunk split of the stream yields the same messages. */
	for (size_t cut = 0; cut <= sizeof(MSGS) - 1; cut++) {
		struct varlink_buf b;
		size_t next = 0;

		varlink_buf_init(&b, 64);
		CU_ASSERT_EQUAL(varlink_buf_append(&b, MSGS, cut), 0);
		drain(&b, &next);
		CU_ASSERT_EQUAL(varlink_buf_append(&b, MSGS + cut, sizeof(MSGS) - 1 - cut), 0);
		drain(&b, &next);
		CU_ASSERT_EQUAL(next, 3);
		varlink_buf_free(&b);
	}
}

static void test_buf_max(void)
{
	enum { MAX = 1000 };
	struct varlink_buf b;
	char data[MAX + 2], *m;
	size_t len;

	memset(data, 'x', sizeof(data));
	data[MAX] = '\0';

	/* Exactly max bytes plus the NUL, fed in two pieces. */
	varlink_buf_init(&b, MAX);
	CU_ASSERT_EQUAL(varlink_buf_append(&b, data, MAX - 1), 0);
	CU_ASSERT_EQUAL(varlink_buf_append(&b, data + MAX - 1, 2), 0);
	CU_ASSERT_EQUAL_FATAL(varlink_buf_pop(&b, &m, &len), 1);
	CU_ASSERT_EQUAL(len, MAX);
	CU_ASSERT_EQUAL(strlen(m), MAX);
	free(m);
	varlink_buf_free(&b);

	/* max + 1 bytes without a NUL: refused at once, in one piece or byte by byte. */
	varlink_buf_init(&b, MAX);
	CU_ASSERT_EQUAL(varlink_buf_append(&b, data + MAX + 1, 1), 0);
	CU_ASSERT_EQUAL(varlink_buf_append(&b, data, MAX), -EMSGSIZE);
	varlink_buf_free(&b);

	varlink_buf_init(&b, MAX);
	for (size_t i = 0; i < MAX; i++)
		CU_ASSERT_EQUAL_FATAL(varlink_buf_append(&b, "y", 1), 0);
	CU_ASSERT_EQUAL(varlink_buf_append(&b, "y", 1), -EMSGSIZE);
	varlink_buf_free(&b);

	/* An oversized message is refused even when its NUL arrives in the same chunk. */
	memset(data, 'z', MAX + 1);
	data[MAX + 1] = '\0';
	varlink_buf_init(&b, MAX);
	CU_ASSERT_EQUAL(varlink_buf_append(&b, data, MAX + 2), -EMSGSIZE);
	varlink_buf_free(&b);

	/* Several messages each under max may together exceed it. */
	varlink_buf_init(&b, 4);
	CU_ASSERT_EQUAL(varlink_buf_append(&b, "abcd\0efgh\0ijkl\0", 15), 0);
	CU_ASSERT_EQUAL(varlink_buf_pop(&b, &m, &len), 1);
	CU_ASSERT_STRING_EQUAL(m, "abcd");
	free(m);
	varlink_buf_free(&b);
	varlink_buf_free(NULL);
}

static int parse(const char *s, size_t len, struct varlink_call *c)
{
	char why[128] = "";
	int r = varlink_call_parse(c, s, len, why, sizeof(why));

	if (r < 0) {
		/* A refusal always says why, and leaves nothing to free. */
		CU_ASSERT(why[0] != '\0');
		CU_ASSERT_PTR_NULL(c->parameters);
	}
	return r;
}

#define PARSE(lit, c) parse(lit, sizeof(lit) - 1, c)

static void test_call_valid(void)
{
	struct varlink_call c;

	CU_ASSERT_EQUAL_FATAL(PARSE("{\"method\":\"io.privfw.Firewall.GetStatus\"}", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.method, "io.privfw.Firewall.GetStatus");
	CU_ASSERT(json_is_object(c.parameters));
	CU_ASSERT_EQUAL(json_object_size(c.parameters), 0);
	CU_ASSERT_FALSE(c.oneway);
	CU_ASSERT_FALSE(c.more);
	varlink_call_clear(&c);

	CU_ASSERT_EQUAL_FATAL(PARSE(" {\"parameters\":{\"app\":\"org.gnome.Maps\"},\"oneway\":true,"
				    "\"method\":\"io.privfw.Firewall.ResetApp\",\"x\":[1]} ", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.method, "io.privfw.Firewall.ResetApp");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c.parameters, "app")), "org.gnome.Maps");
	CU_ASSERT_TRUE(c.oneway);
	CU_ASSERT_FALSE(c.more);
	varlink_call_clear(&c);

	CU_ASSERT_EQUAL_FATAL(PARSE("{\"method\":\"a.B\",\"more\":true,\"oneway\":false}", &c), 0);
	CU_ASSERT_TRUE(c.more);
	CU_ASSERT_FALSE(c.oneway);
	varlink_call_clear(&c);
	varlink_call_clear(&c);
	varlink_call_clear(NULL);
}

static void test_call_invalid(void)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"[{\"method\":\"a.B\"}]",
		"\"a.B\"",
		"42",
		"null",
		"{}",
		"{\"parameters\":{}}",
		"{\"method\":42}",
		"{\"method\":null}",
		"{\"method\":\"\"}",
		"{\"method\":\"a.B\",\"parameters\":[]}",
		"{\"method\":\"a.B\",\"parameters\":\"x\"}",
		"{\"method\":\"a.B\",\"parameters\":null}",
		"{\"method\":\"a.B\",\"oneway\":1}",
		"{\"method\":\"a.B\",\"more\":\"yes\"}",
		"{\"method\":\"a.B\"} {}",
		"{\"method\":\"a.B\"}x",
		"{\"method\":\"a.B\"",
		"{\"method\":\"a\\u0000B\"}",
		"{\"method\":\"a.B\",\"parameters\":{\"k\":\"\\u0000\"}}",
		"{\"method\":\"\xff\xfe\"}",
	};
	char longm[256];
	struct varlink_call c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i], strlen(bad[i]), &c);

		if (r != -EBADMSG)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CU_ASSERT_EQUAL(r, -EBADMSG);
	}
	/* A NUL byte in the middle of an otherwise valid message. */
	CU_ASSERT_EQUAL(PARSE("{\"method\":\"a.B\"}\0", &c), -EBADMSG);
	CU_ASSERT_EQUAL(PARSE("{\"method\":\"a.B\",\0\"more\":true}", &c), -EBADMSG);

	/* A method name that does not fit, and one that just does. */
	snprintf(longm, sizeof(longm), "{\"method\":\"%0128d\"}", 0);
	CU_ASSERT_EQUAL(parse(longm, strlen(longm), &c), -EBADMSG);
	snprintf(longm, sizeof(longm), "{\"method\":\"%0127d\"}", 0);
	CU_ASSERT_EQUAL_FATAL(parse(longm, strlen(longm), &c), 0);
	CU_ASSERT_EQUAL(strlen(c.method), 127);
	varlink_call_clear(&c);

	/* why may be omitted. */
	CU_ASSERT_EQUAL(varlink_call_parse(&c, "[]", 2, NULL, 0), -EBADMSG);
}

static void test_call_deep_nesting(void)
{
	enum { DEPTH = 10000 };
	struct varlink_call c;
	char *s = malloc(2 * DEPTH + 64);
	size_t n = 0;

	CU_ASSERT_FATAL(s != NULL);
	/* Unbalanced, then balanced: jansson's depth limit must refuse both without recursing
	 * 10000 deep. */
	memset(s, '[', DEPTH);
	CU_ASSERT_EQUAL(parse(s, DEPTH, &c), -EBADMSG);

	n = (size_t)sprintf(s, "{\"method\":\"a.B\",\"parameters\":{\"x\":");
	memset(s + n, '[', DEPTH);
	memset(s + n + DEPTH, ']', DEPTH);
	n += 2 * DEPTH;
	s[n++] = '}';
	s[n++] = '}';
	CU_ASSERT_EQUAL(parse(s, n, &c), -EBADMSG);

	/* Moderate nesting is fine. */
	n = (size_t)sprintf(s, "{\"method\":\"a.B\",\"parameters\":{\"x\":");
	memset(s + n, '[', 100);
	memset(s + n + 100, ']', 100);
	n += 200;
	s[n++] = '}';
	s[n++] = '}';
	CU_ASSERT_EQUAL(parse(s, n, &c), 0);
	varlink_call_clear(&c);
	free(s);
}

#define RPARSE(lit, r) varlink_reply_parse(r, lit, sizeof(lit) - 1)

static void test_reply_parse(void)
{
	struct varlink_reply r;

	CU_ASSERT_EQUAL_FATAL(RPARSE("{\"parameters\":{\"version\":\"0.1\"}}", &r), 0);
	CU_ASSERT_STRING_EQUAL(r.error, "");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.parameters, "version")), "0.1");
	CU_ASSERT_FALSE(r.continues);
	varlink_reply_clear(&r);

	CU_ASSERT_EQUAL_FATAL(RPARSE("{\"error\":\"org.varlink.service.InvalidParameter\","
				     "\"parameters\":{\"parameter\":\"app\"}}", &r), 0);
	CU_ASSERT_STRING_EQUAL(r.error, VARLINK_ERR_INVALID_PARAMETER);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.parameters, "parameter")), "app");
	varlink_reply_clear(&r);

	CU_ASSERT_EQUAL_FATAL(RPARSE("{\"error\":\"io.privfw.Firewall.NoSuchApp\"}", &r), 0);
	CU_ASSERT_STRING_EQUAL(r.error, PRIVFW_ERR_NO_SUCH_APP);
	CU_ASSERT(json_is_object(r.parameters));
	varlink_reply_clear(&r);

	CU_ASSERT_EQUAL_FATAL(RPARSE("{\"continues\":true}", &r), 0);
	CU_ASSERT_TRUE(r.continues);
	CU_ASSERT_EQUAL(json_object_size(r.parameters), 0);
	varlink_reply_clear(&r);
	varlink_reply_clear(NULL);

	CU_ASSERT_EQUAL(RPARSE("[]", &r), -EBADMSG);
	CU_ASSERT_EQUAL(RPARSE("{\"error\":1}", &r), -EBADMSG);
	CU_ASSERT_EQUAL(RPARSE("{\"error\":\"\"}", &r), -EBADMSG);
	CU_ASSERT_EQUAL(RPARSE("{\"parameters\":[1]}", &r), -EBADMSG);
	CU_ASSERT_EQUAL(RPARSE("{\"continues\":\"no\"}", &r), -EBADMSG);
	CU_ASSERT_EQUAL(RPARSE("{}\0{}", &r), -EBADMSG);
	CU_ASSERT_PTR_NULL(r.parameters);
}

/* len is read through a pointer: an argument beside the put() that sets it may be evaluated
 * first. The encoded message is NUL-terminated, has no other NUL and frames as one message. */
static char *frame_one(char *enc, const size_t *lenp, size_t *mlen)
{
	size_t len = *lenp;

	struct varlink_buf b;
	char *m = NULL;

	CU_ASSERT_FATAL(enc != NULL);
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL(enc[len - 1], '\0');
	CU_ASSERT_EQUAL(strlen(enc), len - 1);
	varlink_buf_init(&b, VARLINK_MSG_MAX);
	CU_ASSERT_EQUAL(varlink_buf_append(&b, enc, len), 0);
	CU_ASSERT_EQUAL(varlink_buf_pop(&b, &m, mlen), 1);
	CU_ASSERT_EQUAL(b.len, 0);
	varlink_buf_free(&b);
	free(enc);
	return m;
}

static const char unicode[] = "Kärtchen \xe2\x82\xac \xf0\x9f\x93\xb1 \"q\" \\ \n\t \x01";

static void test_roundtrip(void)
{
	json_t *p = json_pack("{s:s, s:I, s:b, s:[i, n]}", "app", unicode, "big",
			      (json_int_t)9007199254740993LL, "flag", 1, "list", 7);
	struct varlink_call c;
	struct varlink_reply r;
	size_t len, mlen;
	char *m;

	CU_ASSERT_FATAL(p != NULL);

	m = frame_one(varlink_call_put(PRIVFW_IFACE ".SetApp", p, &len), &len, &mlen);
	CU_ASSERT_EQUAL_FATAL(parse(m, mlen, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.method, "io.privfw.Firewall.SetApp");
	CU_ASSERT_TRUE(json_equal(c.parameters, p));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c.parameters, "app")), unicode);
	CU_ASSERT_FALSE(c.oneway);
	varlink_call_clear(&c);
	free(m);

	m = frame_one(varlink_call_put("a.B", NULL, &len), &len, &mlen);
	CU_ASSERT_STRING_EQUAL(m, "{\"method\":\"a.B\",\"parameters\":{}}");
	free(m);

	m = frame_one(varlink_reply_put(p, true, &len), &len, &mlen);
	CU_ASSERT_EQUAL_FATAL(varlink_reply_parse(&r, m, mlen), 0);
	CU_ASSERT_STRING_EQUAL(r.error, "");
	CU_ASSERT_TRUE(r.continues);
	CU_ASSERT_TRUE(json_equal(r.parameters, p));
	varlink_reply_clear(&r);
	free(m);

	m = frame_one(varlink_reply_put(NULL, false, &len), &len, &mlen);
	CU_ASSERT_STRING_EQUAL(m, "{\"parameters\":{}}");
	free(m);

	m = frame_one(varlink_error_put(PRIVFW_ERR_POLICY_SAVE, p, &len), &len, &mlen);
	CU_ASSERT_EQUAL_FATAL(varlink_reply_parse(&r, m, mlen), 0);
	CU_ASSERT_STRING_EQUAL(r.error, "io.privfw.Firewall.PolicySaveFailed");
	CU_ASSERT_FALSE(r.continues);
	CU_ASSERT_TRUE(json_equal(r.parameters, p));
	varlink_reply_clear(&r);
	free(m);

	m = frame_one(varlink_error_put(VARLINK_ERR_PERMISSION_DENIED, NULL, &len), &len, &mlen);
	CU_ASSERT_EQUAL_FATAL(varlink_reply_parse(&r, m, mlen), 0);
	CU_ASSERT_STRING_EQUAL(r.error, VARLINK_ERR_PERMISSION_DENIED);
	CU_ASSERT_EQUAL(json_object_size(r.parameters), 0);
	varlink_reply_clear(&r);
	free(m);

	/* Parameters are borrowed: the caller's reference survives every put. */
	CU_ASSERT_EQUAL(p->refcount, 1);
	json_decref(p);

	/* A string that is not UTF-8 cannot be encoded. */
	CU_ASSERT_PTR_NULL(varlink_call_put("a.\xff", NULL, &len));
	CU_ASSERT_EQUAL(len, 0);
}

static void test_roundtrip_nul_in_value(void)
{
	/* A NUL inside a value is escaped by the encoder, so it cannot end the frame early; the
	 * parser still refuses \u0000, as the daemon never needs it. */
	json_t *p = json_pack("{s:s%}", "k", "a\0b", (size_t)3);
	size_t len, mlen;
	struct varlink_call c;
	char *m;

	CU_ASSERT_FATAL(p != NULL);
	m = frame_one(varlink_call_put("a.B", p, &len), &len, &mlen);
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "\\u0000"));
	CU_ASSERT_EQUAL(parse(m, mlen, &c), -EBADMSG);
	free(m);
	json_decref(p);
}

static const struct unit_case cases[] = {
	{ "buf_byte_by_byte", test_buf_byte_by_byte },
	{ "buf_all_at_once", test_buf_all_at_once },
	{ "buf_every_split", test_buf_every_split },
	{ "buf_max", test_buf_max },
	{ "call_valid", test_call_valid },
	{ "call_invalid", test_call_invalid },
	{ "call_deep_nesting", test_call_deep_nesting },
	{ "reply_parse", test_reply_parse },
	{ "roundtrip", test_roundtrip },
	{ "roundtrip_nul_in_value", test_roundtrip_nul_in_value },
	{ NULL, NULL },
};

int main(void)
{
	return unit_run("varlink", cases);
}
