/*
 * cfgmap.c: table-driven binding of YAML mappings to structs.
 *
 * DESIGN: a table row says where a value lands (offsetof), how to parse
 * it and what range it must be in. cfg_bind first writes every default,
 * then walks the YAML mapping once: known keys are parsed, unknown keys
 * are warned about. Nothing here knows pauditd's schema; config.c and
 * each output plugin supply tables.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../log.h"
#include "cfgmap.h"

void
cfg_ctx_init(struct cfg_ctx *c, const char *file)
{
	memset(c, 0, sizeof(*c));
	c->file = file ? file : "<config>";
}

static void
cfg_vreport(struct cfg_ctx *c, bool err, int line, const char *path,
    const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		snprintf(c->last, sizeof(c->last), "%s:%d: %s%s%s", c->file,
		    line, path ? path : "", path ? ": " : "", msg);
	else
		snprintf(c->last, sizeof(c->last), "%s: %s%s%s", c->file,
		    path ? path : "", path ? ": " : "", msg);
	if (!c->quiet)
		fprintf(stderr, "%s%s\n", err ? "" : "warning: ", c->last);
}

void
cfg_error(struct cfg_ctx *c, int line, const char *path, const char *fmt, ...)
{
	va_list ap;

	c->errors++;
	va_start(ap, fmt);
	cfg_vreport(c, true, line, path, fmt, ap);
	va_end(ap);
}

void
cfg_warn(struct cfg_ctx *c, int line, const char *path, const char *fmt, ...)
{
	va_list ap;

	c->warnings++;
	va_start(ap, fmt);
	cfg_vreport(c, false, line, path, fmt, ap);
	va_end(ap);
}

int
cfg_parse_bool(const char *s, bool *ret)
{
	/* YAML 1.1's words, and Go's strconv.ParseBool's "t" and "f" (cast). */
	static const char *yes[] = { "true", "yes", "on", "1", "y", "t" };
	static const char *no[] = { "false", "no", "off", "0", "n", "f" };
	size_t i;

	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

int
cfg_parse_int(const char *s, long long *ret)
{
	char *end, plain[72];
	long long v;
	const char *p = s;
	size_t i, n = 0;
	int base = 10;

	/* YAML 1.1 (yaml.v2) also takes 1_000_000: the digits without them. */
	if (strchr(s, '_') != NULL) {
		for (i = 0; s[i] != '\0'; i++) {
			if (s[i] == '_' && (i == 0 || s[i - 1] == '_' ||
			    s[i + 1] == '\0'))
				return -EINVAL;
			if (s[i] != '_' && n < sizeof(plain) - 1)
				plain[n++] = s[i];
		}
		if (i >= sizeof(plain))
			return -EINVAL;
		plain[n] = '\0';
		p = s = plain;
	}
	/* YAML 1.1 integers: 0o17 and 017 are octal, 0x1f hex. */
	if (p[0] == '+' || p[0] == '-')
		p++;
	if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
		base = 8;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && p[1] != '\0') {
		base = 8;
	}
	/* strtoll would take a second sign or leading spaces: digits only. */
	if (!((*p >= '0' && *p <= '9') || (base == 16 && isxdigit((unsigned char)*p))))
		return -EINVAL;
	errno = 0;
	v = strtoll(p, &end, base);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*ret = s[0] == '-' ? -v : v;
	return 0;
}

int
cfg_parse_double(const char *s, double *ret)
{
	char *end;
	double v;

	if (*s == '\0')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v))
		return -EINVAL;
	*ret = v;
	return 0;
}

int
cfg_parse_duration_ms(const char *s, uint64_t *ret)
{
	static const struct { const char *u; double ms; } units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 },
		{ "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	double total = 0, v;
	const char *p = s;
	char *end;
	size_t i;

	if (*p == '\0')
		return -EINVAL;
	/* A bare number is seconds. */
	if (cfg_parse_double(s, &v) == 0) {
		if (v < 0 || v > 1e12)		/* over 30 years is a typo */
			return -EINVAL;
		*ret = (uint64_t)(v * 1000.0 + 0.5);
		return 0;
	}
	while (*p != '\0') {
		errno = 0;
		/* No sign, space, inf or nan; ".5s" as Go takes it. */
		if ((*p < '0' || *p > '9') &&
		    !(*p == '.' && p[1] >= '0' && p[1] <= '9'))
			return -EINVAL;
		v = strtod(p, &end);
		if (end == p || errno != 0 || v < 0 || !isfinite(v))
			return -EINVAL;
		p = end;
		for (i = 0; i < nitems(units); i++) {
			size_t ul = strlen(units[i].u);

			/* "ms" must win over "m": longest unit first by check. */
			if (strncmp(p, units[i].u, ul) == 0 &&
			    !(units[i].u[0] == 'm' && ul == 1 && p[1] == 's'))
				break;
		}
		if (i == nitems(units))
			return -EINVAL;
		total += v * units[i].ms;
		p += strlen(units[i].u);
	}
	if (!isfinite(total) || total > 1e15)
		return -EINVAL;
	*ret = (uint64_t)(total + 0.5);
	return 0;
}

