#!/usr/bin/env bash
# The packaging test: build the .deb (scripts/package, lintian clean), install
# it into a clean Debian 12 root made with debootstrap, run `version` and
# `check-config` there, verify the installed unit (systemd-analyze verify and
# security --offline, exposure printed), remove, purge, and check that nothing
# is left behind.
#
#   tests/packaging/package_test.sh [DEB_OUTDIR]
#
# The pristine root is cached in $TGW_PKGTEST_CACHE (default
# /var/cache/telemetry-gateway-test): a tarball of debootstrap --variant=minbase
# plus the downloaded .debs, so reruns take about a minute (plus an
# incremental package build). Needs root and Debian's archive.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
out=${1:-$src/build-deb}
cache=${TGW_PKGTEST_CACHE:-/var/cache/telemetry-gateway-test}
suite=bookworm
mirror=${TGW_DEBIAN_MIRROR:-http://deb.debian.org/debian}

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "==> $*"; }

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap, chroot)"

# 1. The package (lintian runs inside scripts/package and fails on warnings).
# Built with DEB_BUILD_OPTIONS=noopt (-O0) unless set otherwise: this test
# checks the packaging, and -O0 builds in about half the time on 2 cores.
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS-noopt}"
step "building the package (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"
deb=$(scripts/package "$out" | tail -n 1)
[ -f "$deb" ] || fail "no .deb produced"
echo "   $deb"
echo "   lintian: $(grep -c . "$out/lintian.log" || true) line(s) of output"
cat "$out/lintian.log"
if grep -E '^(E|W): ' "$out/lintian.log"; then fail "lintian reported errors or warnings"; fi

# 2. A clean Debian 12 root.
mkdir -p "$cache/archives"
base="$cache/$suite-minbase.tar"
if [ ! -f "$base" ]; then
  command -v debootstrap >/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  step "debootstrap $suite (cached in $base)"
  tmp=$(mktemp -d /var/tmp/tgw-debootstrap.XXXXXX)
  debootstrap --variant=minbase --cache-dir="$cache/archives" "$suite" "$tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -n 30 "$cache/debootstrap.log"; fail "debootstrap failed"; }
  chroot "$tmp" apt-get update -qq >/dev/null
  chroot "$tmp" apt-get clean
  tar -C "$tmp" -cf "$base.part" . && mv "$base.part" "$base"
  rm -rf "$tmp"
