/* policy: per-app network permission in a libconfig file. See policy.h and privfw.conf(5). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "policy.h"
#include "textfile.h"

/* A policy is small; anything bigger is not one of ours. */
#define POLICY_MAX_BYTES (4 << 20)

/* An app entry while parsing: the line is kept to point at duplicates. */
struct parsed_app {
	struct policy_app app;      /* id borrowed from libconfig */
	int line;
	size_t index;
};

void policy_error_set(struct policy_error *err, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static int setting_line(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

const char *policy_action_name(enum policy_action a)
{
	return a == POLICY_DENY ? "deny" : a == POLICY_LOG ? "log" : "allow";
}

int policy_action_parse(const char *s, enum policy_action *a)
{
	if (s && !strcmp(s, "allow"))
		*a = POLICY_ALLOW;
	else if (s && !strcmp(s, "deny"))
		*a = POLICY_DENY;
	else if (s && !strcmp(s, "log"))
		*a = POLICY_LOG;
	else
		return -EINVAL;
	return 0;
}

bool policy_app_id_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n < 1 || n > 255)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr("._:@/+-", *s)))
			return false;
	return true;
}

bool policy_host_pattern_valid(const char *s)
{
	size_t n, label = 0;

	if (!s)
		return false;
	if (s[0] == '*' && s[1] == '.')
		s += 2;
	n = strlen(s);
	if (n < 1 || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (; *s; s++) {
		if (*s == '.') {
			if (!label)
				return false;
			label = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static void hosts_free(struct policy_hosts *h)
{
	for (size_t i = 0; i < h->n_allow; i++)
		free(h->allow[i]);
	for (size_t i = 0; i < h->n_deny; i++)
		free(h->deny[i]);
	free(h->allow);
	free(h->deny);
	memset(h, 0, sizeof(*h));
}

static int list_add(char ***list, size_t *n, const char *pattern)
{
	char **l, *dup;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i], pattern))
			return 0;
	if (!(dup = strdup(pattern)))
		return -ENOMEM;
	if (!(l = reallocarray(*list, *n + 1, sizeof(*l)))) {
		free(dup);
		return -ENOMEM;
	}
	l[(*n)++] = dup;
	*list = l;
	return 0;
}

static bool list_remove(char **list, size_t *n, const char *pattern)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(list[i], pattern))
			continue;
		free(list[i]);
		memmove(&list[i], &list[i + 1], (*n - i - 1) * sizeof(*list));
		(*n)--;
		return true;
	}
	return false;
}

static int hosts_dup(struct policy_hosts *d, const struct policy_hosts *h)
{
	int r = 0;

	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < h->n_allow && !r; i++)
		r = list_add(&d->allow, &d->n_allow, h->allow[i]);
	for (size_t i = 0; i < h->n_deny && !r; i++)
		r = list_add(&d->deny, &d->n_deny, h->deny[i]);
	if (r)
		hosts_free(d);
	return r;
}

/* How specifically pattern matches host: its length, or -1 when it does not match. */
static int host_match(const char *pattern, const char *host, size_t hlen)
{
	size_t plen;

	if (pattern[0] == '*' && pattern[1] == '.') {
		plen = strlen(pattern + 2);
		if (hlen == plen && !strcmp(host, pattern + 2))
			return (int)plen;
		if (hlen > plen && host[hlen - plen - 1] == '.' && !strcmp(host + hlen - plen, pattern + 2))
			return (int)plen;
		return -1;
	}
	/* An exact name beats a wildcard of the same name. */
	return strcmp(pattern, host) ? -1 : (int)strlen(pattern) + 1;
}

static int best_match(char *const *list, size_t n, const char *host, size_t hlen)
{
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		int m = host_match(list[i], host, hlen);

		if (m > best)
			best = m;
	}
	return best;
}

