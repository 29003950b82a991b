/* Unit tests for policy.c and config.c. Run from the repository root (reads policy/). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "policy.h"
#include "unit.h"

static const char canonical[] =
	"# privfw policy: written by privfwd; edit with privfwctl.\n"
	"version = 1;\n"
	"default = {\n"
	"  network = \"deny\";\n"
	"  log_new_apps = false;\n"
	"  data = { device_id = \"deny\"; contact = \"log\"; location = \"log\"; financial = \"log\"; "
	"credential = \"log\"; secret = \"deny\"; };\n"
	"};\n"
	"apps = (\n"
	"  { id = \"app-gnome-firefox\"; network = \"allow\"; },\n"
	"  { id = \"org.example.Blocked\"; network = \"deny\"; },\n"
	"  { id = \"org.gnome.Maps\"; network = \"allow\"; },\n"
	"  { id = \"system:NetworkManager.service\"; network = \"allow\"; },\n"
	"  { id = \"uid:1000\"; network = \"deny\"; }\n"
	");\n";

/* A fresh scratch directory; removed (one level deep) by rm_dir. */
static char *make_dir(void)
{
	char tmpl[] = "/tmp/privfw-test-policy.XXXXXX";
	char *d = mkdtemp(tmpl);

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	return strdup(d);
}

static int count_entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void rm_dir(char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) < 0)
			rmdir(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}

