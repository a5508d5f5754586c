#!/bin/sh
# Install the Debian packages listed in tools/deps.txt that are missing.
# auditd is installed for auditctl only: its service is never started here.
set -e
cd "$(dirname "$0")"
missing=""
for p in $(grep -v '^#' deps.txt); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all installed"; exit 0; }
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing (run make deps as root)" >&2
	exit 1
fi
echo "deps: installing:$missing"
# Keep package scripts from starting daemons (auditd would take the audit socket).
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends $missing
[ "$made_policy" = 1 ] && rm -f "$policy"
# Package scripts may still have started auditd: it must not hold the socket.
if pgrep -x auditd >/dev/null 2>&1; then
	(service auditd stop || pkill -x auditd) >/dev/null 2>&1 || true
	auditctl -D >/dev/null 2>&1 || true
	auditctl -e 0 >/dev/null 2>&1 || true
fi
exit 0