struct policy *policy_new(void)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->default_network = POLICY_ALLOW;
	p->log_new_apps = true;
	/* The device's identifiers and the owner's secrets never leave unless allowed. */
	for (unsigned c = 0; c < CAT_COUNT; c++)
		p->default_data[c] = POLICY_LOG;
	p->default_data[CAT_DEVICE_ID] = POLICY_DENY;
	p->default_data[CAT_SECRET] = POLICY_DENY;
	return p;
}

static void app_free(struct policy_app *a)
{
	free(a->id);
	hosts_free(&a->hosts);
}

void policy_free(struct policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_apps; i++)
		app_free(&p->apps[i]);
	hosts_free(&p->default_hosts);
	free(p->apps);
	free(p);
}

struct policy *policy_dup(const struct policy *p)
{
	struct policy *d, *ret = NULL;
	size_t i;

	if (!(d = policy_new()))
		goto out;
	d->default_network = p->default_network;
	d->log_new_apps = p->log_new_apps;
	memcpy(d->default_data, p->default_data, sizeof(d->default_data));
	if (hosts_dup(&d->default_hosts, &p->default_hosts) < 0)
		goto out;
	if (p->n_apps) {
		if (!(d->apps = calloc(p->n_apps, sizeof(*d->apps))))
			goto out;
		d->cap_apps = p->n_apps;
	}
	for (i = 0; i < p->n_apps; i++) {
		/* Struct copy first, so fields added later come along. */
		d->apps[i] = p->apps[i];
		memset(&d->apps[i].hosts, 0, sizeof(d->apps[i].hosts));
		if (!(d->apps[i].id = strdup(p->apps[i].id))) {
			goto out;
		}
		d->n_apps++;
		if (hosts_dup(&d->apps[i].hosts, &p->apps[i].hosts) < 0)
			goto out;
	}
	ret = d;
	d = NULL;
out:
	policy_free(d);
	return ret;
}

/* Index of the first entry whose id is >= app; *found says whether it is equal. */
static size_t lower_bound(const struct policy *p, const char *app, bool *found)
{
	size_t lo = 0, hi = p->n_apps, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(p->apps[mid].id, app);
		if (c < 0) {
			lo = mid + 1;
		} else {
			if (c == 0)
				*found = true;
			hi = mid;
		}
	}
	return lo;
}

enum policy_action policy_network(const struct policy *p, const char *app, bool *explicit_entry)
{
	bool found = false;
	size_t i = 0;

	if (app)
		i = lower_bound(p, app, &found);
	if (explicit_entry)
		*explicit_entry = found;
	return found ? p->apps[i].network : p->default_network;
}

static const struct policy_app *app_entry(const struct policy *p, const char *app)
{
	bool found = false;
	size_t i = 0;

	if (app)
		i = lower_bound(p, app, &found);
	return found ? &p->apps[i] : NULL;
}

enum policy_action policy_data(const struct policy *p, const char *app, unsigned cat)
{
	const struct policy_app *a = app_entry(p, app);

	if (cat >= CAT_COUNT)
		return POLICY_DENY;
	if (a && a->data[cat] != POLICY_UNSET)
		return (enum policy_action)a->data[cat];
	return (enum policy_action)p->default_data[cat];
}

static const struct policy_hosts *hosts_of(const struct policy *p, const char *app)
{
	const struct policy_app *a = app_entry(p, app);

	if (a && (a->hosts.n_allow || a->hosts.n_deny))
		return &a->hosts;
	return &p->default_hosts;
}

enum policy_action policy_host(const struct policy *p, const char *app, const char *host)
{
	const struct policy_hosts *h = hosts_of(p, app);
	int allow = -1, deny = -1;
	size_t hlen;

	if (!h->n_allow && !h->n_deny)
		return POLICY_ALLOW;
	if (host) {
		hlen = strlen(host);
		allow = best_match(h->allow, h->n_allow, host, hlen);
		deny = best_match(h->deny, h->n_deny, host, hlen);
	}
	if (deny >= 0 && deny >= allow)
		return POLICY_DENY;
	if (allow < 0 && h->n_allow)
		return POLICY_DENY;
	return POLICY_ALLOW;
}

