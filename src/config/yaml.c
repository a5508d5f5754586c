/*
 * yaml.c: libyaml's document API turned into our ynode tree.
 *
 * libyaml's own node graph indexes nodes by id and lives inside a
 * yaml_document_t; we copy it once into a compact tree of our own so the
 * binder never touches libyaml, and so line numbers travel with values.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "../log.h"
#include "yaml.h"

#define PATH_MAX_LEN	256	/* of a key's path in messages */

struct ydoc_priv {
	struct ydoc	 pub;
	char		*file;
	struct ynode	*nodes;		/* one per libyaml node */
	size_t		 nnodes;
	char		*strings;	/* every scalar and key, NUL-separated */
	struct ypair	*pairs;
	const struct ynode **items;
	struct ydup	*dups;		/* room for one per pair */
	char		*dup_paths;	/* PATH_MAX_LEN for each */
	struct ypair	**merged;	/* the pairs of maps with merge keys */
	size_t		 nmerged;
	int		 merge_error;	/* line of a << that merges no map */
};

/* The walk's place, for the paths of repeated keys. */
struct walk {
	size_t		*pair_i, *item_i;
	char		**strp;
	char		 path[PATH_MAX_LEN];
};

/*
 * Fold the pairs of a map whose key came before (in any case): the first
 * place keeps the last value (and its line), the others go; each fold is
 * noted with its path and the key's first line.
 */
static void
fold_repeats(struct ydoc_priv *d, struct ynode *n, const char *path)
{
	size_t i, j, k, kept = 0, first = d->pub.ndups;
	struct ydup *u;
	char *dp;
	int line;

	for (i = 0; i < n->n; i++) {
		for (j = 0; j < kept; j++)
			if (strcasecmp(n->pairs[j].key, n->pairs[i].key) == 0)
				break;
		if (j == kept) {
			n->pairs[kept++] = n->pairs[i];
			continue;
		}
		/* A third copy overrides the second: the first is still first. */
		line = n->pairs[j].line;
		for (k = first; k < d->pub.ndups; k++)
			if (strcasecmp(d->dups[k].key, n->pairs[i].key) == 0)
				line = d->dups[k].first;
		dp = d->dup_paths + PATH_MAX_LEN * d->pub.ndups;
		/* A path too long for messages ends in "...". */
		if (snprintf(dp, PATH_MAX_LEN, "%s%s%s", path, *path ? "." : "",
		    n->pairs[i].key) >= PATH_MAX_LEN)
			memcpy(dp + PATH_MAX_LEN - 4, "...", 4);
		u = &d->dups[d->pub.ndups++];
		u->path = dp;
		u->key = n->pairs[i].key;
		u->line = n->pairs[i].line;
		u->first = line;
		n->pairs[j].line = n->pairs[i].line;
		n->pairs[j].val = n->pairs[i].val;
	}
	n->n = kept;
}

static bool
is_merge(const struct ynode *k)
{
	return k != NULL && k->kind == YNODE_SCALAR && !k->quoted &&
	    strcmp(k->str, "<<") == 0;
}

static bool
has_key(const struct ypair *v, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i].key, key) == 0)
			return true;
	return false;
}

/* Add the pairs of map m that v[0, *n) does not have. */
static void
merge_map(struct ypair *v, size_t *n, const struct ynode *m)
{
	size_t i;

	/* A map that merges one it sits in sees it half converted. */
	for (i = 0; i < m->n; i++)
		if (m->pairs[i].key != NULL && !has_key(v, *n, m->pairs[i].key))
			v[(*n)++] = m->pairs[i];
}

/*
 * Apply the merge keys of map n, whose keys are in keys[] (the "<<"
 * ones marked): its own pairs first, then those of each merged map
 * that it lacks, into an array of their own.
 */
static void
apply_merges(struct ydoc_priv *d, struct ynode *n, const bool *merge)
{
	struct ypair *v, **mv;
	const struct ynode *m;
	size_t i, j, room = 0, k = 0;

	for (i = 0; i < n->n; i++) {
		m = n->pairs[i].val;
		if (!merge[i])
			room++;
		else if (m != NULL && m->kind == YNODE_MAP)
			room += m->n;
		else if (m != NULL && m->kind == YNODE_SEQ)
			for (j = 0; j < m->n; j++)
				room += m->items[j] && m->items[j]->kind ==
				    YNODE_MAP ? m->items[j]->n : 0;
	}
	if ((v = calloc(room + 1, sizeof(*v))) == NULL ||
	    (mv = realloc(d->merged, (d->nmerged + 1) * sizeof(*mv))) == NULL) {
		free(v);
		d->merge_error = n->line;
		return;
	}
	d->merged = mv;
	d->merged[d->nmerged++] = v;
	for (i = 0; i < n->n; i++)
		if (!merge[i])
			v[k++] = n->pairs[i];
	for (i = 0; i < n->n; i++) {
		if (!merge[i])
			continue;
		m = n->pairs[i].val;
		if (m != NULL && m->kind == YNODE_MAP) {
			merge_map(v, &k, m);
			continue;
		}
		for (j = 0; m != NULL && m->kind == YNODE_SEQ && j < m->n; j++) {
			if (m->items[j] == NULL || m->items[j]->kind != YNODE_MAP)
				break;
			merge_map(v, &k, m->items[j]);
		}
		if (m == NULL || (m->kind != YNODE_SEQ && m->kind != YNODE_MAP) ||
		    j < m->n)
			d->merge_error = n->pairs[i].line;
	}
	n->pairs = v;
	n->n = k;
}

