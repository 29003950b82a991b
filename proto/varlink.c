/* varlink wire format: NUL-terminated JSON objects over a stream. Pure: no I/O, no logging. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "varlink.h"

void varlink_buf_init(struct varlink_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void varlink_buf_free(struct varlink_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int varlink_buf_append(struct varlink_buf *b, const void *data, size_t len)
{
	const char *p = data, *end = p + len, *nul, *last;
	size_t seg, need, cap;
	char *n;

	if (!len)
		return 0;
	/* The unterminated message already buffered starts after the last NUL. */
	last = b->len ? memrchr(b->data, '\0', b->len) : NULL;
	seg = last ? b->len - (size_t)(last - b->data) - 1 : b->len;
	/* Every message, terminated or not, is checked here so that a peer cannot make us
	 * buffer more than max per message whatever the chunking. */
	while ((nul = memchr(p, '\0', (size_t)(end - p)))) {
		if (seg + (size_t)(nul - p) > b->max)
			return -EMSGSIZE;
		seg = 0;
		p = nul + 1;
	}
	if (seg + (size_t)(end - p) > b->max)
		return -EMSGSIZE;

	if (len > SIZE_MAX - b->len)
		return -ENOMEM;
	need = b->len + len;
	if (need > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		n = realloc(b->data, cap);
		if (!n)
			return -ENOMEM;
		b->data = n;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len = need;
	return 0;
}

int varlink_buf_pop(struct varlink_buf *b, char **msg, size_t *len)
{
	char *nul, *m;
	size_t n;

	*msg = NULL;
	*len = 0;
	if (!b->len || !(nul = memchr(b->data, '\0', b->len)))
		return 0;
	n = (size_t)(nul - b->data);
	m = malloc(n + 1);
	if (!m)
		return -ENOMEM;
	memcpy(m, b->data, n + 1);
	b->len -= n + 1;
	memmove(b->data, nul + 1, b->len);
	*msg = m;
	*len = n;
	return 1;
}

static int bad(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* Parses msg as one JSON object; NULs inside are refused before jansson sees them. */
static int load_object(const char *msg, size_t len, json_t **out, char *why, size_t whylen)
{
	json_error_t err;
	json_t *root;

	*out = NULL;
	if (memchr(msg, '\0', len))
		return bad(why, whylen, "NUL byte inside message");
	/* Flags 0: trailing data, a non-container top level and \u0000 in strings are refused,
	 * and jansson bounds nesting depth. */
	root = json_loadb(msg, len, 0, &err);
	if (!root)
		return bad(why, whylen, "not JSON: %s at byte %d", err.text, err.position);
	if (!json_is_object(root)) {
		json_decref(root);
		return bad(why, whylen, "not a JSON object");
	}
	*out = root;
	return 0;
}

/* Takes the optional "parameters" member as an owned reference, {} when absent. */
static int take_parameters(json_t *root, json_t **out)
{
	json_t *p = json_object_get(root, "parameters");

	if (p && !json_is_object(p))
		return -EBADMSG;
	*out = p ? json_incref(p) : json_object();
	return *out ? 0 : -ENOMEM;
}

/* An optional boolean member: absent is false, anything but a boolean is an error. */
static int get_flag(json_t *root, const char *key, bool *out)
{
	json_t *v = json_object_get(root, key);

	*out = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return -EBADMSG;
	*out = json_is_true(v);
	return 0;
}

int varlink_call_parse(struct varlink_call *c, const char *msg, size_t len, char *why, size_t whylen)
{
	json_t *root = NULL, *m;
	int r;

	memset(c, 0, sizeof(*c));
	r = load_object(msg, len, &root, why, whylen);
	if (r < 0)
		goto out;
	m = json_object_get(root, "method");
	if (!json_is_string(m)) {
		r = bad(why, whylen, m ? "method is not a string" : "missing method");
		goto out;
	}
	if (json_string_length(m) == 0 || json_string_length(m) >= sizeof(c->method)) {
		r = bad(why, whylen, "method name empty or too long");
		goto out;
	}
	memcpy(c->method, json_string_value(m), json_string_length(m) + 1);
	if (get_flag(root, "oneway", &c->oneway) < 0 || get_flag(root, "more", &c->more) < 0) {
		r = bad(why, whylen, "oneway/more is not a boolean");
		goto out;
	}
	r = take_parameters(root, &c->parameters);
	if (r == -EBADMSG)
		bad(why, whylen, "parameters is not an object");
out:
	json_decref(root);
	if (r < 0)
		varlink_call_clear(c);
	return r;
}

void varlink_call_clear(struct varlink_call *c)
{
	if (!c)
		return;
	json_decref(c->parameters);
	memset(c, 0, sizeof(*c));
}

int varlink_reply_parse(struct varlink_reply *r, const char *msg, size_t len)
{
	json_t *root = NULL, *e;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = load_object(msg, len, &root, NULL, 0);
	if (ret < 0)
		goto out;
	ret = -EBADMSG;
	e = json_object_get(root, "error");
	if (e) {
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) >= sizeof(r->error))
			goto out;
		memcpy(r->error, json_string_value(e), json_string_length(e) + 1);
	}
	if (get_flag(root, "continues", &r->continues) < 0)
		goto out;
	ret = take_parameters(root, &r->parameters);
out:
	json_decref(root);
	if (ret < 0)
		varlink_reply_clear(r);
	return ret;
}

void varlink_reply_clear(struct varlink_reply *r)
{
	if (!r)
		return;
	json_decref(r->parameters);
	memset(r, 0, sizeof(*r));
}

/* Serialises root, consuming it. json_dumps escapes NUL, so its terminator is the frame's. */
static char *put(json_t *root, size_t *len)
{
	char *s = NULL;

	*len = 0;
	if (!root)
		return NULL;
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (s)
		*len = strlen(s) + 1;
	return s;
}

/* {key: value, "parameters": parameters or {}}; parameters is borrowed. */
static json_t *message(const char *key, const char *value, json_t *parameters)
{
	json_t *root = json_object();

	if (!root)
		return NULL;
	if (key && json_object_set_new(root, key, json_string(value)) < 0)
		goto fail;
	if (parameters ? json_object_set(root, "parameters", parameters) < 0 :
			 json_object_set_new(root, "parameters", json_object()) < 0)
		goto fail;
	return root;
fail:
	json_decref(root);
	return NULL;
}

char *varlink_call_put(const char *method, json_t *parameters, size_t *len)
{
	return put(message("method", method, parameters), len);
}

char *varlink_reply_put(json_t *parameters, bool continues, size_t *len)
{
	json_t *root = message(NULL, NULL, parameters);

	if (root && continues && json_object_set_new(root, "continues", json_true()) < 0) {
		json_decref(root);
		root = NULL;
	}
	return put(root, len);
}

char *varlink_error_put(const char *error, json_t *parameters, size_t *len)
{
	return put(message("error", error, parameters), len);
}