bool policy_inspects(const struct policy *p, const char *app)
{
	const struct policy_hosts *h = hosts_of(p, app);

	if (h->n_allow || h->n_deny)
		return true;
	for (unsigned c = 0; c < CAT_COUNT; c++)
		if (policy_data(p, app, c) != POLICY_ALLOW)
			return true;
	return false;
}

/* app's entry, added with the default's network when missing; NULL with *err set. */
static struct policy_app *app_get(struct policy *p, const char *app, int *err)
{
	bool found;
	size_t i;

	*err = policy_set_app(p, app, policy_network(p, app, NULL));
	if (*err < 0)
		return NULL;
	i = lower_bound(p, app, &found);
	return &p->apps[i];
}

int policy_set_data(struct policy *p, const char *app, unsigned cat, int action)
{
	struct policy_app *a;
	int r;

	if (cat >= CAT_COUNT || action < POLICY_UNSET || action > POLICY_LOG)
		return -EINVAL;
	if (!app) {
		if (action == POLICY_UNSET)
			return -EINVAL;
		p->default_data[cat] = (int8_t)action;
		return 0;
	}
	if (!(a = app_get(p, app, &r)))
		return r;
	a->data[cat] = (int8_t)action;
	return 0;
}

int policy_set_host(struct policy *p, const char *app, const char *pattern, bool deny)
{
	struct policy_hosts *h = &p->default_hosts;
	struct policy_app *a;
	int r;

	if (!policy_host_pattern_valid(pattern))
		return -EINVAL;
	if (app) {
		if (!(a = app_get(p, app, &r)))
			return r;
		h = &a->hosts;
	}
	if (deny) {
		list_remove(h->allow, &h->n_allow, pattern);
		return list_add(&h->deny, &h->n_deny, pattern);
	}
	list_remove(h->deny, &h->n_deny, pattern);
	return list_add(&h->allow, &h->n_allow, pattern);
}

int policy_unset_host(struct policy *p, const char *app, const char *pattern)
{
	struct policy_hosts *h = &p->default_hosts;
	bool found = false;
	size_t i;

	if (app) {
		i = lower_bound(p, app, &found);
		if (!found)
			return -ENOENT;
		h = &p->apps[i].hosts;
	}
	found = list_remove(h->allow, &h->n_allow, pattern);
	found |= list_remove(h->deny, &h->n_deny, pattern);
	return found ? 0 : -ENOENT;
}

int policy_set_app(struct policy *p, const char *app, enum policy_action a)
{
	struct policy_app *apps;
	size_t i, cap;
	bool found;
	char *id;

	if (!policy_app_id_valid(app) || (a != POLICY_ALLOW && a != POLICY_DENY))
		return -EINVAL;
	i = lower_bound(p, app, &found);
	if (found) {
		p->apps[i].network = a;
		return 0;
	}
	if (p->n_apps == p->cap_apps) {
		cap = p->cap_apps ? p->cap_apps * 2 : 8;
		if (!(apps = reallocarray(p->apps, cap, sizeof(*apps))))
			return -ENOMEM;
		p->apps = apps;
		p->cap_apps = cap;
	}
	if (!(id = strdup(app)))
		return -ENOMEM;
	memmove(&p->apps[i + 1], &p->apps[i], (p->n_apps - i) * sizeof(*p->apps));
	p->apps[i] = (struct policy_app){ .id = id, .network = a };
	memset(p->apps[i].data, POLICY_UNSET, sizeof(p->apps[i].data));
	p->n_apps++;
	return 0;
}

int policy_reset_app(struct policy *p, const char *app)
{
	bool found = false;
	size_t i = 0;

	if (app)
		i = lower_bound(p, app, &found);
	if (!found)
		return -ENOENT;
	app_free(&p->apps[i]);
	memmove(&p->apps[i], &p->apps[i + 1], (p->n_apps - i - 1) * sizeof(*p->apps));
	p->n_apps--;
	return 0;
}