fi
root=$(mktemp -d /var/tmp/tgw-pkgtest.XXXXXX)
cleanup() {
  # Keep downloaded .debs for the next run.
  if [ -d "$root/var/cache/apt/archives" ]; then
    cp -n "$root"/var/cache/apt/archives/*.deb "$cache/archives/" 2>/dev/null || true
  fi
  rm -rf "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
cp "$cache"/archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
# No service starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

# The package's dependencies first, so that "before" and "after purge" can
# be compared file by file (apt-get would keep them after the purge).
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g' | grep -v '^$' | tr '\n' ' ')
step "installing dependencies in the root: $deps"
# shellcheck disable=SC2086
in_root apt-get install -y -qq --no-install-recommends $deps >/dev/null ||
  { in_root apt-get update -qq >/dev/null && in_root apt-get install -y -qq --no-install-recommends $deps >/dev/null; } ||
  fail "cannot install the dependencies in the root"

snapshot() {
  # Every path with owner and mode, minus the package database, caches,
  # logs and apt state, which legitimately change.
  # The shadow tools' backups (/etc/passwd- ...) appear with any user added
  # and removed; passwd/group themselves are compared by content below.
  (cd "$root" && find . -xdev \
      \( -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/cache -o -path ./var/log \
         -o -path ./tmp -o -path ./var/tmp -o -path ./proc -o -path ./dev -o -path ./run \) -prune \
      -o \( -path ./etc/passwd- -o -path ./etc/group- -o -path ./etc/shadow- -o -path ./etc/gshadow- \) \
      -o -printf '%p %U:%G %m\n' | LC_ALL=C sort)
}
before=$(snapshot)
passwd_before=$(cat "$root/etc/passwd" "$root/etc/group")

# 3. Install.
step "dpkg -i $(basename "$deb")"
cp "$deb" "$root/tmp/"
in_root dpkg -i "/tmp/$(basename "$deb")" || fail "dpkg -i failed"
rm "$root/tmp/$(basename "$deb")"

step "telemetry-gateway version"
in_root /usr/bin/telemetry-gateway version || fail "version failed"
step "telemetry-gateway check-config /etc/telemetry-gateway/gateway.yaml"
in_root /usr/bin/telemetry-gateway check-config /etc/telemetry-gateway/gateway.yaml || fail "check-config failed"
step "checks of the installed files"
in_root getent passwd telemetry-gateway >/dev/null || fail "no system user telemetry-gateway"
in_root getent group telemetry-gateway >/dev/null || fail "no group telemetry-gateway"
uid_shell=$(in_root getent passwd telemetry-gateway | cut -d: -f3,7)
[ "${uid_shell%%:*}" -lt 1000 ] || fail "telemetry-gateway is not a system user: $uid_shell"
owner=$(in_root stat -c '%U:%G %a' /var/lib/telemetry-gateway)
[ "$owner" = "telemetry-gateway:telemetry-gateway 750" ] || fail "/var/lib/telemetry-gateway is $owner"
grep -q '^ /etc/telemetry-gateway/gateway.yaml ' <(in_root dpkg-query -W -f='${Conffiles}\n' telemetry-gateway) ||
  fail "gateway.yaml is not a conffile"
for f in lib/systemd/system/telemetry-gateway.service \
         etc/systemd/system/multi-user.target.wants/telemetry-gateway.service \
         usr/share/dbus-1/system.d/io.telemetrygateway.Gateway1.conf \
         usr/share/man/man8/telemetry-gateway.8.gz usr/share/man/man5/telemetry-gateway.yaml.5.gz \
         usr/share/doc/telemetry-gateway/copyright usr/share/doc/telemetry-gateway/operations.md.gz; do
  [ -e "$root/$f" ] || [ -L "$root/$f" ] || fail "missing /$f"
done
# systemd is not installed in the minimal root (and is not PID 1 here): the
# installed unit is checked with the host's systemd-analyze, ExecStart=
# pointing at the binary inside the root.
unitdir=$(mktemp -d)
sed "s#/usr/bin/telemetry-gateway#$root/usr/bin/telemetry-gateway#g" \
  "$root/lib/systemd/system/telemetry-gateway.service" >"$unitdir/telemetry-gateway.service"
step "systemd-analyze verify (installed unit)"
verify_out=$(systemd-analyze verify --man=no "$unitdir/telemetry-gateway.service" 2>&1) ||
  fail "systemd-analyze verify: $verify_out"
[ -z "$verify_out" ] || fail "systemd-analyze verify printed: $verify_out"
echo "   clean"
step "systemd-analyze security --offline=yes (installed unit)"
sec=$(systemd-analyze security --offline=yes --no-pager "$unitdir/telemetry-gateway.service" 2>&1) ||
  fail "systemd-analyze security failed: $sec"
rm -rf "$unitdir"
exposure=$(sed -n 's/.*Overall exposure level for telemetry-gateway.service: \([0-9.]*\).*/\1/p' <<<"$sec")
echo "   exposure $exposure (limit 2.0)"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }' || fail "exposure $exposure > 2.0"
[ -x "$root/bin/kill" ] || fail "ExecReload's /bin/kill is missing in the root (Depends: procps)"
xmllint_ok=1
if command -v xmllint >/dev/null; then
  xmllint --noout "$root/usr/share/dbus-1/system.d/io.telemetrygateway.Gateway1.conf" || xmllint_ok=0
fi
[ "$xmllint_ok" = 1 ] || fail "the D-Bus policy is not well-formed XML"

# The daemon writes state when it runs; purge must remove that too.
echo "state" >"$root/var/lib/telemetry-gateway/queue.db"

# 4. Remove: the conffile and state stay.
step "dpkg --remove"
in_root dpkg --remove telemetry-gateway || fail "remove failed"
[ -f "$root/etc/telemetry-gateway/gateway.yaml" ] || fail "remove deleted the conffile"
[ ! -e "$root/usr/bin/telemetry-gateway" ] || fail "remove left the binary"
[ -d "$root/var/lib/telemetry-gateway" ] || fail "remove deleted the state (only purge may)"

# 5. Purge: nothing is left behind.
step "dpkg --purge"
in_root dpkg --purge telemetry-gateway || fail "purge failed"
after=$(snapshot)
passwd_after=$(cat "$root/etc/passwd" "$root/etc/group")
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") || true
  fail "files left behind (or removed) by install + purge"
fi
if [ "$passwd_before" != "$passwd_after" ]; then
  diff <(echo "$passwd_before") <(echo "$passwd_after") || true
  fail "users or groups left behind"
fi
in_root dpkg-query -W telemetry-gateway >/dev/null 2>&1 && {
  in_root dpkg-query -W -f='${Status}\n' telemetry-gateway | grep -q 'not-installed' || fail "dpkg still knows the package"
}
echo "PASS: installed, ran, removed and purged cleanly"
