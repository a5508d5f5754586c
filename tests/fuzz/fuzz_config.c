/*
 * fuzz_config.c: the input as a YAML configuration, through everything
 * --check-config runs (main.c's configure): config_load_string, the
 * outputs' binding and checks, the filters' compilation, the metrics
 * exporters' binding and the netlink source's check (netlink.*, rules,
 * socket_buffer). Nothing is started: no socket, no file written, no
 * kernel request; the checks only stat and read (a file output's
 * directory, a certificate, a user name).
 *
 * Then everything is freed as main frees it, so that LeakSanitizer sees
 * what a check leaked. A config that loads must leave an error count
 * that matches what the steps returned.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "../../src/config/config.h"
#include "../../src/filter.h"
#include "../../src/log.h"
#include "../../src/metrics.h"
#include "../../src/metrics_export.h"
#include "../../src/msg.h"
#include "../../src/output/output.h"
#include "../../src/source/source.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(false, LOG_LVL_ERR);
	fuzz_quiet_logs();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outputs *outs = NULL;
	struct filter *filter = NULL;
	struct metrics_export *mexp = NULL;
	struct config *conf;
	struct cfg_ctx c;
	unsigned before;
	char *text;
	int r;

	/* config_load_string reads a C string: a NUL ends the text. */
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	cfg_ctx_init(&c, "<fuzz>");
	c.quiet = true;
	conf = config_load_string("<fuzz>", text, &c);
	if (conf == NULL) {
		FUZZ_CHECK(c.errors > 0, "no config and no error");
		goto done;
	}
	FUZZ_CHECK(!conf->embedded, "a loaded file taken for the defaults");
	before = c.errors;
	r = outputs_configure(conf, &c, &outs);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "outputs_configure: %d", r);
	FUZZ_CHECK(r == 0 || c.errors > before, "outputs_configure failed silently");
	before = c.errors;
	r = filter_compile(conf->filters, &c, &filter);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "filter_compile: %d", r);
	FUZZ_CHECK(r == 0 || c.errors > before, "filter_compile failed silently");
	before = c.errors;
	r = metrics_export_configure(conf, &c, &mexp);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "metrics_export_configure: %d", r);
	FUZZ_CHECK(r == 0 || c.errors > before, "metrics_export_configure failed silently");
	FUZZ_CHECK(r != 0 || mexp != NULL, "metrics_export_configure: 0 and no exporter");
	if (src_netlink_ops.check != NULL) {
		before = c.errors;
		r = src_netlink_ops.check(conf, &c);
		FUZZ_CHECK(r == 0 || r == -EINVAL, "netlink check: %d", r);
		FUZZ_CHECK(r == 0 || c.errors > before, "netlink check failed silently");
	}
done:
	/* main's order at exit. */
	outputs_stop(outs, 0);
	metrics_export_stop(mexp);
	filter_free(filter);
	config_free(conf);
	metrics_reset();
	FUZZ_CHECK(msg_pool_drain() == 0, "message slabs in use");
	free(text);
	return 0;
}
