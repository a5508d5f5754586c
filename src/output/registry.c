/*
 * registry.c: every output plugin, by config name. Add a plugin by
 * declaring its ops table here and listing it in output_registry[].
 */
#include <stddef.h>

#include "output.h"

extern const struct output_ops out_null_ops;
extern const struct output_ops out_stdout_ops;
extern const struct output_ops out_file_ops;
extern const struct output_ops out_http_ops;
extern const struct output_ops out_syslog_ops;
extern const struct output_ops out_gelf_ops;

const struct output_ops *const output_registry[] = {
	&out_stdout_ops,
	&out_file_ops,
	&out_null_ops,
	&out_http_ops,
	&out_syslog_ops,
	&out_gelf_ops,
	NULL
};
