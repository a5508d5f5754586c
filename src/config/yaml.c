/*
 * yaml.c: libyaml's document API turned into our ynode tree.
 *
 * libyaml's own node graph indexes nodes by id and lives inside a
 * yaml_document_t; we copy it once into a compact tree of our own so the
 * binder never touches libyaml, and so line numbers travel with values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "../log.h"
#include "yaml.h"

struct ydoc_priv {
	struct ydoc	 pub;
	char		*file;
	struct ynode	*nodes;		/* one per libyaml node */
	size_t		 nnodes;
	char		*strings;	/* every scalar and key, NUL-separated */
	struct ypair	*pairs;
	const struct ynode **items;
	struct ydup	*dups;		/* room for one per pair */
};

/*
 * Fold the pairs of a map whose key came before: the first place keeps
 * the last value (and its line), the others go; each fold is noted.
 */
static void
fold_repeats(struct ydoc_priv *d, struct ynode *n)
{
	size_t i, j, kept = 0;

	for (i = 0; i < n->n; i++) {
		for (j = 0; j < kept; j++)
			if (strcmp(n->pairs[j].key, n->pairs[i].key) == 0)
				break;
		if (j == kept) {
			n->pairs[kept++] = n->pairs[i];
			continue;
		}
		d->dups[d->pub.ndups++] = (struct ydup){
			.key = n->pairs[i].key,
			.line = n->pairs[i].line,
			.first = n->pairs[j].line,
		};
		n->pairs[j].line = n->pairs[i].line;
		n->pairs[j].val = n->pairs[i].val;
	}
	n->n = kept;
}

static const struct ynode *
convert(struct ydoc_priv *d, yaml_document_t *doc, int id, int depth,
    size_t *pair_i, size_t *item_i, char **strp)
{
	yaml_node_t *yn = yaml_document_get_node(doc, id);
	struct ynode *n;
	size_t i;

	if (yn == NULL || depth > 64)
		return NULL;
	n = &d->nodes[id - 1];
	if (n->line != 0)	/* alias: already converted */
		return n;
	n->line = (int)yn->start_mark.line + 1;
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		memcpy(*strp, yn->data.scalar.value, yn->data.scalar.length);
		(*strp)[yn->data.scalar.length] = '\0';
		n->str = *strp;
		*strp += yn->data.scalar.length + 1;
		n->quoted = yn->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		n->kind = YNODE_SCALAR;
		if (!n->quoted && (strcmp(n->str, "~") == 0 ||
		    strcmp(n->str, "null") == 0 || n->str[0] == '\0'))
			n->kind = YNODE_NULL;
		break;
	case YAML_SEQUENCE_NODE:
		n->kind = YNODE_SEQ;
		n->n = (size_t)(yn->data.sequence.items.top -
		    yn->data.sequence.items.start);
		n->items = &d->items[*item_i];
		*item_i += n->n;
		for (i = 0; i < n->n; i++)
			n->items[i] = convert(d, doc,
			    yn->data.sequence.items.start[i], depth + 1,
			    pair_i, item_i, strp);
		break;
	case YAML_MAPPING_NODE:
		n->kind = YNODE_MAP;
		n->n = (size_t)(yn->data.mapping.pairs.top -
		    yn->data.mapping.pairs.start);
		n->pairs = &d->pairs[*pair_i];
		*pair_i += n->n;
		for (i = 0; i < n->n; i++) {
			yaml_node_pair_t *p = &yn->data.mapping.pairs.start[i];
			const struct ynode *k = convert(d, doc, p->key,
			    depth + 1, pair_i, item_i, strp);

			n->pairs[i].key = (k && k->str) ? k->str : "";
			n->pairs[i].line = k ? k->line : n->line;
			n->pairs[i].val = convert(d, doc, p->value, depth + 1,
			    pair_i, item_i, strp);
		}
		fold_repeats(d, n);
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
	if (!d->file || !d->nodes || !d->strings || !d->pairs || !d->items ||
	    !d->dups) {
		ydoc_free(&d->pub);
		return NULL;
	}
	d->nnodes = nn;
	d->pub.file = d->file;
	d->pub.dups = d->dups;
	sp = d->strings;
	if (nn > 0)
		d->pub.root = convert(d, doc, 1, 0, &pi, &ii, &sp);
	return &d->pub;
}

static struct ydoc *
load(const char *name, yaml_parser_t *parser, char *errbuf, size_t errlen)
{
	yaml_document_t doc;
	yaml_node_t *root;
	struct ydoc *d;

	if (!yaml_parser_load(parser, &doc)) {
		snprintf(errbuf, errlen, "%s:%zu: %s%s%s", name,
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

struct ydoc *
ydoc_load_file(const char *path, char *errbuf, size_t errlen)
{
	yaml_parser_t parser;
	struct stat st;
	struct ydoc *d;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* libyaml would say "input error" for the read that fails. */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(EISDIR));
		fclose(f);
		return NULL;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	d = load(path, &parser, errbuf, errlen);
	yaml_parser_delete(&parser);
	fclose(f);
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
	d = load(name, &parser, errbuf, errlen);
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
		if (strcmp(map->pairs[i].key, key) == 0)
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
