/*
 * uidmap.c: the user name cache. Open addressing on the numeric uid;
 * names are stored inline so a hit costs one hash probe and no
 * allocation.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "uidmap.h"

#define SLOTS		(UIDMAP_CACHE_MAX * 2)
#define NAME_INLINE	63

/*
 * A name of up to NAME_INLINE bytes lives in its slot; a longer one (NSS
 * and LDAP names may be, and Go's lookup reports them whole) in `heap`.
 */
struct uid_ent {
	uint32_t	uid;
	uint32_t	used;
	size_t		len;
	char		*heap;
	char		name[NAME_INLINE + 1];
};

struct uidmap {
	bool		 cache;
	bool		 budgeted;	/* new uids' lookups within the budget */
	char		*passwd_path;
	struct uid_ent	*slots;
	size_t		 count;
	size_t		 nheap;		/* slots with a heap name */
	uint64_t	 last_check_ms;
	struct stat	 passwd_st;
	bool		 have_st;
	uint64_t	 nss_lookups;
	uint64_t	 budget;	/* lookups allowed now (cache on) */
	uint64_t	 refill_ms;	/* when the budget was last refilled */
	uint64_t	 over_budget;	/* uids answered without a lookup */
	uint64_t	 gen;
	char		*pwbuf;
	size_t		 pwbuf_len;
	struct uid_ent	 scratch;	/* a uid past a full table, not cached */
};

static void
stat_passwd(struct uidmap *m, struct stat *st, bool *ok)
{
	*ok = m->passwd_path != NULL && stat(m->passwd_path, st) == 0;
}

struct uidmap *
uidmap_new(bool cache, bool budgeted, const char *passwd_path)
{
	struct uidmap *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->cache = cache;
	m->budgeted = cache && budgeted;
	m->budget = UIDMAP_LOOKUP_BURST;
	m->slots = calloc(SLOTS, sizeof(*m->slots));
	m->passwd_path = strdup(passwd_path ? passwd_path : "/etc/passwd");
	m->pwbuf_len = 16384;
	m->pwbuf = malloc(m->pwbuf_len);
	if (m->slots == NULL || m->passwd_path == NULL || m->pwbuf == NULL)
		return uidmap_free(m);
	stat_passwd(m, &m->passwd_st, &m->have_st);
	return m;
}

static void
free_heap_names(struct uidmap *m)
{
	size_t i;

	for (i = 0; i < SLOTS && m->nheap > 0; i++)
		if (m->slots[i].heap != NULL) {
			free(m->slots[i].heap);
			m->slots[i].heap = NULL;
			m->nheap--;
		}
}

struct uidmap *
uidmap_free(struct uidmap *m)
{
	if (m == NULL)
		return NULL;
	if (m->slots != NULL)
		free_heap_names(m);
	free(m->slots);
	free(m->scratch.heap);
	free(m->passwd_path);
	free(m->pwbuf);
	free(m);
	return NULL;
}

static void
clear(struct uidmap *m)
{
	m->gen++;
	if (m->count == 0)
		return;
	free_heap_names(m);
	memset(m->slots, 0, SLOTS * sizeof(*m->slots));
	m->count = 0;
}

void
uidmap_begin_event(struct uidmap *m)
{
	/* Names must stay valid for the whole event: clear only here. */
	if (!m->cache || m->count >= UIDMAP_CACHE_MAX)
		clear(m);
}

void
uidmap_tick(struct uidmap *m, uint64_t now_ms)
{
	struct stat st;
	bool ok;

	if (m->refill_ms != 0 && now_ms > m->refill_ms) {
		m->budget += (now_ms - m->refill_ms) * UIDMAP_LOOKUPS_PER_S / 1000;
		if (m->budget > UIDMAP_LOOKUP_BURST)
			m->budget = UIDMAP_LOOKUP_BURST;
	}
	m->refill_ms = now_ms;
	if (!m->cache || now_ms - m->last_check_ms < 1000)
		return;
	m->last_check_ms = now_ms;
	stat_passwd(m, &st, &ok);
	if (ok != m->have_st || (ok && (st.st_mtim.tv_sec != m->passwd_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != m->passwd_st.st_mtim.tv_nsec ||
	    st.st_size != m->passwd_st.st_size || st.st_ino != m->passwd_st.st_ino))) {
		log_debug("%s changed: dropping %zu cached user names",
		    m->passwd_path, m->count);
		clear(m);
		m->passwd_st = st;
		m->have_st = ok;
	}
}

