/*
 * metrics_export.h: ship the metric registry out: statsd (pauditd's
 * `metrics.*` keys) and a Prometheus endpoint (`metrics.prometheus.listen`).
 *
 * Exporters never block the pipeline: statsd is non-blocking UDP, the
 * Prometheus listener runs in its own thread. tick() runs on the main
 * thread about once a second; stop() sends the last counts.
 */
#ifndef PAUDITD_METRICS_EXPORT_H
#define PAUDITD_METRICS_EXPORT_H

struct cfg_ctx;
struct config;
struct metrics_export;

/* Bind and validate conf->metrics. 0 or -EINVAL (reported through c). */
int metrics_export_configure(const struct config *conf, struct cfg_ctx *c,
    struct metrics_export **ret);
/* Open sockets and listeners. 0 or -errno (logged). */
int metrics_export_start(struct metrics_export *me);
void metrics_export_tick(struct metrics_export *me);
/* Final flush, close, free. Accepts NULL. */
struct metrics_export *metrics_export_stop(struct metrics_export *me);

#endif