static const struct ynode *
convert(struct ydoc_priv *d, yaml_document_t *doc, int id, int depth,
    struct walk *w)
{
	yaml_node_t *yn = yaml_document_get_node(doc, id);
	size_t i, plen = strlen(w->path);
	bool *merge = NULL;
	struct ynode *n;

	if (yn == NULL || depth > 64)
		return NULL;
	n = &d->nodes[id - 1];
	if (n->line != 0)	/* alias: already converted */
		return n;
	n->line = (int)yn->start_mark.line + 1;
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		memcpy(*w->strp, yn->data.scalar.value, yn->data.scalar.length);
		(*w->strp)[yn->data.scalar.length] = '\0';
		n->str = *w->strp;
		*w->strp += yn->data.scalar.length + 1;
		n->quoted = yn->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		n->kind = YNODE_SCALAR;
		/* YAML 1.1's nulls: ~, null, Null, NULL and nothing. */
		if (!n->quoted && (strcmp(n->str, "~") == 0 ||
		    strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
		    strcmp(n->str, "NULL") == 0 || n->str[0] == '\0'))
			n->kind = YNODE_NULL;
		break;
	case YAML_SEQUENCE_NODE:
		n->kind = YNODE_SEQ;
		n->n = (size_t)(yn->data.sequence.items.top -
		    yn->data.sequence.items.start);
		n->items = &d->items[*w->item_i];
		*w->item_i += n->n;
		for (i = 0; i < n->n; i++) {
			snprintf(w->path + plen, sizeof(w->path) - plen, "[%zu]", i);
			n->items[i] = convert(d, doc,
			    yn->data.sequence.items.start[i], depth + 1, w);
		}
		w->path[plen] = '\0';
		break;
	case YAML_MAPPING_NODE:
		n->kind = YNODE_MAP;
		n->n = (size_t)(yn->data.mapping.pairs.top -
		    yn->data.mapping.pairs.start);
		n->pairs = &d->pairs[*w->pair_i];
		*w->pair_i += n->n;
		for (i = 0; i < n->n; i++) {
			yaml_node_pair_t *p = &yn->data.mapping.pairs.start[i];
			const struct ynode *k = convert(d, doc, p->key,
			    depth + 1, w);

			n->pairs[i].key = (k && k->str) ? k->str : "";
			n->pairs[i].line = k ? k->line : n->line;
			if (is_merge(k)) {
				if (merge == NULL)
					merge = calloc(n->n, sizeof(*merge));
				if (merge != NULL)
					merge[i] = true;
			}
			snprintf(w->path + plen, sizeof(w->path) - plen, "%s%s",
			    plen ? "." : "", n->pairs[i].key);
			n->pairs[i].val = convert(d, doc, p->value, depth + 1, w);
		}
		w->path[plen] = '\0';
		if (merge != NULL)
			apply_merges(d, n, merge);
		free(merge);
		fold_repeats(d, n, w->path);
		break;
	default:
		n->kind = YNODE_NULL;
		break;
	}
	if (n->kind == YNODE_NULL && n->str == NULL)
		n->str = "";
	return n;
}

