/*
 * yaml.h: a YAML document loaded into a small immutable tree that keeps
 * line numbers, so that every config error can name file:line.
 *
 * Ownership: ydoc_load_* returns a tree the caller frees with ydoc_free;
 * every node and string belongs to it. Anchors and aliases are resolved
 * by libyaml, merge keys (<<: *anchor, or a list of them) here: a key of
 * the map itself wins over a merged one, an earlier merged map over a
 * later one, as in yaml.v2.
 *
 * Keys are matched without regard to case (ynode_pair), as pauditd and
 * go-audit read their configs (viper): Output.Stdout.Enabled is
 * output.stdout.enabled.
 */
#ifndef PAUDITD_YAML_H
#define PAUDITD_YAML_H

#include <stdbool.h>
#include <stddef.h>

enum ynode_kind { YNODE_NULL, YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode;

struct ypair {
	const char		*key;
	int			 line;
	const struct ynode	*val;
};

struct ynode {
	enum ynode_kind		 kind;
	int			 line;		/* 1-based */
	bool			 quoted;	/* scalar was quoted in the text */
	const char		*str;		/* scalar text (never NULL for scalars) */
	size_t			 n;		/* map pairs or seq items */
	struct ypair		*pairs;		/* YNODE_MAP */
	const struct ynode	**items;	/* YNODE_SEQ */
};

/*
 * A key given twice in one map. As in pauditd and go-audit (yaml.v2 into
 * a Go map), the last value counts: the map keeps the key once, at its
 * first place, with the last value and that value's line.
 */
struct ydup {
	const char		*key;
	const char		*path;		/* "output.stdout.enabled" */
	int			 line;		/* the one that counts */
	int			 first;		/* its first place */
};

struct ydoc {
	const char		*file;		/* name used in messages */
	const struct ynode	*root;		/* NULL for an empty document */
	const struct ydup	*dups;		/* in the order of the text */
	size_t			 ndups;
	int			 next_doc_line;	/* a document after it, ignored; 0: none */
};

/*
 * Load a file (or, with ydoc_load_string, text named `name`). On a
 * syntax error (or a byte that is not text, or a merge key that merges
 * no mapping) returns NULL and writes "file:line: reason" to errbuf.
 */
struct ydoc *ydoc_load_file(const char *path, char *errbuf, size_t errlen);
struct ydoc *ydoc_load_string(const char *name, const char *text, size_t len,
    char *errbuf, size_t errlen);
struct ydoc *ydoc_free(struct ydoc *d);

/* Value of `key` in a map node, or NULL (also when `map` is not a map). */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* Same, and the pair (for the key's line); NULL if absent. */
const struct ypair *ynode_pair(const struct ynode *map, const char *key);
/* Follow a dotted path ("output.file.path") through maps. */
const struct ynode *ynode_path(const struct ynode *root, const char *path);
const char *ynode_kind_name(enum ynode_kind k);

#endif