static int parse_action(const config_setting_t *s, enum policy_action *a)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return -EINVAL;
	if (policy_action_parse(config_setting_get_string(s), a) < 0 || *a == POLICY_LOG)
		return -EINVAL;
	return 0;
}

/* data = { device_id = "deny"; location = "log"; ... }; */
static int parse_data(int8_t *data, const config_setting_t *g, const char *name,
		      struct policy_error *err)
{
	enum policy_action a;
	int n, cat;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		policy_error_set(err, name, setting_line(g), "data must be a group");
		return -EINVAL;
	}
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);

		if ((cat = data_cat_parse(config_setting_name(s))) < 0) {
			policy_error_set(err, name, setting_line(s), "unknown data category \"%s\"",
					 config_setting_name(s));
			return -EINVAL;
		}
		if (config_setting_type(s) != CONFIG_TYPE_STRING ||
		    policy_action_parse(config_setting_get_string(s), &a) < 0) {
			policy_error_set(err, name, setting_line(s),
					 "%s must be \"allow\", \"deny\" or \"log\"", config_setting_name(s));
			return -EINVAL;
		}
		data[cat] = (int8_t)a;
	}
	return 0;
}

/* hosts = { allow = [ "..." ]; deny = [ "*.tracker.example" ]; }; */
static int parse_hosts(struct policy_hosts *h, const config_setting_t *g, const char *name,
		       struct policy_error *err)
{
	int n;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		policy_error_set(err, name, setting_line(g), "hosts must be a group");
		return -EINVAL;
	}
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *l = config_setting_get_elem(g, (unsigned)i);
		const char *key = config_setting_name(l);
		bool deny = !strcmp(key, "deny");

		if (!deny && strcmp(key, "allow")) {
			policy_error_set(err, name, setting_line(l), "unknown setting \"%s\" in hosts", key);
			return -EINVAL;
		}
		if (config_setting_type(l) != CONFIG_TYPE_ARRAY && config_setting_type(l) != CONFIG_TYPE_LIST) {
			policy_error_set(err, name, setting_line(l), "hosts.%s must be a list of strings", key);
			return -EINVAL;
		}
		for (int j = 0; j < config_setting_length(l); j++) {
			const config_setting_t *e = config_setting_get_elem(l, (unsigned)j);
			const char *pat = config_setting_get_string(e);

			if (!pat || !policy_host_pattern_valid(pat)) {
				policy_error_set(err, name, setting_line(e) ? setting_line(e) : setting_line(l),
						 "hosts.%s: invalid host pattern (lower-case name, optionally \"*.\" first)", key);
				return -EINVAL;
			}
			if (list_add(deny ? &h->deny : &h->allow, deny ? &h->n_deny : &h->n_allow, pat) < 0) {
				policy_error_set(err, name, 0, "%s", strerror(ENOMEM));
				return -ENOMEM;
			}
		}
	}
	return 0;
}

static int parse_default(struct policy *p, const config_setting_t *g, const char *name,
			 struct policy_error *err)
{
	const config_setting_t *s;
	int i, n, r;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		policy_error_set(err, name, setting_line(g), "default must be a group");
		return -EINVAL;
	}
	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if (!strcmp(config_setting_name(s), "network")) {
			if (parse_action(s, &p->default_network) < 0) {
				policy_error_set(err, name, setting_line(s),
					  "network must be \"allow\" or \"deny\"");
				return -EINVAL;
			}
		} else if (!strcmp(config_setting_name(s), "log_new_apps")) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
				policy_error_set(err, name, setting_line(s),
					  "log_new_apps must be true or false");
				return -EINVAL;
			}
			p->log_new_apps = config_setting_get_bool(s);
		} else if (!strcmp(config_setting_name(s), "data")) {
			if (parse_data(p->default_data, s, name, err) < 0)
				return -EINVAL;
		} else if (!strcmp(config_setting_name(s), "hosts")) {
			if ((r = parse_hosts(&p->default_hosts, s, name, err)) < 0)
				return r;
		} else {
			policy_error_set(err, name, setting_line(s), "unknown setting \"%s\" in default",
				  config_setting_name(s));
			return -EINVAL;
		}
	}
	return 0;
}

