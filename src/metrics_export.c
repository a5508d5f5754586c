/*
 * metrics_export.c: the `metrics:` section and the exporters' lifecycle.
 *
 * Keys (pauditd's, plus one):
 *   metrics.enabled            statsd on/off (default false)
 *   metrics.address            statsd UDP host:port (default ":8125", the
 *                              local host as Go's net.Dial reads it)
 *   metrics.sample_rate        0 < rate <= 1, float or string (default 0.5)
 *   metrics.prometheus.listen  host:port of the /metrics endpoint (default
 *                              off; independent of metrics.enabled)
 *
 * statsd names carry the prefix "pauditd.<host>.", where host is
 * $HOSTNAME when set and non-empty, else the host name, cut at the first
 * dot either way (pauditd's rule), with characters statsd cannot carry
 * replaced by '_'. An address that does not resolve at start-up disables
 * statsd with a warning: metrics never stop the audit stream. Addresses
 * are resolved here, not in the back ends, so that a name that does not
 * resolve is reported in getaddrinfo's words, next to the address.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfgmap.h"
#include "config/config.h"
#include "log.h"
#include "metrics.h"
#include "metrics_export.h"

#define EXPORT_FLUSH_MS	1000
#define EXPORT_HOST_MAX	256

struct metrics_export {
	bool			 enabled;
	char			*address;
	double			 sample_rate;
	char			*prom_listen;
	char			 prefix[EXPORT_HOST_MAX + 16];
	struct metrics_statsd	*sd;
	struct metrics_prom	*prom;
	uint64_t		 last_flush_ms;
};

#define F(k, t, m, d, lo, hi, text)					\
	{ .key = k, .type = t, .offset = offsetof(struct metrics_export, m), \
	  .def = d, .min = lo, .max = hi, .set_offset = CFG_NOSET, .desc = text }

static const struct cfg_field prom_fields[] = {
	F("listen", CFG_STR, prom_listen, NULL, 0, 0,
	    "host:port of the Prometheus /metrics endpoint"),
	{ 0 }
};

static const struct cfg_field export_fields[] = {
	F("enabled", CFG_BOOL, enabled, "false", 0, 0, "send metrics to statsd"),
	F("address", CFG_STR, address, ":8125", 0, 0, "statsd UDP host:port"),
	F("sample_rate", CFG_DOUBLE, sample_rate, "0.5", 0, 1,
	    "statsd sample rate, 0 < rate <= 1"),
	{ .key = "prometheus", .type = CFG_SECTION, .sub = prom_fields,
	  .set_offset = CFG_NOSET, .desc = "Prometheus endpoint" },
	{ 0 }
};

/*
 * Split "host:port", "[v6]:port" or ":port" into its parts. The port
 * must be a number (0..65535). 0 or -EINVAL.
 */
static int
split_hostport(const char *s, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon, *h = s, *end;
	size_t n;
	char *e;
	long v;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			return -EINVAL;
		h = s + 1;
		colon = end + 1;
		n = (size_t)(end - h);
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -EINVAL;
		n = (size_t)(colon - s);
		if (memchr(s, ':', n) != NULL)
			return -EINVAL;	/* bare IPv6 needs brackets */
	}
	if (n >= hlen || strlen(colon + 1) >= plen || colon[1] == '\0')
		return -EINVAL;
	errno = 0;
	v = strtol(colon + 1, &e, 10);
	if (errno != 0 || *e != '\0' || v < 0 || v > 65535)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, plen, "%ld", v);
	return 0;
}

/* "pauditd.<short host>." into me->prefix. */
static void
make_prefix(struct metrics_export *me)
{
	char host[EXPORT_HOST_MAX] = "";
	const char *env = getenv("HOSTNAME");
	char *p;

	if (env != NULL && env[0] != '\0')
		snprintf(host, sizeof(host), "%s", env);
	else if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	if ((p = strchr(host, '.')) != NULL)
		*p = '\0';
	metrics_statsd_clean(host);
	snprintf(me->prefix, sizeof(me->prefix), "pauditd.%s.", host);
}

static void
export_free(struct metrics_export *me)
{
	cfg_free(export_fields, me);
	free(me);
}

static void
check_address(struct cfg_ctx *c, const struct config *conf, const char *key,
    const char *val)
{
	char host[EXPORT_HOST_MAX], port[8];
	const struct ynode *n;

	if (split_hostport(val, host, sizeof(host), port, sizeof(port)) == 0)
		return;
	n = ynode_path(conf->metrics, key + strlen("metrics."));
	cfg_error(c, n ? n->line : 0, key,
	    "must be host:port (\":8125\", \"127.0.0.1:9469\", \"[::1]:9469\"), not \"%s\"",
	    val);
}

