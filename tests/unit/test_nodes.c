/*
 * test_nodes.c: the node name table (nodes.h): a name gets one node for
 * good, numbered from 1 in order of first sight; empty and overlong
 * names and names beyond NODES_MAX are refused.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "../../src/nodes.h"

TEST(names_interned_in_order)
{
	struct nodes *t = nodes_new();
	const struct node *a, *b, *a2;

	ASSERT(t != NULL);
	a = nodes_get(t, "web-1 type=", 5);
	b = nodes_get(t, "db-1", 4);
	ASSERT(a != NULL && b != NULL);
	ASSERT(a != b);
	ASSERT_EQ(a->id, 1);
	ASSERT_EQ(b->id, 2);
	ASSERT_STREQ(a->name, "web-1");
	ASSERT_EQ(a->len, 5);
	ASSERT_STREQ(b->name, "db-1");
	/* The same name, not the last looked up: the same node. */
	a2 = nodes_get(t, "web-1", 5);
	ASSERT(a2 == a);
	ASSERT(nodes_get(t, "db-1", 4) == b);
	/* A prefix of a name is another name. */
	ASSERT(nodes_get(t, "web-", 4) != a);
	ASSERT_EQ(nodes_count(t), 3);
	nodes_free(t);
}

TEST(empty_and_overlong_refused)
{
	struct nodes *t = nodes_new();
	char name[NODE_NAME_MAX + 2];

	memset(name, 'h', sizeof(name));
	ASSERT(nodes_get(t, "", 0) == NULL);
	ASSERT(nodes_get(t, name, NODE_NAME_MAX + 1) == NULL);
	ASSERT(nodes_get(t, name, NODE_NAME_MAX) != NULL);
	ASSERT_EQ(nodes_count(t), 1);
	nodes_free(t);
}

TEST(bounded)
{
	struct nodes *t = nodes_new();
	const struct node *nd;
	char name[32];
	int i, n;

	for (i = 0; i < NODES_MAX; i++) {
		n = snprintf(name, sizeof(name), "host-%d.example", i);
		nd = nodes_get(t, name, (size_t)n);
		ASSERT(nd != NULL);
		ASSERT_EQ(nd->id, (uint32_t)i + 1);
	}
	ASSERT_EQ(nodes_count(t), NODES_MAX);
	/* Full: a new name is refused, the known ones are still found. */
	ASSERT(nodes_get(t, "one-too-many", 12) == NULL);
	for (i = 0; i < NODES_MAX; i += 97) {
		n = snprintf(name, sizeof(name), "host-%d.example", i);
		nd = nodes_get(t, name, (size_t)n);
		ASSERT(nd != NULL);
		ASSERT_EQ(nd->id, (uint32_t)i + 1);
	}
	ASSERT(nodes_free(t) == NULL);
	ASSERT(nodes_free(NULL) == NULL);
}

TEST_MAIN(T(names_interned_in_order), T(empty_and_overlong_refused),
    T(bounded))