/* One { id = ...; network = ...; data = { ... }; hosts = { ... }; } entry. */
static int parse_app(struct parsed_app *pa, const config_setting_t *g, const char *name,
		     struct policy_error *err)
{
	const config_setting_t *s;
	bool have_network = false;
	const char *id = NULL;
	int i, n, r;

	memset(pa->app.data, POLICY_UNSET, sizeof(pa->app.data));
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		policy_error_set(err, name, setting_line(g), "apps entries must be groups");
		return -EINVAL;
	}
	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if (!strcmp(config_setting_name(s), "id")) {
			if (config_setting_type(s) != CONFIG_TYPE_STRING) {
				policy_error_set(err, name, setting_line(s), "id must be a string");
				return -EINVAL;
			}
			id = config_setting_get_string(s);
			if (!policy_app_id_valid(id)) {
				policy_error_set(err, name, setting_line(s), "invalid app id");
				return -EINVAL;
			}
			pa->line = setting_line(s);
		} else if (!strcmp(config_setting_name(s), "network")) {
			if (parse_action(s, &pa->app.network) < 0) {
				policy_error_set(err, name, setting_line(s),
					  "network must be \"allow\" or \"deny\"");
				return -EINVAL;
			}
			have_network = true;
		} else if (!strcmp(config_setting_name(s), "data")) {
			if (parse_data(pa->app.data, s, name, err) < 0)
				return -EINVAL;
		} else if (!strcmp(config_setting_name(s), "hosts")) {
			if ((r = parse_hosts(&pa->app.hosts, s, name, err)) < 0)
				return r;
		} else {
			policy_error_set(err, name, setting_line(s), "unknown setting \"%s\" in app entry",
				  config_setting_name(s));
			return -EINVAL;
		}
	}
	if (!id) {
		policy_error_set(err, name, setting_line(g), "app entry has no id");
		return -EINVAL;
	}
	if (!have_network) {
		policy_error_set(err, name, setting_line(g), "app entry has no network");
		return -EINVAL;
	}
	pa->app.id = (char *)id;
	return 0;
}

static int parsed_app_cmp(const void *a, const void *b)
{
	const struct parsed_app *x = a, *y = b;
	int c = strcmp(x->app.id, y->app.id);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int parse_apps(struct policy *p, const config_setting_t *list, const char *name,
		      struct policy_error *err)
{
	struct parsed_app *pa = NULL, *dup = NULL;
	size_t i, n;
	int r;

	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		policy_error_set(err, name, setting_line(list), "apps must be a list");
		return -EINVAL;
	}
	n = (size_t)config_setting_length(list);
	if (!n)
		return 0;
	if (!(pa = calloc(n, sizeof(*pa))) || !(p->apps = calloc(n, sizeof(*p->apps)))) {
		r = -ENOMEM;
		goto out;
	}
	p->cap_apps = n;
	for (i = 0; i < n; i++) {
		pa[i].index = i;
		r = parse_app(&pa[i], config_setting_get_elem(list, (unsigned)i), name, err);
		if (r < 0)
			goto out;
	}
	qsort(pa, n, sizeof(*pa), parsed_app_cmp);
	/* Report the duplicate that comes first in the file. */
	for (i = 1; i < n; i++)
		if (!strcmp(pa[i - 1].app.id, pa[i].app.id) && (!dup || pa[i].index < dup->index))
			dup = &pa[i];
	if (dup) {
		policy_error_set(err, name, dup->line, "duplicate app id \"%s\"", dup->app.id);
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		p->apps[i] = pa[i].app;
		if (!(p->apps[i].id = strdup(pa[i].app.id))) {
			r = -ENOMEM;
			goto out;
		}
		p->n_apps++;
	}
	r = 0;
out:
	/* Entries not moved into p still own their host lists. */
	for (i = p->n_apps; pa && i < n; i++)
		hosts_free(&pa[i].app.hosts);
	free(pa);
	return r;
}