/* Resolve through NSS into `e`. */
static void
resolve(struct uidmap *m, uint32_t uid, struct uid_ent *e)
{
	struct passwd pw, *res = NULL;
	int r;

	m->nss_lookups++;
	for (;;) {
		r = getpwuid_r((uid_t)uid, &pw, m->pwbuf, m->pwbuf_len, &res);
		if (r != ERANGE || m->pwbuf_len >= (1u << 20))
			break;
		m->pwbuf_len *= 2;
		free(m->pwbuf);
		if ((m->pwbuf = malloc(m->pwbuf_len)) == NULL)
			fatal("passwd buffer");
	}
	if (r == 0 && res != NULL) {
		e->len = strlen(pw.pw_name);
		if (e->len <= NAME_INLINE) {
			memcpy(e->name, pw.pw_name, e->len + 1);
			return;
		}
		if ((e->heap = strdup(pw.pw_name)) == NULL)
			fatal("user name");
	} else {
		e->len = sizeof(UIDMAP_UNKNOWN) - 1;
		memcpy(e->name, UIDMAP_UNKNOWN, sizeof(UIDMAP_UNKNOWN));
	}
}

const char *
uidmap_name(struct uidmap *m, const char *uid, size_t len, size_t *ret_len)
{
	uint64_t v = 0;
	struct uid_ent *e;
	size_t i, h;

	if (len == 0 || len > 10)
		goto unknown;
	for (i = 0; i < len; i++) {
		if (uid[i] < '0' || uid[i] > '9')
			goto unknown;
		v = v * 10 + (uint64_t)(uid[i] - '0');
	}
	if (v > UINT32_MAX)
		goto unknown;
	/*
	 * The table is cleared between events past UIDMAP_CACHE_MAX, and
	 * has room for as many again: one event with more distinct uids than
	 * that (a record may carry thousands) has the rest, those not cached
	 * yet, resolved without caching, in a scratch entry that holds until
	 * the next call.
	 */
	h = (size_t)(((uint32_t)v * 2654435761u) % SLOTS);
	for (;;) {	/* ends: one slot is always free */
		e = &m->slots[h];
		if (!e->used)
			break;
		if (e->uid == (uint32_t)v)
			goto found;
		h = (h + 1) % SLOTS;
	}
	if (m->count >= SLOTS - 1)
		e = &m->scratch;
	/*
	 * A lookup may take a while (an unknown uid goes through every NSS
	 * module: ~125 us with systemd's, LDAP's far more), on the thread
	 * that reads the kernel. Distinct uids are few on a host; tens of
	 * thousands (a rootless container's subordinate range, a FUSE file
	 * system's owners) would stall the reading, and the kernel would then
	 * block or lose records. Past the budget a new uid is UNKNOWN_USER,
	 * not cached: the next event may ask again.
	 */
	if (m->budgeted) {
		if (m->budget == 0) {
			m->over_budget++;
			/* Not a name to keep: text made with it is not kept. */
			m->gen++;
			goto unknown;
		}
		m->budget--;
	}
	if (e == &m->scratch) {
		free(e->heap);
		memset(e, 0, sizeof(*e));
	} else {
		e->used = 1;
		e->uid = (uint32_t)v;
		m->count++;
	}
	resolve(m, (uint32_t)v, e);
	if (e->heap != NULL && e != &m->scratch)
		m->nheap++;
found:
	*ret_len = e->len;
	return e->heap != NULL ? e->heap : e->name;
unknown:
	*ret_len = sizeof(UIDMAP_UNKNOWN) - 1;
	return UIDMAP_UNKNOWN;
}

uint64_t
uidmap_generation(const struct uidmap *m)
{
	return m->gen;
}

uint64_t
uidmap_nss_lookups(const struct uidmap *m)
{
	return m->nss_lookups;
}

uint64_t
uidmap_over_budget(const struct uidmap *m)
{
	return m->over_budget;
}