static struct ydoc *
build(const char *name, yaml_document_t *doc)
{
	struct ydoc_priv *d;
	yaml_node_t *yn;
	size_t nn, strbytes = 0, npairs = 0, nitems = 0, pi = 0, ii = 0;
	struct walk w = { .pair_i = &pi, .item_i = &ii };
	char *sp;

	nn = (size_t)(doc->nodes.top - doc->nodes.start);
	for (yn = doc->nodes.start; yn < doc->nodes.top; yn++) {
		if (yn->type == YAML_SCALAR_NODE)
			strbytes += yn->data.scalar.length + 1;
		else if (yn->type == YAML_MAPPING_NODE)
			npairs += (size_t)(yn->data.mapping.pairs.top -
			    yn->data.mapping.pairs.start);
		else if (yn->type == YAML_SEQUENCE_NODE)
			nitems += (size_t)(yn->data.sequence.items.top -
			    yn->data.sequence.items.start);
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->file = strdup(name);
	d->nodes = calloc(nn + 1, sizeof(*d->nodes));
	d->strings = malloc(strbytes + 1);
	d->pairs = calloc(npairs + 1, sizeof(*d->pairs));
	d->items = calloc(nitems + 1, sizeof(*d->items));
	d->dups = calloc(npairs + 1, sizeof(*d->dups));
	d->dup_paths = calloc(npairs + 1, PATH_MAX_LEN);
	if (!d->file || !d->nodes || !d->strings || !d->pairs || !d->items ||
	    !d->dups || !d->dup_paths) {
		ydoc_free(&d->pub);
		return NULL;
	}
	d->nnodes = nn;
	d->pub.file = d->file;
	d->pub.dups = d->dups;
	sp = d->strings;
	w.strp = &sp;
	if (nn > 0)
		d->pub.root = convert(d, doc, 1, 0, &w);
	return &d->pub;
}

/* The line of byte `off` of the text. */
static size_t
line_at(const char *text, size_t len, size_t off)
{
	size_t i, line = 1;

	for (i = 0; i < off && i < len; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

static struct ydoc *
load(const char *name, yaml_parser_t *parser, const char *text, size_t len,
    char *errbuf, size_t errlen)
{
	struct ydoc_priv *dp;
	yaml_document_t doc;
	yaml_node_t *root;
	struct ydoc *d;

	if (!yaml_parser_load(parser, &doc)) {
		/* A byte that is not text is placed by offset, not by mark. */
		snprintf(errbuf, errlen, "%s:%zu: %s%s%s", name,
		    parser->error == YAML_READER_ERROR ?
		    line_at(text, len, parser->problem_offset) :
		    parser->problem_mark.line + 1,
		    parser->problem ? parser->problem : "YAML syntax error",
		    parser->context ? " " : "",
		    parser->context ? parser->context : "");
		return NULL;
	}
	d = build(name, &doc);
	yaml_document_delete(&doc);
	if (d == NULL) {
		snprintf(errbuf, errlen, "%s: out of memory", name);
		return NULL;
	}
	dp = (struct ydoc_priv *)d;
	if (dp->merge_error != 0) {
		snprintf(errbuf, errlen,
		    "%s:%d: <<: a merge key takes a mapping or a list of mappings",
		    name, dp->merge_error);
		return ydoc_free(d);
	}
	/*
	 * Only the first document counts, as in pauditd and go-audit: note
	 * where a next one starts (not an empty one, a bare "---" at the
	 * end), or where the text after it stops parsing, to warn.
	 */
	if (!yaml_parser_load(parser, &doc)) {
		d->next_doc_line = (int)parser->problem_mark.line + 1;
	} else {
		root = yaml_document_get_root_node(&doc);
		if (root != NULL && !(root->type == YAML_SCALAR_NODE &&
		    root->data.scalar.length == 0))
			d->next_doc_line = (int)doc.start_mark.line + 1;
		yaml_document_delete(&doc);
	}
	return d;
}

#define YAML_FILE_MAX	(64u << 20)	/* a config, not a data set */

/* The whole file is read first, so that errors can be placed by offset. */
struct ydoc *
ydoc_load_file(const char *path, char *errbuf, size_t errlen)
{
	struct stat st;
	struct ydoc *d;
	size_t len = 0, cap = 65536;
	char *text = NULL, *t;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(EISDIR));
		close(fd);
		return NULL;
	}
	for (;;) {
		if (text == NULL || len == cap) {
			if (text != NULL)
				cap *= 2;
			if (cap > YAML_FILE_MAX + 1 ||
			    (t = realloc(text, cap)) == NULL) {
				snprintf(errbuf, errlen, "%s: %s", path,
				    cap > YAML_FILE_MAX + 1 ?
				    "larger than 64 MiB, not a configuration" :
				    strerror(ENOMEM));
				free(text);
				close(fd);
				return NULL;
			}
			text = t;
		}
		if ((n = read(fd, text + len, cap - len)) == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
			free(text);
			close(fd);
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	d = ydoc_load_string(path, text, len, errbuf, errlen);
	free(text);
	return d;
}

struct ydoc *
ydoc_load_string(const char *name, const char *text, size_t len,
    char *errbuf, size_t errlen)
{
	yaml_parser_t parser;
	struct ydoc *d;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	d = load(name, &parser, text, len, errbuf, errlen);
	yaml_parser_delete(&parser);
	return d;
}

struct ydoc *
ydoc_free(struct ydoc *pub)
{
	struct ydoc_priv *d = (struct ydoc_priv *)pub;

	if (d == NULL)
		return NULL;
	free(d->file);
	free(d->nodes);
	free(d->strings);
	free(d->pairs);
	free(d->items);
	free(d->dups);
	free(d->dup_paths);
	while (d->nmerged > 0)
		free(d->merged[--d->nmerged]);
	free(d->merged);
	free(d);
	return NULL;
}

const struct ypair *
ynode_pair(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcasecmp(map->pairs[i].key, key) == 0)
			return &map->pairs[i];
	return NULL;
}

const struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	const struct ypair *p = ynode_pair(map, key);

	return p ? p->val : NULL;
}

const struct ynode *
ynode_path(const struct ynode *root, const char *path)
{
	char part[128];
	const char *dot;

	while (root != NULL && *path != '\0') {
		size_t n;

		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		root = ynode_get(root, part);
		path += n + (dot ? 1 : 0);
	}
	return root;
}

const char *
ynode_kind_name(enum ynode_kind k)
{
	switch (k) {
	case YNODE_SCALAR:
		return "a scalar";
	case YNODE_MAP:
		return "a mapping";
	case YNODE_SEQ:
		return "a list";
	default:
		return "empty";
	}
}