static int parse_root(struct policy *p, const config_setting_t *root, const char *name,
		      struct policy_error *err)
{
	const config_setting_t *s;
	const char *key;
	int i, n, r;

	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(root, (unsigned)i);
		key = config_setting_name(s);
		if (!strcmp(key, "version")) {
			if (config_setting_type(s) != CONFIG_TYPE_INT ||
			    config_setting_get_int(s) != 1) {
				policy_error_set(err, name, setting_line(s), "version must be 1");
				return -EINVAL;
			}
		} else if (!strcmp(key, "default")) {
			if ((r = parse_default(p, s, name, err)) < 0)
				return r;
		} else if (!strcmp(key, "apps")) {
			if ((r = parse_apps(p, s, name, err)) < 0)
				return r;
		} else {
			policy_error_set(err, name, setting_line(s), "unknown setting \"%s\"", key);
			return -EINVAL;
		}
	}
	return 0;
}

int policy_parse(struct policy **out, const char *text, const char *name, struct policy_error *err)
{
	struct policy *p = NULL;
	config_t cfg;
	int r, line;

	config_init(&cfg);
	if ((line = textfile_include_line(text))) {
		policy_error_set(err, name, line, "include directives are not allowed");
		r = -EINVAL;
		goto out;
	}
	if (!config_read_string(&cfg, text)) {
		policy_error_set(err, name, config_error_line(&cfg), "%s", config_error_text(&cfg));
		r = -EINVAL;
		goto out;
	}
	if (!(p = policy_new())) {
		policy_error_set(err, name, 0, "%s", strerror(ENOMEM));
		r = -ENOMEM;
		goto out;
	}
	if ((r = parse_root(p, config_root_setting(&cfg), name, err)) < 0) {
		if (r == -ENOMEM)
			policy_error_set(err, name, 0, "%s", strerror(ENOMEM));
		goto out;
	}
	*out = p;
	p = NULL;
out:
	policy_free(p);
	config_destroy(&cfg);
	return r;
}

int policy_load(struct policy **out, const char *path, struct policy_error *err)
{
	char *text = NULL;
	int r;

	if ((r = textfile_read(path, POLICY_MAX_BYTES, &text)) < 0) {
		policy_error_set(err, path, 0, "%s",
			  r == -EINVAL ? "file contains a NUL byte" : strerror(-r));
		return r;
	}
	r = policy_parse(out, text, path, err);
	free(text);
	return r;
}

static int print_list(FILE *f, const char *key, char *const *l, size_t n, bool *first)
{
	if (!n)
		return 0;
	if (fprintf(f, "%s%s = [ ", *first ? "" : " ", key) < 0)
		return -errno;
	*first = false;
	/* Patterns are checked with policy_host_pattern_valid, so they need no escaping. */
	for (size_t i = 0; i < n; i++)
		if (fprintf(f, "\"%s\"%s", l[i], i + 1 < n ? ", " : " ") < 0)
			return -errno;
	return fprintf(f, "];") < 0 ? -errno : 0;
}

static int print_hosts(FILE *f, const struct policy_hosts *h, const char *pre, const char *post)
{
	bool first = true;
	int r;

	if (!h->n_allow && !h->n_deny)
		return 0;
	if (fprintf(f, "%shosts = { ", pre) < 0)
		return -errno;
	if ((r = print_list(f, "allow", h->allow, h->n_allow, &first)) < 0 ||
	    (r = print_list(f, "deny", h->deny, h->n_deny, &first)) < 0)
		return r;
	return fprintf(f, " };%s", post) < 0 ? -errno : 0;
}

static int print_data(FILE *f, const int8_t *data, const char *pre, const char *post)
{
	bool any = false;

	for (unsigned c = 0; c < CAT_COUNT; c++) {
		if (data[c] == POLICY_UNSET)
			continue;
		if (fprintf(f, "%s%s = \"%s\";", any ? " " : pre, data_cat_name(c),
			    policy_action_name((enum policy_action)data[c])) < 0)
			return -errno;
		any = true;
	}
	if (any && fprintf(f, "%s", post) < 0)
		return -errno;
	return 0;
}