const char *
cfg_strmap_get(const struct cfg_strmap *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	return NULL;
}

static bool
in_range(const struct cfg_field *f, double v)
{
	if (f->min == f->max)
		return true;
	return v >= f->min && v <= f->max;
}

static void
range_error(struct cfg_ctx *c, int line, const char *path,
    const struct cfg_field *f)
{
	cfg_error(c, line, path, "must be between %.15g and %.15g", f->min, f->max);
}

static void
free_strmap(struct cfg_strmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->keys[i]);
		free(m->vals[i]);
	}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static int
bind_strmap(struct cfg_ctx *c, const struct ynode *n, const char *path,
    struct cfg_strmap *m)
{
	size_t i;

	free_strmap(m);
	if (n == NULL || n->kind == YNODE_NULL)
		return 0;
	if (n->kind != YNODE_MAP) {
		cfg_error(c, n->line, path, "must be a mapping of strings");
		return -EINVAL;
	}
	m->keys = calloc(n->n + 1, sizeof(char *));
	m->vals = calloc(n->n + 1, sizeof(char *));
	if (m->keys == NULL || m->vals == NULL)
		fatal("config map");
	for (i = 0; i < n->n; i++) {
		const struct ynode *v = n->pairs[i].val;

		if (v == NULL || v->kind == YNODE_MAP || v->kind == YNODE_SEQ) {
			cfg_error(c, n->pairs[i].line, path,
			    "value of \"%s\" must be a string", n->pairs[i].key);
			continue;
		}
		m->keys[m->n] = strdup(n->pairs[i].key);
		/* "a: ~" is "", as viper (cast) reads a null, not "~". */
		m->vals[m->n] = strdup(v->kind == YNODE_NULL ? "" : v->str);
		if (!m->keys[m->n] || !m->vals[m->n])
			fatal("config map");
		m->n++;
	}
	return 0;
}

/* Parse one scalar field. `text` is the default or the YAML scalar. */
static int
bind_scalar(struct cfg_ctx *c, const struct cfg_field *f, const char *text,
    int line, const char *path, char *dst)
{
	long long iv;
	double dv;
	uint64_t ms;
	bool bv;

	switch (f->type) {
	case CFG_BOOL:
		if (cfg_parse_bool(text, &bv) < 0) {
			cfg_error(c, line, path, "must be true or false, not \"%s\"", text);
			return -EINVAL;
		}
		*(bool *)(dst + f->offset) = bv;
		return 0;
	case CFG_INT:
		if (cfg_parse_int(text, &iv) < 0) {
			cfg_error(c, line, path, "must be an integer, not \"%s\"", text);
			return -EINVAL;
		}
		if (!in_range(f, (double)iv)) {
			range_error(c, line, path, f);
			return -EINVAL;
		}
		*(long long *)(dst + f->offset) = iv;
		return 0;
	case CFG_DOUBLE:
		if (cfg_parse_double(text, &dv) < 0) {
			cfg_error(c, line, path, "must be a number, not \"%s\"", text);
			return -EINVAL;
		}
		if (!in_range(f, dv)) {
			range_error(c, line, path, f);
			return -EINVAL;
		}
		*(double *)(dst + f->offset) = dv;
		return 0;
	case CFG_MODE:
		if (cfg_parse_int(text, &iv) < 0 || iv <= 0 || iv > 07777) {
			cfg_error(c, line, path, "must be an octal mode such as 0600, not \"%s\"", text);
			return -EINVAL;
		}
		/* A YAML integer without a leading 0 is decimal, as in pauditd. */
		if (text[0] != '0' && iv > 0777) {
			if (text[strspn(text, "01234567")] == '\0')
				cfg_warn(c, line, path, "%s is decimal (octal %#llo); write 0%s for an octal mode",
				    text, iv, text);
			else
				cfg_warn(c, line, path, "%s is decimal (octal %#llo), a mode with set-id or sticky bits",
				    text, iv);
		}
		*(int *)(dst + f->offset) = (int)iv;
		return 0;
	case CFG_DURATION:
		if (cfg_parse_duration_ms(text, &ms) < 0) {
			cfg_error(c, line, path, "must be a duration such as 10s or 250ms, not \"%s\"", text);
			return -EINVAL;
		}
		if (!in_range(f, (double)ms)) {
			cfg_error(c, line, path, "must be between %.15gms and %.15gms", f->min, f->max);
			return -EINVAL;
		}
		*(uint64_t *)(dst + f->offset) = ms;
		return 0;
	case CFG_STR: {
		char **sp = (char **)(dst + f->offset);

		free(*sp);
		if ((*sp = strdup(text)) == NULL)
			fatal("config string");
		return 0;
	}
	default:
		return 0;
	}
}

static void
set_flag(const struct cfg_field *f, void *dst, bool v)
{
	if (f->set_offset >= 0)
		*(bool *)((char *)dst + f->set_offset) = v;
}

