/* Apps are few (tens on a phone), looked up once per new flow: a hash of pointers suffices. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apps.h"

struct apps {
	struct app_entry **v;  /* first-seen order */
	size_t n, max;
	struct app_entry **slots;  /* open addressing */
	size_t nslots;             /* power of two, >= 2 * max */
};

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct apps *apps_new(size_t max)
{
	struct apps *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->max = max;
	a->nslots = 16;
	while (a->nslots < 2 * max)
		a->nslots <<= 1;
	a->v = calloc(max, sizeof(*a->v));
	a->slots = calloc(a->nslots, sizeof(*a->slots));
	if (!a->v || !a->slots) {
		apps_free(a);
		errno = ENOMEM;
		return NULL;
	}
	return a;
}

void apps_free(struct apps *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	free(a->slots);
	free(a);
}

static struct app_entry **slot_of(struct apps *a, const char *id)
{
	size_t m = a->nslots - 1, i = hash_str(id) & m;

	while (a->slots[i] && strcmp(a->slots[i]->id, id))
		i = (i + 1) & m;
	return &a->slots[i];
}

struct app_entry *apps_find(struct apps *a, const char *id)
{
	return *slot_of(a, id);
}

struct app_entry *apps_get(struct apps *a, const char *id, time_t now, bool *created)
{
	struct app_entry **s = slot_of(a, id), *e;

	*created = false;
	if (*s)
		return *s;
	if (a->n >= a->max)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	strncpy(e->id, id, sizeof(e->id) - 1);
	e->first_seen = now;
	e->uid = -1;
	e->net = -1;
	e->inspects = -1;
	*s = e;
	a->v[a->n++] = e;
	*created = true;
	return e;
}

size_t apps_count(const struct apps *a)
{
	return a->n;
}

struct app_entry *apps_at(struct apps *a, size_t i)
{
	return i < a->n ? a->v[i] : NULL;
}

void apps_invalidate(struct apps *a)
{
	for (size_t i = 0; i < a->n; i++) {
		a->v[i]->net = -1;
		a->v[i]->inspects = -1;
	}
}