int policy_print(const struct policy *p, FILE *f)
{
	size_t i;
	int r;

	if (fprintf(f, "# privfw policy: written by privfwd; edit with privfwctl.\n"
		       "version = 1;\n"
		       "default = {\n"
		       "  network = \"%s\";\n"
		       "  log_new_apps = %s;\n",
		    policy_action_name(p->default_network), p->log_new_apps ? "true" : "false") < 0)
		return -errno;
	if ((r = print_data(f, p->default_data, "  data = { ", " };\n")) < 0 ||
	    (r = print_hosts(f, &p->default_hosts, "  ", "\n")) < 0)
		return r;
	if (fprintf(f, "};\napps = (%s", p->n_apps ? "\n" : " ") < 0)
		return -errno;
	/* Ids are checked with policy_app_id_valid, so they need no escaping. */
	for (i = 0; i < p->n_apps; i++) {
		const struct policy_app *a = &p->apps[i];

		if (fprintf(f, "  { id = \"%s\"; network = \"%s\";", a->id,
			    policy_action_name(a->network)) < 0)
			return -errno;
		if ((r = print_data(f, a->data, " data = { ", " };")) < 0 ||
		    (r = print_hosts(f, &a->hosts, " ", "")) < 0)
			return r;
		if (fprintf(f, " }%s\n", i + 1 < p->n_apps ? "," : "") < 0)
			return -errno;
	}
	if (fprintf(f, ");\n") < 0)
		return -errno;
	return 0;
}

/* Splits path into a directory and a base name. Both are owned by the caller. */
static int split_path(const char *path, char **dir, char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*dir = strdup(".");
		*base = strdup(path);
	} else {
		*dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		*base = strdup(slash + 1);
	}
	if (!*dir || !*base)
		return -ENOMEM;
	return **base ? 0 : -EISDIR;
}

int policy_clean_temp(const char *path)
{
	char *dir = NULL, *base = NULL;
	struct dirent *de;
	size_t bl;
	int n = 0, r;
	DIR *d;

	if ((r = split_path(path, &dir, &base)) < 0)
		goto out;
	if (!(d = opendir(dir))) {
		r = -errno;
		goto out;
	}
	bl = strlen(base);
	/* ".<base>.XXXXXX": exactly what policy_save creates, nothing else. */
	while ((de = readdir(d))) {
		const char *s = de->d_name;

		if (s[0] == '.' && !strncmp(s + 1, base, bl) && s[bl + 1] == '.' &&
		    strlen(s + bl + 2) == 6 && unlinkat(dirfd(d), s, 0) == 0)
			n++;
	}
	closedir(d);
	r = n;
out:
	free(dir);
	free(base);
	return r;
}

int policy_save(const struct policy *p, const char *path)
{
	char *dir = NULL, *base = NULL, *tmp = NULL;
	FILE *f = NULL;
	int fd = -1, dfd = -1, r;

	if ((r = split_path(path, &dir, &base)) < 0)
		goto out;
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
		tmp = NULL;
		r = -ENOMEM;
		goto out;
	}
	/* Same directory as path, so rename() is atomic. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		r = -errno;
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, 0640) < 0 || !(f = fdopen(fd, "w"))) {
		r = -errno;
		goto fail;
	}
	fd = -1;
	if ((r = policy_print(p, f)) < 0)
		goto fail;
	if (fflush(f) == EOF || fsync(fileno(f)) < 0) {
		r = -errno;
		goto fail;
	}
	r = fclose(f);
	f = NULL;
	if (r == EOF) {
		r = -errno;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	free(tmp);
	tmp = NULL;
	/* Make the rename itself durable. TODO: a failure here is reported although the new
	 * file is already in place; nothing can bring the old one back. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) < 0) {
		r = -errno;
		goto out;
	}
	r = 0;
	goto out;
fail:
	if (f)
		fclose(f);
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(tmp);
	free(dir);
	free(base);
	return r;
}