int
metrics_export_configure(const struct config *conf, struct cfg_ctx *c,
    struct metrics_export **ret)
{
	struct metrics_export *me;
	unsigned before = c->errors;
	const struct ynode *n;

	if ((me = calloc(1, sizeof(*me))) == NULL)
		fatal("metrics");
	if (conf->metrics != NULL && conf->metrics->kind != YNODE_MAP &&
	    conf->metrics->kind != YNODE_NULL) {
		cfg_error(c, conf->metrics->line, "metrics", "must be a mapping");
		export_free(me);
		return -EINVAL;
	}
	cfg_bind(c, export_fields, conf->metrics, "metrics", me);
	if (me->sample_rate <= 0 && c->errors == before) {
		n = ynode_get(conf->metrics, "sample_rate");
		cfg_error(c, n ? n->line : 0, "metrics.sample_rate",
		    "must be above 0 and at most 1");
	}
	if (me->enabled)
		check_address(c, conf, "metrics.address", me->address);
	if (me->prom_listen != NULL && me->prom_listen[0] != '\0')
		check_address(c, conf, "metrics.prometheus.listen",
		    me->prom_listen);
	if (c->errors != before) {
		export_free(me);
		return -EINVAL;
	}
	make_prefix(me);
	*ret = me;
	return 0;
}

/*
 * Resolve `address` (checked by configure) for `socktype` and `flags`
 * into *ret. 0, or -errno with *ret_why saying why: getaddrinfo's own
 * words for a name that does not resolve. Its EAI_* codes have no errno:
 * -EAGAIN for a resolver that could not answer now, -ENXIO ("no such
 * address") for the rest.
 */
static int
export_resolve(const char *address, int socktype, int flags,
    struct addrinfo **ret, const char **ret_why)
{
	struct addrinfo hints = { .ai_socktype = socktype, .ai_flags = flags };
	char host[EXPORT_HOST_MAX], port[8];
	int r;

	split_hostport(address, host, sizeof(host), port, sizeof(port));
	r = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, ret);
	if (r == 0)
		return 0;
	if (r == EAI_SYSTEM) {
		r = errno != 0 ? errno : EIO;
		*ret_why = strerror(r);
		return -r;
	}
	*ret_why = gai_strerror(r);
	if (r == EAI_MEMORY)
		return -ENOMEM;
	return r == EAI_AGAIN ? -EAGAIN : -ENXIO;
}

static void
start_statsd(struct metrics_export *me)
{
	struct addrinfo *res = NULL;
	const char *why;
	int r;

	if ((r = export_resolve(me->address, SOCK_DGRAM, 0, &res, &why)) == 0) {
		r = metrics_statsd_open(res, me->prefix, me->sample_rate, &me->sd);
		freeaddrinfo(res);
		if (r < 0)
			why = strerror(-r);
	}
	if (r < 0) {
		log_warnx("statsd %s: metrics disabled: %s", me->address, why);
		return;
	}
	log_info("statsd: sending to %s as %s* at sample rate %g",
	    me->address, me->prefix, me->sample_rate);
}

int
metrics_export_start(struct metrics_export *me)
{
	struct addrinfo *res = NULL;
	const char *why;
	int r;

	if (me == NULL)
		return 0;
	me->last_flush_ms = now_mono_ms();
	if (me->enabled)
		start_statsd(me);
	if (me->prom_listen == NULL || me->prom_listen[0] == '\0')
		return 0;
	r = export_resolve(me->prom_listen, SOCK_STREAM, AI_PASSIVE, &res, &why);
	if (r == 0) {
		r = metrics_prom_start(res, &me->prom);
		freeaddrinfo(res);
		if (r < 0)
			why = strerror(-r);
	}
	if (r < 0) {
		/* The key, for the configuration to fix. */
		log_warnx("metrics.prometheus.listen: cannot listen on %s: %s",
		    me->prom_listen, why);
		return r;
	}
	log_info("metrics.prometheus.listen: serving /metrics on %s (port %d)",
	    me->prom_listen, metrics_prom_port(me->prom));
	return 0;
}

void
metrics_export_tick(struct metrics_export *me)
{
	uint64_t now;

	if (me == NULL || me->sd == NULL)
		return;
	now = now_mono_ms();
	/* Called about once a second; never flush more often than that. */
	if (now - me->last_flush_ms < EXPORT_FLUSH_MS * 9 / 10)
		return;
	me->last_flush_ms = now;
	metrics_statsd_flush(me->sd, false);
}

struct metrics_export *
metrics_export_stop(struct metrics_export *me)
{
	if (me == NULL)
		return NULL;
	if (me->sd != NULL) {
		metrics_statsd_flush(me->sd, true);
		me->sd = metrics_statsd_close(me->sd);
	}
	me->prom = metrics_prom_stop(me->prom);
	export_free(me);
	return NULL;
}