static char *write_file(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *f;

	CU_ASSERT_FATAL(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	CU_ASSERT_FATAL(fclose(f) == 0);
	return path;
}

static char *read_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *m;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

static char *print_policy(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	CU_ASSERT_EQUAL(policy_print(p, m), 0);
	fclose(m);
	return buf;
}

static void test_round_trip(void)
{
	static const struct {
		const char *id;
		enum policy_action a;
	} apps[] = {
		{ "org.gnome.Maps", POLICY_ALLOW },
		{ "uid:1000", POLICY_DENY },
		{ "org.example.Blocked", POLICY_DENY },
		{ "system:NetworkManager.service", POLICY_ALLOW },
		{ "app-gnome-firefox", POLICY_ALLOW },
	};
	size_t order[5] = { 0, 1, 2, 3, 4 }, i, j, t;
	struct policy *p = policy_new(), *q = NULL;
	struct policy_error err = { 0 };
	char *dir = make_dir(), *path, *text;
	struct stat st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	srand(getpid());
	for (i = 4; i > 0; i--) {
		j = (size_t)rand() % (i + 1);
		t = order[i], order[i] = order[j], order[j] = t;
	}
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(policy_set_app(p, apps[order[i]].id, apps[order[i]].a), 0);
	p->default_network = POLICY_DENY;
	p->log_new_apps = false;
	CU_ASSERT_EQUAL(p->n_apps, 5);
	for (i = 1; i < p->n_apps; i++)
		CU_ASSERT(strcmp(p->apps[i - 1].id, p->apps[i].id) < 0);

	CU_ASSERT_FATAL(asprintf(&path, "%s/policy.conf", dir) > 0);
	CU_ASSERT_EQUAL(policy_save(p, path), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	text = read_file(path);
	CU_ASSERT_STRING_EQUAL(text, canonical);
	free(text);

	CU_ASSERT_EQUAL_FATAL(policy_load(&q, path, &err), 0);
	CU_ASSERT_EQUAL(q->default_network, POLICY_DENY);
	CU_ASSERT_EQUAL(q->log_new_apps, false);
	CU_ASSERT_EQUAL_FATAL(q->n_apps, p->n_apps);
	for (i = 0; i < q->n_apps; i++) {
		CU_ASSERT_STRING_EQUAL(q->apps[i].id, p->apps[i].id);
		CU_ASSERT_EQUAL(q->apps[i].network, p->apps[i].network);
	}
	text = print_policy(q);
	CU_ASSERT_STRING_EQUAL(text, canonical);
	free(text);

	/* Saving over an existing file replaces it. */
	CU_ASSERT_EQUAL(policy_reset_app(q, "uid:1000"), 0);
	CU_ASSERT_EQUAL(policy_save(q, path), 0);
	text = read_file(path);
	CU_ASSERT_PTR_NULL(strstr(text, "uid:1000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "org.gnome.Maps"));
	free(text);
	CU_ASSERT_EQUAL(count_entries(dir), 1);

	free(path);
	policy_free(p);
	policy_free(q);
	rm_dir(dir);
}

static void test_print_empty(void)
{
	struct policy *p = policy_new();
	char *text = print_policy(p);

	CU_ASSERT_STRING_EQUAL(text,
			       "# privfw policy: written by privfwd; edit with privfwctl.\n"
			       "version = 1;\n"
			       "default = {\n"
			       "  network = \"allow\";\n"
			       "  log_new_apps = true;\n"
			       "  data = { device_id = \"deny\"; contact = \"log\"; location = \"log\"; "
			       "financial = \"log\"; credential = \"log\"; secret = \"deny\"; };\n"
			       "};\n"
			       "apps = ( );\n");
	free(text);
	policy_free(p);
}

static void test_network_explicit(void)
{
	struct policy *p = policy_new();
	bool ex = true;

	CU_ASSERT_EQUAL(policy_network(p, "org.gnome.Maps", &ex), POLICY_ALLOW);
	CU_ASSERT_FALSE(ex);
	p->default_network = POLICY_DENY;
	CU_ASSERT_EQUAL(policy_network(p, "org.gnome.Maps", &ex), POLICY_DENY);
	CU_ASSERT_FALSE(ex);
	CU_ASSERT_EQUAL(policy_set_app(p, "org.gnome.Maps", POLICY_ALLOW), 0);
	CU_ASSERT_EQUAL(policy_set_app(p, "a", POLICY_DENY), 0);
	CU_ASSERT_EQUAL(policy_set_app(p, "z", POLICY_DENY), 0);
	CU_ASSERT_EQUAL(policy_network(p, "org.gnome.Maps", &ex), POLICY_ALLOW);
	CU_ASSERT_TRUE(ex);
	CU_ASSERT_EQUAL(policy_network(p, "a", &ex), POLICY_DENY);
	CU_ASSERT_TRUE(ex);
	CU_ASSERT_EQUAL(policy_network(p, "z", NULL), POLICY_DENY);
	/* A prefix of an entry is not the entry. */
	p->default_network = POLICY_ALLOW;
	CU_ASSERT_EQUAL(policy_network(p, "org.gnome", &ex), POLICY_ALLOW);
	CU_ASSERT_FALSE(ex);
	policy_free(p);
}

static void test_reset(void)
{
	struct policy *p = policy_new();
	bool ex;

	CU_ASSERT_EQUAL(policy_set_app(p, "b", POLICY_DENY), 0);
	CU_ASSERT_EQUAL(policy_set_app(p, "a", POLICY_DENY), 0);
	CU_ASSERT_EQUAL(policy_set_app(p, "c", POLICY_DENY), 0);
	CU_ASSERT_EQUAL(policy_reset_app(p, "b"), 0);
	CU_ASSERT_EQUAL(p->n_apps, 2);
	CU_ASSERT_STRING_EQUAL(p->apps[0].id, "a");
	CU_ASSERT_STRING_EQUAL(p->apps[1].id, "c");
	CU_ASSERT_EQUAL(policy_network(p, "b", &ex), POLICY_ALLOW);
	CU_ASSERT_FALSE(ex);
	CU_ASSERT_EQUAL(policy_reset_app(p, "b"), -ENOENT);
	CU_ASSERT_EQUAL(policy_reset_app(p, "c"), 0);
	CU_ASSERT_EQUAL(policy_reset_app(p, "a"), 0);
	CU_ASSERT_EQUAL(p->n_apps, 0);
	CU_ASSERT_EQUAL(policy_reset_app(p, "a"), -ENOENT);
	policy_free(p);
}

static void test_set_existing(void)
{
	struct policy *p = policy_new();

	CU_ASSERT_EQUAL(policy_set_app(p, "org.gnome.Maps", POLICY_DENY), 0);
	CU_ASSERT_EQUAL(policy_set_app(p, "org.gnome.Maps", POLICY_ALLOW), 0);
	CU_ASSERT_EQUAL(p->n_apps, 1);
	CU_ASSERT_EQUAL(policy_network(p, "org.gnome.Maps", NULL), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_set_app(p, "org.gnome.Maps", POLICY_DENY), 0);
	CU_ASSERT_EQUAL(p->n_apps, 1);
	CU_ASSERT_EQUAL(policy_network(p, "org.gnome.Maps", NULL), POLICY_DENY);
	policy_free(p);
}

static void test_many_sorted(void)
{
	struct policy *p = policy_new();
	char id[32];
	size_t i;

	/* Enough to grow the array several times, inserted out of order. */
	for (i = 0; i < 500; i++) {
		snprintf(id, sizeof(id), "app.%03zu", (i * 211) % 500);
		CU_ASSERT_EQUAL(policy_set_app(p, id, i % 2 ? POLICY_DENY : POLICY_ALLOW), 0);
	}
	CU_ASSERT_EQUAL_FATAL(p->n_apps, 500);
	for (i = 1; i < p->n_apps; i++)
		CU_ASSERT(strcmp(p->apps[i - 1].id, p->apps[i].id) < 0);
	for (i = 0; i < 500; i++) {
		bool ex = false;

		snprintf(id, sizeof(id), "app.%03zu", (i * 211) % 500);
		CU_ASSERT_EQUAL(policy_network(p, id, &ex), i % 2 ? POLICY_DENY : POLICY_ALLOW);
		CU_ASSERT_TRUE(ex);
	}
	policy_free(p);
}

static void test_invalid_ids(void)
{
	struct policy *p = policy_new();
	char longid[258];

	memset(longid, 'a', sizeof(longid) - 1);
	longid[256] = '\0';
	CU_ASSERT_FALSE(policy_app_id_valid(longid));
	CU_ASSERT_EQUAL(policy_set_app(p, longid, POLICY_DENY), -EINVAL);
	longid[255] = '\0';
	CU_ASSERT_TRUE(policy_app_id_valid(longid));
	CU_ASSERT_TRUE(policy_app_id_valid("app-flatpak-org.gnome.Maps@x/y+z_q:1"));
	CU_ASSERT_FALSE(policy_app_id_valid(NULL));
	CU_ASSERT_FALSE(policy_app_id_valid(""));
	CU_ASSERT_FALSE(policy_app_id_valid("two words"));
	CU_ASSERT_FALSE(policy_app_id_valid("new\nline"));
	CU_ASSERT_FALSE(policy_app_id_valid("quo\"te"));
	CU_ASSERT_FALSE(policy_app_id_valid("back\\slash"));
	CU_ASSERT_FALSE(policy_app_id_valid("caf\xc3\xa9"));
	CU_ASSERT_EQUAL(policy_set_app(p, "", POLICY_DENY), -EINVAL);
	CU_ASSERT_EQUAL(policy_set_app(p, "a\"b", POLICY_DENY), -EINVAL);
	CU_ASSERT_EQUAL(policy_set_app(p, NULL, POLICY_DENY), -EINVAL);
	CU_ASSERT_EQUAL(policy_set_app(p, "ok", (enum policy_action)7), -EINVAL);
	CU_ASSERT_EQUAL(p->n_apps, 0);
	policy_free(p);
}

static void test_actions(void)
{
	enum policy_action a = POLICY_ALLOW;

	CU_ASSERT_EQUAL(policy_action_parse("deny", &a), 0);
	CU_ASSERT_EQUAL(a, POLICY_DENY);
	CU_ASSERT_EQUAL(policy_action_parse("allow", &a), 0);
	CU_ASSERT_EQUAL(a, POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_action_parse("Deny", &a), -EINVAL);
	CU_ASSERT_EQUAL(policy_action_parse("", &a), -EINVAL);
	CU_ASSERT_STRING_EQUAL(policy_action_name(POLICY_DENY), "deny");
	CU_ASSERT_STRING_EQUAL(policy_action_name(POLICY_ALLOW), "allow");
}

static void test_dup(void)
{
	struct policy *p = policy_new(), *d;

	CU_ASSERT_EQUAL(policy_set_app(p, "org.gnome.Maps", POLICY_DENY), 0);
	CU_ASSERT_EQUAL(policy_set_app(p, "org.gnome.Weather", POLICY_ALLOW), 0);
	p->log_new_apps = false;
	d = policy_dup(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->n_apps, 2);
	CU_ASSERT_FALSE(d->log_new_apps);
	CU_ASSERT_PTR_NOT_EQUAL(d->apps[0].id, p->apps[0].id);
	CU_ASSERT_EQUAL(policy_set_app(d, "org.gnome.Maps", POLICY_ALLOW), 0);
	CU_ASSERT_EQUAL(policy_set_app(d, "org.new", POLICY_DENY), 0);
	CU_ASSERT_EQUAL(policy_reset_app(d, "org.gnome.Weather"), 0);
	d->default_network = POLICY_DENY;
	CU_ASSERT_EQUAL(policy_network(p, "org.gnome.Maps", NULL), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_network(p, "org.gnome.Weather", NULL), POLICY_ALLOW);
	CU_ASSERT_EQUAL(p->n_apps, 2);
	CU_ASSERT_EQUAL(p->default_network, POLICY_ALLOW);
	policy_free(p);
	/* The copy outlives the original. */
	CU_ASSERT_EQUAL(policy_network(d, "org.new", NULL), POLICY_DENY);
	policy_free(d);
	policy_free(NULL);

	p = policy_new();
	d = policy_dup(p);
	CU_ASSERT_PTR_NOT_NULL(d);
	CU_ASSERT_EQUAL(d->n_apps, 0);
	policy_free(p);
	policy_free(d);
}

static void expect_policy_error(const char *text, int line, const char *msg)
{
	struct policy_error err = { 0 };
	struct policy *p = NULL;

	CU_ASSERT_EQUAL(policy_parse(&p, text, "test.conf", &err), -EINVAL);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_STRING_EQUAL(err.file, "test.conf");
	CU_ASSERT_EQUAL(err.line, line);
	CU_ASSERT_STRING_EQUAL(err.msg, msg);
	if (err.line != line || strcmp(err.msg, msg))
		fprintf(stderr, "\n  got %d: %s, want %d: %s\n", err.line, err.msg, line, msg);
}

static void test_parse_errors(void)
{
	expect_policy_error("version = 1;\n"
			    "default = {\n"
			    "  network = \"allow\";\n"
			    "  log_new_apps = = true;\n"
			    "};\n",
			    4, "syntax error");
	expect_policy_error("version = 1;\n"
			    "default = { network = \"allow\"; };\n"
			    "colour = \"blue\";\n",
			    3, "unknown setting \"colour\"");
	expect_policy_error("version = 1;\n"
			    "default = { network = \"allow\"; };\n"
			    "apps = (\n"
			    "  { id = \"a\"; network = \"allow\"; },\n"
			    "  { id = \"b\";\n"
			    "    network = \"block\"; }\n"
			    ");\n",
			    6, "network must be \"allow\" or \"deny\"");
	expect_policy_error("version = 1;\n"
			    "apps = (\n"
			    "  { id = \"org.b\"; network = \"allow\"; },\n"
			    "  { id = \"org.a\"; network = \"allow\"; },\n"
			    "  { id = \"org.c\"; network = \"allow\"; },\n"
			    "  {\n"
			    "    network = \"deny\";\n"
			    "    id = \"org.a\";\n"
			    "  },\n"
			    "  { id = \"org.b\"; network = \"deny\"; }\n"
			    ");\n",
			    8, "duplicate app id \"org.a\"");
	expect_policy_error("default = {\n  log_new_apps = \"yes\";\n};\n", 2,
			    "log_new_apps must be true or false");
	expect_policy_error("default = { network = 1; };\n", 1,
			    "network must be \"allow\" or \"deny\"");
	expect_policy_error("default = \"deny\";\n", 1, "default must be a group");
	expect_policy_error("apps = [ 1, 2 ];\n", 1, "apps must be a list");
	expect_policy_error("apps = ( \"org.a\" );\n", 1, "apps entries must be groups");
	expect_policy_error("apps = (\n { id = 5; network = \"deny\"; }\n);\n", 2,
			    "id must be a string");
	expect_policy_error("apps = (\n { network = \"deny\"; }\n);\n", 2, "app entry has no id");
	expect_policy_error("apps = (\n { id = \"a\"; }\n);\n", 2, "app entry has no network");
	expect_policy_error("apps = (\n { id = \"a\"; network = \"deny\"; colour = 1; }\n);\n", 2,
			    "unknown setting \"colour\" in app entry");
	expect_policy_error("apps = (\n { id = \"a\"; network = \"deny\"; data = 1; }\n);\n", 2,
			    "data must be a group");
	expect_policy_error("apps = (\n { id = \"a b\"; network = \"deny\"; }\n);\n", 2,
			    "invalid app id");
	expect_policy_error("default = { network = \"deny\"; foo = 1; };\n", 1,
			    "unknown setting \"foo\" in default");
	expect_policy_error("# comment\nversion = 2;\n", 2, "version must be 1");
	expect_policy_error("version = \"1\";\n", 1, "version must be 1");
	expect_policy_error("version = 1;\n  @include \"/etc/passwd\"\n", 2,
			    "include directives are not allowed");
}

static void test_parse_lenient(void)
{
	struct policy_error err = { 0 };
	struct policy *p = NULL;

	/* Any order, any spacing, ":" for "=", no version, comments. */
	CU_ASSERT_EQUAL_FATAL(policy_parse(&p, "apps=({network=\"deny\";id=\"z\"},"
					   "{id=\"a\";network=\"allow\"});"
					   "// c\n/* d */ default: { log_new_apps = false }",
					   "t", &err), 0);
	CU_ASSERT_EQUAL_FATAL(p->n_apps, 2);
	CU_ASSERT_STRING_EQUAL(p->apps[0].id, "a");
	CU_ASSERT_EQUAL(p->apps[1].network, POLICY_DENY);
	CU_ASSERT_FALSE(p->log_new_apps);
	CU_ASSERT_EQUAL(p->default_network, POLICY_ALLOW);
	policy_free(p);

	p = NULL;
	CU_ASSERT_EQUAL(policy_parse(&p, "", "t", &err), 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_EQUAL(p ? p->n_apps : 1, 0);
	policy_free(p);
}

static void test_load_missing(void)
{
	struct policy_error err = { 0 };
	struct policy *p = NULL;

	CU_ASSERT_EQUAL(policy_load(&p, "/nonexistent/privfw/policy.conf", &err), -ENOENT);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_STRING_EQUAL(err.file, "/nonexistent/privfw/policy.conf");
	CU_ASSERT_EQUAL(err.line, 0);
	CU_ASSERT_STRING_EQUAL(err.msg, strerror(ENOENT));
	CU_ASSERT_EQUAL(policy_load(&p, "/tmp", &err), -EISDIR);
}

static void test_load_error_names_path(void)
{
	struct policy_error err = { 0 };
	struct policy *p = NULL;
	char *dir = make_dir();
	char *path = write_file(dir, "bad.conf", "version = 1;\n\napps = ( { id = \"x\" } );\n");

	CU_ASSERT_EQUAL(policy_load(&p, path, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.file, path);
	CU_ASSERT_EQUAL(err.line, 3);
	CU_ASSERT_STRING_EQUAL(err.msg, "app entry has no network");
	free(path);
	rm_dir(dir);
}

static void test_save_missing_dir(void)
{
	struct policy *p = policy_new();
	char *dir = make_dir(), *path;
	struct stat st;

	CU_ASSERT_FATAL(asprintf(&path, "%s/missing/policy.conf", dir) > 0);
	CU_ASSERT_EQUAL(policy_save(p, path), -ENOENT);
	CU_ASSERT_EQUAL(stat(path, &st), -1);
	CU_ASSERT_EQUAL(count_entries(dir), 0);
	free(path);
	policy_free(p);
	rm_dir(dir);
}

static void test_save_rename_fails(void)
{
	struct policy *p = policy_new();
	char *dir = make_dir(), *path, *keep, *text;
	struct stat st;

	/* Root ignores permissions, so make rename() fail by putting a directory in the way. */
	CU_ASSERT_FATAL(asprintf(&path, "%s/policy.conf", dir) > 0);
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0755), 0);
	keep = write_file(dir, "other.conf", canonical);
	CU_ASSERT_EQUAL(policy_save(p, path), -EISDIR);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_TRUE(S_ISDIR(st.st_mode));
	CU_ASSERT_EQUAL(count_entries(dir), 2);  /* no temp file left */
	CU_ASSERT_EQUAL(count_entries(path), 0);
	text = read_file(keep);
	CU_ASSERT_STRING_EQUAL(text, canonical);
	free(text);
	CU_ASSERT_EQUAL(policy_save(p, "/"), -EISDIR);
	free(keep);
	free(path);
	policy_free(p);
	rm_dir(dir);
}

/* Field by field: struct padding is not compared. */
static bool config_equal(const struct config *a, const struct config *b)
{
	return a->queue == b->queue && a->fail_open == b->fail_open &&
	       a->queue_loopback == b->queue_loopback && a->flows_max == b->flows_max &&
	       a->event_rate == b->event_rate && a->mark_accept == b->mark_accept &&
	       a->mark_deny == b->mark_deny && !strcmp(a->policy_path, b->policy_path) &&
	       !strcmp(a->default_policy_path, b->default_policy_path) &&
	       !strcmp(a->socket_path, b->socket_path);
}

/* Data categories: the app's own action, else the default's; shipped defaults deny device
 * identifiers and secrets and log the rest. */
static void test_data_rules(void)
{
	static const char text[] =
		"version = 1;\n"
		"default = { network = \"allow\"; log_new_apps = true; data = { contact = \"deny\"; }; };\n"
		"apps = ( { id = \"org.gnome.Maps\"; network = \"allow\"; data = { location = \"allow\"; device_id = \"log\"; }; },\n"
		"         { id = \"org.example.Quiet\"; network = \"allow\"; data = { device_id = \"allow\"; contact = \"allow\";\n"
		"           location = \"allow\"; financial = \"allow\"; credential = \"allow\"; secret = \"allow\"; }; } );\n";
	struct policy_error err = { 0 };
	struct policy *p = NULL, *q;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	CU_ASSERT_EQUAL_FATAL(policy_parse(&p, text, "t.conf", &err), 0);
	CU_ASSERT_EQUAL(policy_data(p, "org.gnome.Maps", CAT_LOCATION), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_data(p, "org.gnome.Maps", CAT_DEVICE_ID), POLICY_LOG);
	CU_ASSERT_EQUAL(policy_data(p, "org.gnome.Maps", CAT_CONTACT), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_data(p, "org.gnome.Maps", CAT_SECRET), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_data(p, "org.gnome.Maps", CAT_FINANCIAL), POLICY_LOG);
	CU_ASSERT_EQUAL(policy_data(p, "unknown.app", CAT_DEVICE_ID), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_data(p, NULL, CAT_CONTACT), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_data(p, "x", CAT_COUNT), POLICY_DENY);
	CU_ASSERT(policy_inspects(p, "org.gnome.Maps"));
	CU_ASSERT(!policy_inspects(p, "org.example.Quiet"));
	CU_ASSERT(policy_inspects(p, "unknown.app"));
	/* Setting, unsetting and adding an entry through a data rule. */
	CU_ASSERT_EQUAL(policy_set_data(p, "org.gnome.Maps", CAT_LOCATION, POLICY_UNSET), 0);
	CU_ASSERT_EQUAL(policy_data(p, "org.gnome.Maps", CAT_LOCATION), POLICY_LOG);
	CU_ASSERT_EQUAL(policy_set_data(p, "new.app", CAT_CONTACT, POLICY_ALLOW), 0);
	CU_ASSERT_EQUAL(policy_network(p, "new.app", NULL), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_data(p, "new.app", CAT_CONTACT), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_set_data(p, NULL, CAT_LOCATION, POLICY_DENY), 0);
	CU_ASSERT_EQUAL(policy_data(p, "new.app", CAT_LOCATION), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_set_data(p, NULL, CAT_LOCATION, POLICY_UNSET), -EINVAL);
	CU_ASSERT_EQUAL(policy_set_data(p, "new.app", CAT_COUNT, POLICY_DENY), -EINVAL);
	CU_ASSERT_EQUAL(policy_set_data(p, "bad id", CAT_SECRET, POLICY_DENY), -EINVAL);
	/* The canonical form carries it all and reads back the same. */
	f = open_memstream(&out, &len);
	CU_ASSERT_EQUAL_FATAL(policy_print(p, f), 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{ id = \"new.app\"; network = \"allow\"; data = { contact = \"allow\"; }; }"));
	CU_ASSERT_EQUAL_FATAL(policy_parse(&q, out, "printed", &err), 0);
	CU_ASSERT_EQUAL(policy_data(q, "org.gnome.Maps", CAT_DEVICE_ID), POLICY_LOG);
	CU_ASSERT_EQUAL(policy_data(q, "new.app", CAT_LOCATION), POLICY_DENY);
	policy_free(q);
	q = policy_dup(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_EQUAL(policy_data(q, "new.app", CAT_CONTACT), POLICY_ALLOW);
	policy_free(q);
	free(out);
	policy_free(p);
}

static void test_hosts(void)
{
	static const char text[] =
		"version = 1;\n"
		"default = { network = \"allow\"; hosts = { deny = [ \"*.tracker.example\" ]; }; };\n"
		"apps = ( { id = \"org.gnome.Maps\"; network = \"allow\";\n"
		"           hosts = { allow = [ \"*.gnome.org\", \"tiles.example.net\" ]; deny = [ \"ads.gnome.org\" ]; }; } );\n";
	struct policy_error err = { 0 };
	struct policy *p = NULL, *q;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	CU_ASSERT_EQUAL_FATAL(policy_parse(&p, text, "t.conf", &err), 0);
	/* The default's lists: a deny list only. */
	CU_ASSERT_EQUAL(policy_host(p, "other", "a.tracker.example"), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_host(p, "other", "tracker.example"), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_host(p, "other", "xtracker.example"), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_host(p, "other", "example.org"), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_host(p, "other", NULL), POLICY_ALLOW);
	/* The app's own lists: an allow list denies what it does not match; the more specific
	 * deny wins. */
	CU_ASSERT_EQUAL(policy_host(p, "org.gnome.Maps", "maps.gnome.org"), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_host(p, "org.gnome.Maps", "gnome.org"), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_host(p, "org.gnome.Maps", "tiles.example.net"), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_host(p, "org.gnome.Maps", "a.tiles.example.net"), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_host(p, "org.gnome.Maps", "ads.gnome.org"), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_host(p, "org.gnome.Maps", "example.org"), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_host(p, "org.gnome.Maps", NULL), POLICY_DENY);
	CU_ASSERT(policy_inspects(p, "org.gnome.Maps"));
	/* Editing: a pattern moves between the lists; removing it. */
	CU_ASSERT_EQUAL(policy_set_host(p, "org.gnome.Maps", "ads.gnome.org", false), 0);
	CU_ASSERT_EQUAL(policy_host(p, "org.gnome.Maps", "ads.gnome.org"), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_set_host(p, "org.gnome.Maps", "*.gnome.org", true), 0);
	CU_ASSERT_EQUAL(policy_host(p, "org.gnome.Maps", "maps.gnome.org"), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_unset_host(p, "org.gnome.Maps", "*.gnome.org"), 0);
	CU_ASSERT_EQUAL(policy_unset_host(p, "org.gnome.Maps", "*.gnome.org"), -ENOENT);
	CU_ASSERT_EQUAL(policy_unset_host(p, "no.such.app", "*.gnome.org"), -ENOENT);
	CU_ASSERT_EQUAL(policy_set_host(p, NULL, "*.ads.example", true), 0);
	CU_ASSERT_EQUAL(policy_host(p, "other", "x.ads.example"), POLICY_DENY);
	CU_ASSERT_EQUAL(policy_set_host(p, "org.gnome.Maps", "Bad.Example", true), -EINVAL);
	CU_ASSERT_EQUAL(policy_set_host(p, "org.gnome.Maps", "a..b", true), -EINVAL);
	CU_ASSERT_EQUAL(policy_set_host(p, "org.gnome.Maps", "*", true), -EINVAL);
	CU_ASSERT_EQUAL(policy_set_host(p, "org.gnome.Maps", "a.*.b", true), -EINVAL);
	CU_ASSERT(policy_host_pattern_valid("*.example.com"));
	CU_ASSERT(policy_host_pattern_valid("_dns.example"));
	CU_ASSERT(!policy_host_pattern_valid(""));
	CU_ASSERT(!policy_host_pattern_valid(".example"));
	f = open_memstream(&out, &len);
	CU_ASSERT_EQUAL_FATAL(policy_print(p, f), 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "hosts = { allow = [ \"tiles.example.net\", \"ads.gnome.org\" ]; };"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  hosts = { deny = [ \"*.tracker.example\", \"*.ads.example\" ]; };\n"));
	CU_ASSERT_EQUAL_FATAL(policy_parse(&q, out, "printed", &err), 0);
	CU_ASSERT_EQUAL(policy_host(q, "org.gnome.Maps", "ads.gnome.org"), POLICY_ALLOW);
	CU_ASSERT_EQUAL(policy_host(q, "other", "x.ads.example"), POLICY_DENY);
	policy_free(q);
	q = policy_dup(p);
	CU_ASSERT_EQUAL(policy_host(q, "org.gnome.Maps", "example.org"), POLICY_DENY);
	policy_free(q);
	CU_ASSERT_EQUAL(policy_reset_app(p, "org.gnome.Maps"), 0);
	CU_ASSERT_EQUAL(policy_host(p, "org.gnome.Maps", "example.org"), POLICY_ALLOW);
	free(out);
	policy_free(p);
}

static void test_data_errors(void)
{
	static const struct { const char *text; int line; const char *msg; } cases[] = {
		{ "default = {\n data = { location = \"maybe\"; };\n};\n", 2,
		  "location must be \"allow\", \"deny\" or \"log\"" },
		{ "default = { data = {\n  gps = \"deny\"; }; };\n", 2, "unknown data category \"gps\"" },
		{ "default = { data = \"deny\"; };\n", 1, "data must be a group" },
		{ "default = { network = \"log\"; };\n", 1, "network must be \"allow\" or \"deny\"" },
		{ "apps = ( { id = \"a\"; network = \"allow\";\n hosts = { allow = [ \"Bad Host\" ]; }; } );\n", 2,
		  "hosts.allow: invalid host pattern (lower-case name, optionally \"*.\" first)" },
		{ "apps = ( { id = \"a\"; network = \"allow\"; hosts = { block = [ \"x\" ]; }; } );\n", 1,
		  "unknown setting \"block\" in hosts" },
		{ "apps = ( { id = \"a\"; network = \"allow\"; hosts = { deny = \"x\"; }; } );\n", 1,
		  "hosts.deny must be a list of strings" },
		{ "apps = ( { id = \"a\"; network = \"allow\"; hosts = { deny = [ \"ok.example\" ]; }; },\n"
		  "  { id = \"a\"; network = \"deny\"; hosts = { allow = [ \"x.example\" ]; }; } );\n", 2,
		  "duplicate app id \"a\"" },
	};
	struct policy_error err;
	struct policy *p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		p = NULL;
		CU_ASSERT_EQUAL(policy_parse(&p, cases[i].text, "bad.conf", &err), -EINVAL);
		CU_ASSERT_PTR_NULL(p);
		CU_ASSERT_EQUAL(err.line, cases[i].line);
		CU_ASSERT_STRING_EQUAL(err.msg, cases[i].msg);
		if (err.line != cases[i].line || strcmp(err.msg, cases[i].msg))
			fprintf(stderr, "case %zu: %d: %s\n", i, err.line, err.msg);
	}
}

static void test_config_defaults(void)
{
	struct config c;

	memset(&c, 0xa5, sizeof(c));
	config_defaults(&c);
	CU_ASSERT_EQUAL(c.queue, 0);
	CU_ASSERT_FALSE(c.fail_open);
	CU_ASSERT_FALSE(c.queue_loopback);
	CU_ASSERT_EQUAL(c.flows_max, 65536);
	CU_ASSERT_EQUAL(c.event_rate, 20);
	CU_ASSERT_EQUAL(c.mark_accept, 0x100);
	CU_ASSERT_EQUAL(c.mark_deny, 0x200);
	CU_ASSERT_STRING_EQUAL(c.policy_path, "/var/lib/privfw/policy.conf");
	CU_ASSERT_STRING_EQUAL(c.default_policy_path, "/etc/privfw/policy.conf");
	CU_ASSERT_STRING_EQUAL(c.socket_path, "/run/privfw/io.privfw.Firewall");
}

static void test_config_load(void)
{
	struct policy_error err = { 0 };
	struct config c, d, e;
	char *dir = make_dir(), *path, *buf = NULL, *copy, sock[108];
	size_t len = 0;
	FILE *m;

	path = write_file(dir, "privfw.conf",
			  "# test\n"
			  "socket = \"/run/t/ctl\";\n"
			  "fail_mode = \"open\";\n"
			  "queue = 65535;\n"
			  "queue_loopback = true;\n"
			  "flows_max = 1024;\n"
			  "event_rate = 10000;\n"
			  "mark_accept = 0x80000000;\n"
			  "mark_deny = 1;\n"
			  "policy = \"/p/o\\\"l.conf\";\n"
			  "default_policy = \"/d.conf\";\n");
	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL_FATAL(config_load(&c, path, &err), 0);
	CU_ASSERT_EQUAL(c.queue, 65535);
	CU_ASSERT_TRUE(c.fail_open);
	CU_ASSERT_TRUE(c.queue_loopback);
	CU_ASSERT_EQUAL(c.flows_max, 1024);
	CU_ASSERT_EQUAL(c.event_rate, 10000);
	CU_ASSERT_EQUAL(c.mark_accept, 0x80000000u);
	CU_ASSERT_EQUAL(c.mark_deny, 1);
	CU_ASSERT_STRING_EQUAL(c.policy_path, "/p/o\"l.conf");
	CU_ASSERT_STRING_EQUAL(c.default_policy_path, "/d.conf");
	CU_ASSERT_STRING_EQUAL(c.socket_path, "/run/t/ctl");

	/* The canonical form loads back to the same settings. */
	m = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(config_print(&c, m), 0);
	fclose(m);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "mark_accept = 0x80000000;\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "policy = \"/p/o\\\"l.conf\";\n"));
	copy = write_file(dir, "copy.conf", buf);
	memset(&d, 0, sizeof(d));
	CU_ASSERT_EQUAL(config_load(&d, copy, &err), 0);
	CU_ASSERT_TRUE(config_equal(&c, &d));
	free(buf);
	free(copy);
	free(path);

	/* Settings left out keep their defaults, whatever c held before. */
	path = write_file(dir, "some.conf", "event_rate = 5;\n");
	memset(&d, 0x5a, sizeof(d));
	CU_ASSERT_EQUAL(config_load(&d, path, &err), 0);
	config_defaults(&e);
	e.event_rate = 5;
	CU_ASSERT_TRUE(config_equal(&d, &e));
	free(path);

	/* A failed load leaves c alone. */
	path = write_file(dir, "bad.conf", "queue = 3;\nqueue = 4;\n");
	d = c;
	CU_ASSERT_EQUAL(config_load(&d, path, &err), -EINVAL);
	CU_ASSERT_EQUAL(err.line, 2);
	CU_ASSERT_STRING_EQUAL(err.file, path);
	CU_ASSERT_TRUE(config_equal(&c, &d));
	free(path);

	/* The longest socket path that fits sun_path with its NUL. */
	memset(sock, 'a', sizeof(sock));
	sock[0] = '/';
	sock[107] = '\0';
	CU_ASSERT_FATAL(asprintf(&buf, "socket = \"%s\";\n", sock) > 0);
	path = write_file(dir, "sock.conf", buf);
	CU_ASSERT_EQUAL(config_load(&d, path, &err), 0);
	CU_ASSERT_STRING_EQUAL(d.socket_path, sock);
	free(buf);
	free(path);

	CU_ASSERT_EQUAL(config_load(&d, "/nonexistent.conf", &err), -ENOENT);
	CU_ASSERT_EQUAL(err.line, 0);
	CU_ASSERT_STRING_EQUAL(err.file, "/nonexistent.conf");
	rm_dir(dir);
}

static void test_config_errors(void)
{
	static const struct {
		const char *text;
		int line;
		const char *msg;
	} cases[] = {
		{ "queue = 1;\n\ncolour = 1;\n", 3, "unknown setting \"colour\"" },
		{ "queue = 65536;\n", 1, "queue must be an integer in 0..65535" },
		{ "\nqueue = -1;\n", 2, "queue must be an integer in 0..65535" },
		{ "queue = \"1\";\n", 1, "queue must be an integer in 0..65535" },
		{ "queue = 1.0;\n", 1, "queue must be an integer in 0..65535" },
		{ "flows_max = 1023;\n", 1, "flows_max must be an integer in 1024..4194304" },
		{ "flows_max = 4194305;\n", 1, "flows_max must be an integer in 1024..4194304" },
		{ "event_rate = 0;\n", 1, "event_rate must be an integer in 1..10000" },
		{ "event_rate = 10001;\n", 1, "event_rate must be an integer in 1..10000" },
		{ "fail_mode = \"half\";\n", 1, "fail_mode must be \"closed\" or \"open\"" },
		{ "queue_loopback = 1;\n", 1, "queue_loopback must be true or false" },
		{ "mark_accept = 0;\n", 1, "mark_accept must be a single bit, such as 0x100" },
		{ "mark_accept = 0x300;\n", 1, "mark_accept must be a single bit, such as 0x100" },
		{ "mark_deny = -4;\n", 1, "mark_deny must be a single bit, such as 0x100" },
		{ "mark_deny = \"0x400\";\n", 1, "mark_deny must be a single bit, such as 0x100" },
		{ "mark_deny = 0x100;\n", 1, "mark_accept and mark_deny must differ" },
		{ "mark_deny = 0x400;\n\nmark_accept = 0x400;\n", 3,
		  "mark_accept and mark_deny must differ" },
		{ "policy = \"relative.conf\";\n", 1, "policy must be an absolute path" },
		{ "default_policy = 1;\n", 1, "default_policy must be an absolute path" },
		{ "socket = \"/run/privfw/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";\n",
		  1, "socket must be shorter than 108 bytes" },
		{ "policy = \"/a\\nb\";\n", 1, "policy must not contain control characters" },
		{ "queue = 1;\n\nsettings = { queue = 2; };\n", 3, "unknown setting \"settings\"" },
		{ "queue = 1\nfail_mode = ;\n", 2, "syntax error" },
		{ "@include \"/etc/passwd\"\n", 1, "include directives are not allowed" },
	};
	struct policy_error err;
	char *dir = make_dir(), *path;
	struct config c;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = write_file(dir, "privfw.conf", cases[i].text);
		memset(&err, 0, sizeof(err));
		CU_ASSERT_EQUAL(config_load(&c, path, &err), -EINVAL);
		CU_ASSERT_EQUAL(err.line, cases[i].line);
		CU_ASSERT_STRING_EQUAL(err.msg, cases[i].msg);
		CU_ASSERT_STRING_EQUAL(err.file, path);
		if (err.line != cases[i].line || strcmp(err.msg, cases[i].msg))
			fprintf(stderr, "\n  case %zu: got %d: %s\n", i, err.line, err.msg);
		free(path);
	}
	rm_dir(dir);
}

static void test_config_file_is_policy(void)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "apps = ( );\n", 1 },
		{ "default = { network = \"deny\"; };\n", 1 },
		{ "version = 1;\n", 1 },
		{ "queue = 1;\n", 0 },
		{ "", 0 },
		{ "default_policy = \"/etc/p.conf\";\n", 0 },
		/* Unparseable: decided from the text. */
		{ "# x\n  version = 1;\ndefault = {\n", 1 },
		{ "apps=(\n", 1 },
		{ "default_policy = \"/x\"\nqueue = ;\n", 0 },
		{ "queue = ;\n# apps = ( );\n", 0 },
		{ "queue = 1;\n@include \"x\"\n", 0 },
		{ "@include \"x\"\nversion = 1;\n", 1 },
	};
	char *dir = make_dir(), *path;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		path = write_file(dir, "f.conf", cases[i].text);
		CU_ASSERT_EQUAL(config_file_is_policy(path), cases[i].want);
		if (config_file_is_policy(path) != cases[i].want)
			fprintf(stderr, "\n  case %zu failed\n", i);
		free(path);
	}
	CU_ASSERT_EQUAL(config_file_is_policy("/nonexistent.conf"), -ENOENT);
	rm_dir(dir);
}

