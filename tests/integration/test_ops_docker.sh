#!/bin/sh
# test_ops_docker.sh: what can be checked of the Dockerfile without a
# Docker engine. Two Debian 12 stages; the build stage runs the repository's
# own `make deps && make && make install`; the runtime stage installs
# auditctl and a package for every shared library the binary needs (read
# from its ELF NEEDED entries, so a new -l in the Makefile without its
# package fails here), starts pauditd -config /config, and its library
# check (run here with dash, as RUN does) passes on this build.
top=$(cd "$(dirname "$0")/../.." && pwd)
PAUDITD_REL=${PAUDITD_REL:-$top/pauditd}
df=$top/Dockerfile
[ -f "$df" ] || { echo "SKIP: no Dockerfile"; exit 77; }
T=$(mktemp -d /tmp/pauditd-ops-docker.XXXXXX)
trap 'rm -rf "$T"' EXIT
np=0; nf=0
ok() { np=$((np + 1)); echo "ok   $1"; }
nok() { nf=$((nf + 1)); echo "FAIL $1"; }
check() { n=$1; shift; if "$@"; then ok "$n"; else nok "$n"; fi; }

# The Dockerfile with continuation lines joined and comments dropped.
sed -e '/^[[:space:]]*#/d' "$df" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' >"$T/df"
grep '^FROM ' "$T/df" >"$T/from"
check "two stages" [ "$(wc -l <"$T/from")" = 2 ]
check "both stages are Debian 12" sh -c "! grep -vq '^FROM debian:12' '$T/from'"
check "first stage is named build" grep -q '^FROM debian:12[^ ]* AS build$' "$T/from"
check "build stage: make deps && make, then make install" grep -qE \
    '^RUN make deps +&& make +&& make install DESTDIR=/out PREFIX=/usr$' "$T/df"
check "runtime copies the installed binary" grep -q \
    '^COPY --from=build /out/usr/sbin/pauditd /usr/sbin/pauditd$' "$T/df"
check "entrypoint: pauditd -config /config" grep -qx \
    'ENTRYPOINT \["/usr/sbin/pauditd", "-config", "/config"\]' "$T/df"
check "auditd's package scripts cannot start it (policy-rc.d)" grep -q \
    "exit 101" "$T/df"

# Packages installed by the runtime stage.
sed -n '/^FROM debian:12[^ ]*$/,$p' "$T/df" | grep 'apt-get install' |
    sed 's/.*apt-get install//; s/&&.*//' | tr ' ' '\n' |
    grep -v '^-' | grep . | sort -u >"$T/pkgs"
check "runtime installs auditd (auditctl)" grep -qx auditd "$T/pkgs"
check "runtime installs ca-certificates (https outputs)" grep -qx ca-certificates "$T/pkgs"

if [ -x "$PAUDITD_REL" ] && command -v readelf >/dev/null 2>&1 &&
    command -v dpkg >/dev/null 2>&1; then
	readelf -d "$PAUDITD_REL" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' >"$T/needed"
	check "the binary's NEEDED libraries are listed" [ -s "$T/needed" ]
	while read -r lib; do
		path=$(ldd "$PAUDITD_REL" </dev/null | awk -v l="$lib" '$1 == l { print $3 }')
		pkg=$( (dpkg -S "$path" || dpkg -S "${path#/usr}" ||
		    dpkg -S "$(readlink -f "$path")") </dev/null 2>/dev/null | head -n 1)
		pkg=${pkg%%:*}
		if [ "$pkg" = libc6 ]; then
			ok "$lib: in the base image (libc6)"
		else
			check "$lib: its package ${pkg:-?} is installed by the runtime stage" \
			    grep -qx "${pkg:-none}" "$T/pkgs"
		fi
	done <"$T/needed"
	check "the runtime library check passes on this build (dash)" dash -c \
	    "! ldd '$PAUDITD_REL' | grep 'not found'"
else
	echo "   (no release binary, readelf or dpkg: libraries not checked)"
fi
if command -v apt-cache >/dev/null 2>&1 && apt-cache policy auditd 2>/dev/null | grep -q Candidate; then
	while read -r p; do
		check "package $p exists in Debian's lists" sh -c \
		    "apt-cache policy '$p' | grep -q 'Candidate: [0-9]'"
	done <"$T/pkgs"
fi

check ".dockerignore keeps .git and build out" sh -c \
    "grep -qx .git '$top/.dockerignore' && grep -qx build '$top/.dockerignore'"

echo "$np passed, $nf failed"
[ "$nf" = 0 ]