static void
apply_defaults(struct cfg_ctx *c, const struct cfg_field *tbl, void *dst)
{
	const struct cfg_field *f;

	for (f = tbl; f->key != NULL; f++) {
		set_flag(f, dst, false);
		if (f->type == CFG_SECTION)
			apply_defaults(c, f->sub, dst);
		else if (f->type == CFG_NODE)
			*(const struct ynode **)((char *)dst + f->offset) = NULL;
		else if (f->def != NULL)
			bind_scalar(c, f, f->def, 0, f->key, dst);
	}
}

static const struct cfg_field *
find_field(const struct cfg_field *tbl, const char *key)
{
	for (; tbl->key != NULL; tbl++)
		if (strcasecmp(tbl->key, key) == 0)
			return tbl;
	return NULL;
}

static int bind_map(struct cfg_ctx *c, const struct cfg_field *tbl,
    const struct ynode *map, const char *prefix, void *dst);

static void
bind_one(struct cfg_ctx *c, const struct cfg_field *f, const struct ypair *p,
    const char *path, void *dst)
{
	const struct ynode *v = p->val;
	bool saved;

	switch (f->type) {
	case CFG_NODE:
		*(const struct ynode **)((char *)dst + f->offset) = v;
		set_flag(f, dst, true);
		return;
	case CFG_SECTION:
		if (v != NULL && v->kind != YNODE_MAP && v->kind != YNODE_NULL) {
			cfg_error(c, p->line, path, "must be a mapping, not %s",
			    ynode_kind_name(v->kind));
			return;
		}
		set_flag(f, dst, true);
		/*
		 * A section's table knows all its keys: ignore_unknown (a map
		 * bound by parts) is for the map above it.
		 */
		saved = c->ignore_unknown;
		c->ignore_unknown = false;
		bind_map(c, f->sub, v, path, dst);
		c->ignore_unknown = saved;
		return;
	case CFG_STRMAP:
		if (bind_strmap(c, v, path, (struct cfg_strmap *)((char *)dst + f->offset)) == 0)
			set_flag(f, dst, true);
		return;
	default:
		break;
	}
	if (v == NULL || v->kind == YNODE_NULL) {
		/* "key:" with no value keeps the default, as viper does. */
		return;
	}
	if (v->kind != YNODE_SCALAR) {
		cfg_error(c, p->line, path, "must be a single value, not %s",
		    ynode_kind_name(v->kind));
		return;
	}
	if (bind_scalar(c, f, v->str, v->line, path, dst) == 0)
		set_flag(f, dst, true);
}

static int
bind_map(struct cfg_ctx *c, const struct cfg_field *tbl,
    const struct ynode *map, const char *prefix, void *dst)
{
	unsigned before = c->errors;
	const struct cfg_field *f;
	char path[256];
	size_t i;

	if (map != NULL && map->kind == YNODE_MAP) {
		for (i = 0; i < map->n; i++) {
			const struct ypair *p = &map->pairs[i];

			snprintf(path, sizeof(path), "%s%s%s", prefix ? prefix : "",
			    prefix && *prefix ? "." : "", p->key);
			f = find_field(tbl, p->key);
			if (f == NULL) {
				if (!c->ignore_unknown)
					cfg_warn(c, p->line, path, "unknown key, ignoring");
				continue;
			}
			bind_one(c, f, p, path, dst);
		}
	}
	for (f = tbl; f->key != NULL; f++) {
		const struct ynode *v = ynode_get(map, f->key);

		/* "key:" with no value is as good as missing for a required key. */
		if (!(f->flags & CFG_F_REQUIRED) || (v != NULL && v->kind != YNODE_NULL))
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix ? prefix : "",
		    prefix && *prefix ? "." : "", f->key);
		cfg_error(c, map ? map->line : 0, path, "is required");
	}
	return c->errors > before ? -EINVAL : 0;
}

int
cfg_bind(struct cfg_ctx *c, const struct cfg_field *tbl,
    const struct ynode *map, const char *prefix, void *dst)
{
	apply_defaults(c, tbl, dst);
	if (map != NULL && map->kind != YNODE_MAP && map->kind != YNODE_NULL) {
		if (prefix == NULL || prefix[0] == '\0')
			cfg_error(c, map->line, NULL,
			    "the configuration must be a mapping of keys, not %s",
			    ynode_kind_name(map->kind));
		else
			cfg_error(c, map->line, prefix, "must be a mapping, not %s",
			    ynode_kind_name(map->kind));
		return -EINVAL;
	}
	return bind_map(c, tbl, map, prefix, dst);
}

void
cfg_free(const struct cfg_field *tbl, void *dst)
{
	const struct cfg_field *f;

	for (f = tbl; f->key != NULL; f++) {
		char *p = (char *)dst + f->offset;

		if (f->type == CFG_STR) {
			free(*(char **)p);
			*(char **)p = NULL;
		} else if (f->type == CFG_STRMAP) {
			free_strmap((struct cfg_strmap *)p);
		} else if (f->type == CFG_SECTION) {
			cfg_free(f->sub, dst);
		}
	}
}
