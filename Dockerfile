# Dockerfile: pauditd on Debian 12, built from source.
#
#   docker build -t pauditd .
#   docker run -d --name pauditd --privileged --pid=host --stop-timeout 40 \
#       -e HOSTNAME="$(hostname)" \
#       -v /etc/pauditd/pauditd.yaml:/config:ro pauditd
#
# --pid=host   the kernel takes audit requests (registration, status,
#              rules) only from the initial PID namespace.
# --privileged pauditd needs CAP_AUDIT_CONTROL, CAP_AUDIT_READ and a few
#              more at start-up; it drops all but the audit ones after
#              (and CAP_CHOWN for a file output with a user or group).
# HOSTNAME     Docker sets it to the container id; statsd names and the
#              notification-service "hostname" attribute use it.
# Watched host paths must be mounted at the same path inside the
# container (see docs/OPERATIONS.md, "In Docker").

# ---- build: the same steps as on a Debian 12 host ----
FROM debian:12-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make deps \
 && make \
 && make install DESTDIR=/out PREFIX=/usr

# ---- runtime: the binary, auditctl and the shared libraries ----
FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps auditd's package scripts from starting the daemon:
# only its auditctl is wanted, pauditd is the audit daemon.
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d \
 && chmod 755 /usr/sbin/policy-rc.d \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      auditd ca-certificates libaudit1 libcap-ng0 libcurl4 libmicrohttpd12 \
      libpcre2-8-0 libyaml-0-2 zlib1g \
 && rm -f /usr/sbin/policy-rc.d \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/sbin/pauditd /usr/sbin/pauditd
COPY --from=build /out/usr/share/man/man8/pauditd.8 /usr/share/man/man8/pauditd.8
COPY --from=build /out/usr/share/doc/pauditd/ /usr/share/doc/pauditd/
# Fail the build if a library is missing, the two opened at run time too.
RUN ! ldd /usr/sbin/pauditd | grep "not found" \
 && ldconfig -p | grep -q 'libcurl\.so\.4 ' \
 && ldconfig -p | grep -q 'libmicrohttpd\.so\.12 ' \
 && /usr/sbin/pauditd -version \
 && /sbin/auditctl -v
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/sbin/pauditd", "-config", "/config"]
