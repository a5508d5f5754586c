/*
 * cfgmap.h: bind a YAML mapping to a C struct through a declarative table
 * {key, type, offset, default, min, max, description}.
 *
 * Errors are collected in a struct cfg_ctx (so that --check-config can
 * print every one) as "file:line: path.key: reason". Keys that the table
 * does not know are warned about with their line, never fatal, so that
 * configs written for pauditd or go-audit always load. Scalars accept
 * both YAML forms users write (attempts: 3 and attempts: "3").
 */
#ifndef PAUDITD_CFGMAP_H
#define PAUDITD_CFGMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../pauditd.h"
#include "yaml.h"

enum cfg_type {
	CFG_BOOL,	/* bool: true/false/yes/no/on/off/1/0 */
	CFG_INT,	/* long long, min..max */
	CFG_DOUBLE,	/* double, min..max */
	CFG_STR,	/* char * (strdup'd, freed by cfg_free) */
	CFG_MODE,	/* int file mode: YAML 1.1 integer (0600 is octal) */
	CFG_DURATION,	/* uint64 ms: Go duration ("10s", "1m30s", "250ms") or seconds */
	CFG_STRMAP,	/* struct cfg_strmap: mapping of scalars (a null is "") */
	CFG_NODE,	/* const struct ynode *: kept raw for the owner to bind */
	CFG_SECTION,	/* nested table `sub` over the same struct */
};

enum {
	CFG_F_REQUIRED	= 1u << 0,	/* error when missing */
	CFG_F_IGNORED	= 1u << 1,	/* accepted for compatibility, unused */
};

struct cfg_strmap {
	size_t		 n;
	char		**keys;
	char		**vals;
};

struct cfg_field {
	const char		*key;
	enum cfg_type		 type;
	size_t			 offset;
	const char		*def;		/* default as text, or NULL */
	double			 min, max;	/* for INT/DOUBLE/DURATION(ms); min==max: no check */
	const struct cfg_field	*sub;		/* CFG_SECTION */
	unsigned		 flags;
	ssize_t			 set_offset;	/* bool set true when the key is present; -1: none */
	const char		*desc;
};

#define CFG_NOSET	(-1)

struct cfg_ctx {
	const char	*file;
	unsigned	 errors;
	unsigned	 warnings;
	bool		 quiet;		/* tests: count, do not print */
	bool		 ignore_unknown; /* no unknown-key warnings */
	char		 last[512];	/* the last error, for tests */
};

void cfg_ctx_init(struct cfg_ctx *c, const char *file);
/* Report an error / warning at `line` about `path` ("output.file.mode"). */
void cfg_error(struct cfg_ctx *c, int line, const char *path,
    const char *fmt, ...) PA_PRINTF(4, 5);
void cfg_warn(struct cfg_ctx *c, int line, const char *path,
    const char *fmt, ...) PA_PRINTF(4, 5);

/*
 * `dst` must be zeroed before its first bind. Apply the defaults of
 * `tbl` to `dst`, then bind the mapping `map` (may
 * be NULL: defaults only). `prefix` names the map in messages ("output.file").
 * Returns 0, or -EINVAL when at least one error was reported.
 */
int cfg_bind(struct cfg_ctx *c, const struct cfg_field *tbl,
    const struct ynode *map, const char *prefix, void *dst);
/* Free the strings and maps that cfg_bind allocated into `dst`. */
void cfg_free(const struct cfg_field *tbl, void *dst);

/* Scalar parsers shared with modules that bind by hand; 0 or -EINVAL. */
int cfg_parse_bool(const char *s, bool *ret);
int cfg_parse_int(const char *s, long long *ret);	/* base 0 as YAML 1.1 */
int cfg_parse_double(const char *s, double *ret);
int cfg_parse_duration_ms(const char *s, uint64_t *ret);
const char *cfg_strmap_get(const struct cfg_strmap *m, const char *key);

#endif