static void test_shipped_files(void)
{
	struct policy_error err = { 0 };
	struct policy *p = NULL, *n = policy_new();
	struct config c, d;
	char *a, *b;

	CU_ASSERT_EQUAL(config_file_is_policy("policy/policy.conf"), 1);
	CU_ASSERT_EQUAL_FATAL(policy_load(&p, "policy/policy.conf", &err), 0);
	a = print_policy(p);
	b = print_policy(n);
	CU_ASSERT_STRING_EQUAL(a, b);
	free(a);
	free(b);
	policy_free(p);
	policy_free(n);

	CU_ASSERT_EQUAL(config_file_is_policy("policy/privfw.conf"), 0);
	CU_ASSERT_EQUAL(config_load(&c, "policy/privfw.conf", &err), 0);
	config_defaults(&d);
	CU_ASSERT_TRUE(config_equal(&c, &d));
}

static void touch(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
}

static void test_clean_temp(void)
{
	char *dir = make_dir(), path[512];
	struct policy *p = policy_new();

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	snprintf(path, sizeof(path), "%s/policy.conf", dir);
	CU_ASSERT_EQUAL(policy_save(p, path), 0);
	touch(dir, ".policy.conf.a1B2c3");   /* left by a crash mid-save */
	touch(dir, ".policy.conf.Zz9Yy8");
	touch(dir, ".policy.conf.toolong1"); /* not ours: wrong shape */
	touch(dir, ".other.conf.a1B2c3");
	touch(dir, "policy.conf.bak");
	CU_ASSERT_EQUAL(count_entries(dir), 6);
	CU_ASSERT_EQUAL(policy_clean_temp(path), 2);
	CU_ASSERT_EQUAL(count_entries(dir), 4);
	CU_ASSERT_EQUAL(policy_clean_temp(path), 0);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/missing/policy.conf", dir);
	CU_ASSERT_EQUAL(policy_clean_temp(path), -ENOENT);
	policy_free(p);
	rm_dir(dir);
}

