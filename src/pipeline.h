/*
 * pipeline.h: source → record → reassembly → filter → encode → outputs.
 *
 * The pipeline owns the stage order, the reassembler, the serial tracker
 * and the user name cache; it borrows the outputs and the filter. It runs
 * on the main thread only. Sources deliver into it through the sink that
 * pipeline_sink() fills.
 */
#ifndef PAUDITD_PIPELINE_H
#define PAUDITD_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct filter;
struct reasm_conf;
struct outputs;
struct pipeline;
struct source_sink;

/*
 * `replay_time`: time events out by their records' own timestamps (a
 * replay) instead of the monotonic clock (live). Returns NULL on OOM.
 */
struct pipeline *pipeline_new(const struct config *conf,
    struct outputs *outs, const struct filter *filter, bool replay_time);
/*
 * The reassembler's settings the pipeline derives from `conf` and whether
 * filters run (they read records' texts: kept only then). The benchmarks
 * drive a reassembler with the daemon's own.
 */
void pipeline_reasm_conf(const struct config *conf, bool replay_time,
    bool filters, struct reasm_conf *ret);
/* Complete every event in flight (without emitting it: flush first). */
struct pipeline *pipeline_free(struct pipeline *p);
void pipeline_sink(struct pipeline *p, struct source_sink *ret_sink);
/* Periodic work: timeouts (live), user cache, metrics. Main loop, ~10/s. */
void pipeline_tick(struct pipeline *p);
/*
 * Time out every event in flight now: a replay whose live input went
 * quiet (its records' time stands still).
 */
void pipeline_expire_all(struct pipeline *p);
/* End of input or shutdown: complete and emit every event in flight. */
void pipeline_flush(struct pipeline *p);

#endif