static int put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	fchmod(fd, mode);
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void test_config_identity(void)
{
	static const struct { const char *text; int line; const char *msg; } bad[] = {
		{ "identity = {\n imei = \"12345\"; };\n", 2, "identity.imei must be 15 digits" },
		{ "identity = { mac = [ \"02:00:5e:10:00\" ]; };\n", 1,
		  "identity.mac: not a MAC address such as 02:00:5e:10:00:01" },
		{ "identity = { location = [ 91.0, 8.5 ]; };\n", 1,
		  "identity.location must be [ latitude, longitude ] in degrees" },
		{ "identity = { email = \"nobody\"; };\n", 1, "identity.email must be an address" },
		{ "identity = { colour = \"red\"; };\n", 1, "unknown setting \"colour\" in identity" },
		{ "identity = 1;\n", 1, "identity must be a group" },
		{ "inspect_budget = 10;\n", 1, "inspect_budget must be an integer in 1024..16777216" },
	};
	char *dir = make_dir(), path[512];
	struct policy_error err;
	struct config c;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/privfw.conf", dir);
	CU_ASSERT_EQUAL_FATAL(put_file(path, "identity = { imei = \"490154203237518\"; phone = \"+41 79 123 45 67\";\n"
				"  mac = [ \"02:00:5e:10:00:01\", \"02005e100002\" ]; location = [ 47.3769, 8.0 ]; };\n"
				"inspect_budget = 4096;\nidentity_discover = false;\n", 0644), 0);
	config_defaults(&c);
	CU_ASSERT_EQUAL_FATAL(config_load(&c, path, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.identity.imei, "490154203237518");
	CU_ASSERT_STRING_EQUAL(c.identity.phone, "+41 79 123 45 67");
	CU_ASSERT_EQUAL(c.identity.n_mac, 2);
	CU_ASSERT_STRING_EQUAL(c.identity.mac[1], "02005e100002");
	CU_ASSERT(c.identity.have_location && c.identity.lat > 47.37 && c.identity.lat < 47.38 && c.identity.lon == 8);
	CU_ASSERT_EQUAL(c.inspect_budget, 4096);
	CU_ASSERT(!c.identity_discover);
	/* The canonical form masks every identifier. */
	f = open_memstream(&out, &len);
	CU_ASSERT_EQUAL(config_print(&c, f), 0);
	fclose(f);
	CU_ASSERT_PTR_NULL(strstr(out, "490154203237518"));
	CU_ASSERT_PTR_NULL(strstr(out, "02:00:5e:10:00:01"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "imei = \""));
	free(out);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		CU_ASSERT_EQUAL_FATAL(put_file(path, bad[i].text, 0644), 0);
		config_defaults(&c);
		CU_ASSERT_EQUAL(config_load(&c, path, &err), -EINVAL);
		CU_ASSERT_EQUAL(err.line, bad[i].line);
		CU_ASSERT_STRING_EQUAL(err.msg, bad[i].msg);
		if (strcmp(err.msg, bad[i].msg))
			fprintf(stderr, "case %zu: %s\n", i, err.msg);
	}
	unlink(path);
	rmdir(dir);
	free(dir);
}

static void test_secrets(void)
{
	char *dir = make_dir(), path[512];
	struct secrets s = { 0 };
	struct policy_error err = { 0 };
	unsigned me = (unsigned)getuid();

	snprintf(path, sizeof(path), "%s/secrets.conf", dir);
	CU_ASSERT_EQUAL(secrets_load(&s, path, me, &err), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(put_file(path, "secrets = ( { label = \"wifi\"; value = \"hunter22\"; },\n"
				"  { label = \"pin\"; value = \"0000-1111\"; } );\n", 0600), 0);
	CU_ASSERT_EQUAL_FATAL(secrets_load(&s, path, me, &err), 0);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.v[0].label, "wifi");
	CU_ASSERT_STRING_EQUAL(s.v[1].value, "0000-1111");
	secrets_free(&s);
	CU_ASSERT_EQUAL(s.n, 0);
	/* Readable by others, or by the group: refused, whatever it holds. */
	chmod(path, 0644);
	CU_ASSERT_EQUAL(secrets_load(&s, path, me, &err), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "others can read"));
	chmod(path, 0640);
	CU_ASSERT_EQUAL(secrets_load(&s, path, me, &err), -EPERM);
	CU_ASSERT_EQUAL_FATAL(put_file(path, "secrets = (\n { label = \"x\"; value = \"ab\"; } );\n", 0600), 0);
	CU_ASSERT_EQUAL(secrets_load(&s, path, me, &err), -EINVAL);
	CU_ASSERT_EQUAL(err.line, 2);
	CU_ASSERT_EQUAL_FATAL(put_file(path, "secrets = ( { value = \"abcdef\"; } );\n", 0600), 0);
	CU_ASSERT_EQUAL(secrets_load(&s, path, me, &err), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(put_file(path, "secret = 1;\n", 0600), 0);
	CU_ASSERT_EQUAL(secrets_load(&s, path, me, &err), -EINVAL);
	unlink(path);
	rmdir(dir);
	free(dir);
}

static const struct unit_case cases[] = {
	{ "crash leftovers removed", test_clean_temp },
	{ "round trip", test_round_trip },
	{ "print empty", test_print_empty },
	{ "network and explicit", test_network_explicit },
	{ "reset", test_reset },
	{ "set existing updates", test_set_existing },
	{ "many, sorted", test_many_sorted },
	{ "invalid ids", test_invalid_ids },
	{ "actions", test_actions },
	{ "dup independence", test_dup },
	{ "parse errors", test_parse_errors },
	{ "parse lenient", test_parse_lenient },
	{ "load missing", test_load_missing },
	{ "load error names path", test_load_error_names_path },
	{ "save missing dir", test_save_missing_dir },
	{ "save rename fails", test_save_rename_fails },
	{ "config defaults", test_config_defaults },
	{ "config load", test_config_load },
	{ "config errors", test_config_errors },
	{ "config identity", test_config_identity },
	{ "secrets file", test_secrets },
	{ "data rules", test_data_rules },
	{ "host lists", test_hosts },
	{ "data and host errors", test_data_errors },
	{ "config file is policy", test_config_file_is_policy },
	{ "shipped files", test_shipped_files },
	{ NULL, NULL },
};

int main(void)
{
	return unit_run("policy", cases);
}
