# Shared by scripts/cross, scripts/test-arm and scripts/test-arm-full (sourced):
# what a Debian 12 amd64 machine needs to cross-build telemetry-gateway for
# arm64/armhf and run the result under qemu-user-static, and the one function
# that installs it.
#
#   tgw_cross_ensure ARCH [qemu] [deb]   install (or, with TGW_NO_INSTALL=1 or
#                                        not root, only check) what ARCH needs
#
# Bad input: a missing package, a package not available for ARCH, no qemu,
# not root: it prints what to install and returns non-zero. If it added the
# foreign architecture itself and then failed, it purges whatever it had
# installed for that architecture and removes the architecture again
# (dpkg --remove-architecture), so the machine is left as it was.

# shellcheck source=deps.sh
. "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

tgw_cross_triplet() {
  case "$1" in
    arm64) echo aarch64-linux-gnu ;;
    armhf) echo arm-linux-gnueabihf ;;
    amd64) echo x86_64-linux-gnu ;;
    *) echo "error: unsupported architecture '$1' (arm64, armhf, amd64)" >&2; return 64 ;;
  esac
}
tgw_cross_qemu() {
  case "$1" in
    arm64) echo qemu-aarch64-static ;;
    armhf) echo qemu-arm-static ;;
    *) echo "" ;;
  esac
}
tgw_cross_toolchain() { echo "cmake/toolchains/$(tgw_cross_triplet "$1").cmake"; }

# The -dev packages of scripts/deps.sh that carry libraries for the target
# (Architecture != all, Multi-Arch != foreign) get ":ARCH"; header-only ones
# (nlohmann-json3-dev, libexpected-dev, libcli11-dev) stay native. Derived
# from deps.sh so a new dependency there is cross-installed too.
tgw_cross_target_libs() {
  local arch=$1 p devs=()
  for p in "${TGW_APT_PACKAGES[@]}"; do
    case "$p" in *-dev) devs+=("$p") ;; esac
  done
  # One apt-cache call (it is slow with several architectures' lists):
  # print the ones that are neither Architecture: all nor Multi-Arch: foreign;
  # a package apt does not know is kept (the install then says so).
  local known
  known=$(apt-cache show --no-all-versions "${devs[@]}" 2>/dev/null | awk '
    /^Package:/ {p=$2; a=""; m=""}
    /^Architecture:/ {a=$2}
    /^Multi-Arch:/ {m=$2}
    /^$/ && p != "" {print p, (a == "all" || m == "foreign") ? "native" : "target"; p=""}
    END {if (p != "") print p, (a == "all" || m == "foreign") ? "native" : "target"}')
  # The native architecture unqualified (dpkg-query does not know
  # "libyaml-cpp-dev:amd64": it is not Multi-Arch: same).
  local q=":$arch"
  [ "$arch" = "$(dpkg --print-architecture)" ] && q=""
  for p in "${devs[@]}"; do
    case "$(awk -v p="$p" '$1 == p {print $2; exit}' <<<"$known")" in
      native) ;;
      *) echo "$p$q" ;;
    esac
  done
  # Paho C++'s CMake config looks up the C library's config: install the
  # target's libpaho-mqtt-dev explicitly (a dependency of the C++ one, listed
  # so it is never left out).
  echo "libpaho-mqtt-dev$q"
}

# Everything ARCH needs. $2 = qemu: also the emulator; $3 = deb: also the
# Debian packaging tools.
tgw_cross_packages() {
  local arch=$1 want_qemu=${2:-} want_deb=${3:-}
  local native
  native=$(dpkg --print-architecture)
  local pk=()
  if [ "$arch" != "$native" ]; then
    pk+=("crossbuild-essential-$arch" "pkgconf:$arch")
  fi
  # The libraries' -dev packages of ARCH (for the native one too: a clean
  # build chroot of amd64 needs them as well).
  # shellcheck disable=SC2207
  pk+=($(tgw_cross_target_libs "$arch" | sort -u))
  # Header-only and tools, native (they are in deps.sh anyway).
  pk+=(cmake ninja-build pkgconf nlohmann-json3-dev libexpected-dev libcli11-dev)
  if [ "$want_qemu" = qemu ] && [ "$arch" != "$native" ]; then pk+=(qemu-user-static mosquitto mosquitto-clients); fi
  if [ "$want_deb" = deb ]; then pk+=(debhelper dpkg-dev fakeroot lintian rsync); fi
  printf '%s\n' "${pk[@]}"
}

tgw_cross_missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qE "^(install|hold) ok installed" || echo "$p"
  done
}

# Remove a foreign architecture this run added: purge its packages first
# (dpkg refuses to remove an architecture that is still in use).
tgw_cross_rollback_arch() {
  local arch=$1 pkgs
  pkgs=$(dpkg-query -W -f='${binary:Package} ${Architecture} ${db:Status-Abbrev}\n' 2>/dev/null |
    awk -v a="$arch" '$2 == a && $3 !~ /^un/ {print $1}')
  if [ -n "$pkgs" ]; then
    echo "==> rolling back: purging the $arch packages this run installed" >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $pkgs >/dev/null 2>&1 ||
      dpkg --purge --force-depends $pkgs >/dev/null 2>&1 || true
  fi
  if dpkg --remove-architecture "$arch"; then
    echo "==> rolled back: removed foreign architecture $arch (it was added by this run)" >&2
    apt-get update -qq >/dev/null 2>&1 || true
  else
    echo "warning: could not remove foreign architecture $arch; remove it with: dpkg --remove-architecture $arch" >&2
  fi
}

tgw_cross_ensure() {
  local arch=$1 want_qemu=${2:-} want_deb=${3:-}
  local native triplet
  native=$(dpkg --print-architecture)
  triplet=$(tgw_cross_triplet "$arch") || return 64
  local can_install=1
  if [ "${TGW_NO_INSTALL:-0}" = 1 ] || [ "$(id -u)" -ne 0 ]; then can_install=0; fi

  local added_arch=0
  if [ "$arch" != "$native" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    if [ "$can_install" = 0 ]; then
      echo "error: foreign architecture $arch is not configured. As root run:" >&2
      echo "  dpkg --add-architecture $arch && apt-get update" >&2
      echo "  apt-get install --no-install-recommends crossbuild-essential-$arch pkgconf:$arch <lib*-dev:$arch of scripts/deps.sh>" >&2
      echo "(or run this script as root without TGW_NO_INSTALL=1: it installs them)" >&2
      return 2
    fi
    echo "==> dpkg --add-architecture $arch"
    dpkg --add-architecture "$arch"
    added_arch=1
    if ! apt-get update -qq; then
      echo "error: apt-get update failed after adding $arch" >&2
      tgw_cross_rollback_arch "$arch"
      return 2
    fi
  fi

  local wanted
  mapfile -t wanted < <(tgw_cross_packages "$arch" "$want_qemu" "$want_deb")
  tgw_cross_apt_install "$arch" "$added_arch" "$can_install" "${wanted[@]}"
}

# Installs those of PKG... that are missing, for ARCH. ADDED_ARCH=1: this run
# added ARCH (on failure it is rolled back); CAN_INSTALL=0: only check.
# Simulates first and refuses any removal of this machine's packages.
tgw_cross_apt_install() {
  local arch=$1 added_arch=$2 can_install=$3
  shift 3
  local missing
  mapfile -t missing < <(tgw_cross_missing "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0

  if [ "$can_install" = 0 ]; then
    echo "error: missing packages for the $arch build: ${missing[*]}" >&2
    echo "install them as root with:" >&2
    echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
    [ "$added_arch" = 1 ] && tgw_cross_rollback_arch "$arch"
    return 2
  fi
  # Never at the cost of this machine's own packages: some -dev packages are
  # not co-installable across architectures (libyaml-cpp-dev in bookworm has
  # no Multi-Arch: same), and apt would silently remove the native one that
  # other builds on this machine need. Simulate first; refuse any removal.
  local sim removals sim_rc=0
  sim=$(LC_ALL=C apt-get install -s --no-install-recommends "${missing[@]}" 2>&1) || sim_rc=$?
  if [ "$sim_rc" != 0 ]; then
    grep -E '^E:|held|Depends:|Conflicts:|Breaks:' <<<"$sim" | head -n 15 >&2 || true
    echo "error: apt cannot install for $arch: ${missing[*]}" >&2
    echo "  (not available for $arch, or not co-installable with this machine's packages, e.g." >&2
    echo "   libyaml-cpp-dev, which has no Multi-Arch: same in bookworm)." >&2
    echo "  Build in a clean chroot instead: scripts/cross --chroot --arch $arch" >&2
    [ "$added_arch" = 1 ] && tgw_cross_rollback_arch "$arch"
    return 2
  fi
  removals=$(awk '/^Remv / {print $2}' <<<"$sim" | tr '\n' ' ')
  if [ -n "$removals" ]; then
    echo "error: installing ${missing[*]} would REMOVE: $removals" >&2
    echo "  (not co-installable across architectures; this machine's own builds need them)." >&2
    echo "  Build in a clean chroot instead: scripts/cross --chroot --arch $arch" >&2
    [ "$added_arch" = 1 ] && tgw_cross_rollback_arch "$arch"
    return 2
  fi
  echo "==> installing for $arch: ${missing[*]}"
  local log
  log=$(mktemp)
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    # One stale package list is the usual cause: update once and retry.
    apt-get update -qq >/dev/null 2>&1 || true
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
      grep -E '^(E:|Package |  Depends:| [a-z0-9.+-]+ : Depends)' "$log" | head -n 20 >&2 || tail -n 20 "$log" >&2
      echo "error: could not install the $arch build dependencies: ${missing[*]}" >&2
      echo "  (a package that does not exist for $arch, or no access to the Debian archive;" >&2
      echo "   try: apt-get install --no-install-recommends ${missing[*]})" >&2
      rm -f "$log"
      [ "$added_arch" = 1 ] && tgw_cross_rollback_arch "$arch"
      return 2
    fi
  fi
  rm -f "$log"
}

# ---------------------------------------------------------------------------
# The lean host path (scripts/test-arm --host; what CI uses): this machine's
# own multiarch, no chroot. Installs (as root, only what is missing; with
# TGW_NO_INSTALL=1 or not root it only checks and prints the apt-get line):
#   dpkg --add-architecture ARCH, g++-<triplet> (not crossbuild-essential:
#   dpkg-cross and its perl stack are not needed to run cmake),
#   pkgconf:ARCH, qemu-user-static (TGW_CROSS_QEMU_PACKAGE overrides the
#   name), cmake, ninja-build, mosquitto, mosquitto-clients, python3, the
#   header-only -dev packages, and the library -dev packages of
#   scripts/deps.sh as :ARCH -- without libbenchmark-dev (benchmarks are off)
#   and without libgtest-dev/libgmock-dev unless $3 = tests.
# A library -dev package of ARCH that is NOT Multi-Arch: same (in bookworm:
# libyaml-cpp-dev) cannot sit next to the native one that this machine's own
# build needs, so it is not installed: `apt-get download` fetches it and
# `dpkg-deb -x` unpacks it into EXTRA/root (private to the build directory);
# what it depends on (its runtime library, libyaml-cpp0.7:ARCH, Multi-Arch:
# same) IS installed through apt at the exact version it asks for, and the
# runtime files of those dependencies are symlinked next to the unpacked
# .so/.a, so its CMake package config (which names
# <prefix>/lib/<triplet>/libyaml-cpp.so.0.7.0) resolves inside EXTRA/root.
# The build then gets -DCMAKE_PREFIX_PATH=EXTRA/root/usr; at run time the
# target finds the runtime library under qemu's -L / like every other one.
# Prints EXTRA/root/usr (the prefix for CMake) on success. Failure: what to
# install on stderr, non-zero, and a foreign architecture this call added is
# removed again (its packages purged first).
tgw_cross_host() {
  local arch=$1 extra=$2 want_tests=${3:-}
  local native triplet qpkg
  native=$(dpkg --print-architecture)
  triplet=$(tgw_cross_triplet "$arch") || return 64
  [ "$arch" != "$native" ] || { echo "error: tgw_cross_host is for a foreign architecture" >&2; return 64; }
  qpkg=${TGW_CROSS_QEMU_PACKAGE:-qemu-user-static}
  local can_install=1
  if [ "${TGW_NO_INSTALL:-0}" = 1 ] || [ "$(id -u)" -ne 0 ]; then can_install=0; fi

  local added_arch=0
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    if [ "$can_install" = 0 ]; then
      echo "error: foreign architecture $arch is not configured. As root run:" >&2
      echo "  dpkg --add-architecture $arch && apt-get update" >&2
      echo "  apt-get install --no-install-recommends g++-$triplet pkgconf:$arch $qpkg <lib*-dev:$arch of scripts/deps.sh>" >&2
      return 2
    fi
    echo "==> dpkg --add-architecture $arch" >&2
    dpkg --add-architecture "$arch"
    added_arch=1
    if ! apt-get update -qq >&2; then
      echo "error: apt-get update failed after adding $arch" >&2
      tgw_cross_rollback_arch "$arch"
      return 2
    fi
  fi

  # The target's library -dev packages, split by Multi-Arch (one apt-cache call).
  local libs=() p
  while read -r p; do
    case "${p%%:*}" in
      libbenchmark-dev) continue ;;
      libgtest-dev|libgmock-dev) [ "$want_tests" = tests ] || continue ;;
    esac
    libs+=("$p")
  done < <(tgw_cross_target_libs "$arch" | sort -u)
  local info
  info=$(apt-cache show --no-all-versions "${libs[@]}" 2>/dev/null | awk '
    /^Package:/ {p=$2; m=""; d=""}
    /^Multi-Arch:/ {m=$2}
    /^Depends:/ {sub(/^Depends: */, ""); d=$0}
    /^$/ && p != "" {print p "\t" (m == "" ? "no" : m) "\t" d; p=""}
    END {if (p != "") print p "\t" (m == "" ? "no" : m) "\t" d}')
  local inst=() unpack=() name ma deps dep v
  for p in "${libs[@]}"; do
    name=${p%%:*}
    ma=$(awk -F'\t' -v p="$name" '$1 == p {print $2; exit}' <<<"$info")
    if [ "$ma" = no ] && dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -qE "(install|hold) ok installed"; then
      # Not co-installable with the native one that is installed here.
      unpack+=("$p")
      deps=$(awk -F'\t' -v p="$name" '$1 == p {print $3; exit}' <<<"$info")
      local dl=()
      mapfile -t dl < <(tr ',' '\n' <<<"$deps")
      for dep in "${dl[@]}"; do
        dep=${dep%%|*}                       # first of alternatives
        v=$(sed -nE 's/.*\(= *([^)]+)\).*/\1/p' <<<"$dep")
        dep=$(awk '{print $1}' <<<"$dep")
        dep=${dep%%:*}
        [ -n "$dep" ] || continue
        inst+=("$dep:$arch${v:+=$v}")
      done
    else
      inst+=("$p")
    fi
  done
  local pk=("g++-$triplet" "pkgconf:$arch" "$qpkg" cmake ninja-build pkgconf
            nlohmann-json3-dev libexpected-dev libcli11-dev mosquitto mosquitto-clients python3 "${inst[@]}")
  # "pkg:arch=version" is installed as such but checked without the version.
  local check=() q
  for q in "${pk[@]}"; do check+=("${q%%=*}"); done
  local missing_pk=() i
  for i in "${!pk[@]}"; do
    tgw_cross_missing "${check[$i]}" | grep -q . && missing_pk+=("${pk[$i]}")
  done
  if [ "${#missing_pk[@]}" -gt 0 ]; then
    tgw_cross_apt_install "$arch" "$added_arch" "$can_install" "${missing_pk[@]}" >&2 || {
      echo "error: the $arch host build needs: ${missing_pk[*]}" >&2
      [ "$can_install" = 1 ] && echo "  (apt could not install them from this machine's archive; see above)" >&2
      return 2; }
  fi

  # The unpacked ones.
  mkdir -p "$extra/root" "$extra/debs"
  local ver stamp f
  for p in "${unpack[@]}"; do
    name=${p%%:*}
    ver=$(apt-cache show --no-all-versions "$p" 2>/dev/null | awk '/^Version:/ {print $2; exit}')
    stamp="$extra/root/.tgw-unpacked-$name-$arch-$ver"
    [ -f "$stamp" ] && continue
    echo "==> $p is not co-installable with the native $name: apt-get download + dpkg-deb -x into $extra/root" >&2
    rm -f "$extra/debs/${name}_"*"_$arch.deb"
    if ! (cd "$extra/debs" && apt-get download -q "$p=$ver" >/dev/null 2>&1); then
      (cd "$extra/debs" && apt-get download "$p=$ver") >&2 || true
      echo "error: could not download $p=$ver (apt-get download $p; needs the Debian archive)" >&2
      [ "$added_arch" = 1 ] && tgw_cross_rollback_arch "$arch"
      return 2
    fi
    dpkg-deb -x "$extra/debs/${name}_"*"_$arch.deb" "$extra/root" || {
      echo "error: dpkg-deb -x of $p failed" >&2; return 2; }
    touch "$stamp"
  done
  # The runtime files of what the unpacked packages depend on, next to them.
  if [ "${#unpack[@]}" -gt 0 ]; then
    mkdir -p "$extra/root/usr/lib/$triplet"
    for q in "${inst[@]}"; do
      case " ${libs[*]} " in *" ${q%%=*} "*) continue ;; esac   # a -dev installed directly
      dpkg -L "${q%%=*}" 2>/dev/null | grep -E "^/usr/lib/$triplet/[^/]+\.so[.0-9]*$" | while read -r f; do
        [ -e "$extra/root$f" ] || ln -sfn "$f" "$extra/root$f"
      done
    done
  fi
  echo "$extra/root/usr"
}

# qemu-user through binfmt_misc, for target programs started by other target
# programs (tests that exec the daemon, dpkg in a foreign chroot). Registers
# Debian's qemu-user-static entries (/usr/lib/binfmt.d, flag F: works in a
# chroot) if systemd-binfmt / binfmt-support did not. Needs root.
tgw_cross_binfmt() {
  local arch=$1 name conf
  case "$arch" in arm64) name=qemu-aarch64 ;; armhf) name=qemu-arm ;; *) return 0 ;; esac
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || {
      echo "error: binfmt_misc is not available (modprobe binfmt_misc; mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc)" >&2
      return 2
    }
  fi
  [ -e "/proc/sys/fs/binfmt_misc/$name" ] && return 0
  conf=/usr/lib/binfmt.d/$name.conf
  [ -f "$conf" ] || { echo "error: $conf missing: apt-get install qemu-user-static" >&2; return 2; }
  grep -v '^#' "$conf" >/proc/sys/fs/binfmt_misc/register || {
    echo "error: could not register $name with binfmt_misc" >&2; return 2; }
}

# ---------------------------------------------------------------------------
# Clean build chroots (scripts/cross --chroot, scripts/test-arm,
# scripts/test-arm-full): an amd64 Debian 12 minbase with ARCH added as a
# foreign architecture and the build dependencies of ARCH installed, kept in
# $TGW_PKGTEST_CACHE/chroot-cross-ARCH/ (default /var/cache/telemetry-gateway-test).
# The foreign architecture and the :ARCH -dev packages live only there: this
# machine's dpkg is never touched. That is the only way on a machine that
# also builds natively: libyaml-cpp-dev has no Multi-Arch: same in bookworm,
# so libyaml-cpp-dev:arm64 and the native libyaml-cpp-dev exclude each other.
#
#   tgw_cross_chroot ARCH [deb]   create/update it (as root), print its path
#   tgw_in_chroot CROOT CMD...    run CMD in it, with this repository
#                                 bind-mounted at the same path, /proc and /dev, in
#                                 a private mount namespace (the mounts go
#                                 away with CMD, even on kill);
#                                 TGW_CHROOT_BIND=HOSTDIR:DIR mounts one more
tgw_cross_chroot() {
  local arch=$1 want_deb=${2:-} cache=${TGW_PKGTEST_CACHE:-/var/cache/telemetry-gateway-test}
  local mirror=${TGW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  local c="$cache/chroot-cross-$arch" base="$cache/bookworm-minbase.tar" sec log
  log="$cache/chroot-cross-$arch.log"
  [ "$(id -u)" -eq 0 ] || { echo "error: the build chroot needs root (debootstrap, chroot)" >&2; return 2; }
  command -v debootstrap >/dev/null || {
    echo "error: debootstrap not found: apt-get install debootstrap" >&2; return 2; }
  mkdir -p "$cache"
  if [ ! -f "$c/.tgw-ready" ]; then
    rm -rf "$c"; mkdir -p "$c"
    if [ -f "$base" ]; then
      tar -C "$c" -xf "$base"
    else
      echo "==> debootstrap --variant=minbase bookworm (amd64) into $c" >&2
      nice -n 15 debootstrap --variant=minbase bookworm "$c" "$mirror" >"$log" 2>&1 || {
        tail -n 20 "$log" >&2; return 1; }
    fi
    cp /etc/resolv.conf "$c/etc/resolv.conf"
    printf '#!/bin/sh\nexit 101\n' >"$c/usr/sbin/policy-rc.d"; chmod +x "$c/usr/sbin/policy-rc.d"
    sec=${mirror%/debian}/debian-security
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
      "$mirror" "$mirror" "$sec" >"$c/etc/apt/sources.list"
    chroot "$c" dpkg --add-architecture "$arch" 2>/dev/null || true
    if ! chroot "$c" apt-get update -qq >"$log" 2>&1; then
      echo "warning: the chroot's apt-get update failed with bookworm-security:" >&2
      grep '^E:' "$log" | head -n 3 >&2 || true
      echo "         building against bookworm + bookworm-updates only" >&2
      printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" >"$c/etc/apt/sources.list"
      rm -rf "$c"/var/lib/apt/lists/*
      chroot "$c" apt-get update -qq >>"$log" 2>&1 || { tail -n 20 "$log" >&2; return 1; }
    fi
    touch "$c/.tgw-ready"
  fi
  # debootstrap's (and mktemp's) 0700 root would stop every non-root user at
  # "/" (tests that drop to uid 65534 then see "no such directory").
  chmod 755 "$c"
  # Every run: what scripts/deps.sh lists now (a no-op when all is there).
  local pk missing=()
  mapfile -t pk < <(tgw_cross_packages "$arch" "" "$want_deb")
  pk=(build-essential "${pk[@]}")
  local p
  for p in "${pk[@]}"; do
    chroot "$c" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qE "^(install|hold) ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> installing in the $arch build chroot: ${missing[*]}" >&2
    nice -n 15 chroot "$c" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "${missing[@]}" >>"$log" 2>&1 || {
      grep -E '^E:|Depends:' "$log" | head -n 20 >&2
      echo "error: could not install the $arch build dependencies in the chroot; log $log" >&2
      return 1; }
    chroot "$c" apt-get clean
  fi
  # qemu-user-static for CMAKE_CROSSCOMPILING_EMULATOR inside the chroot
  # (static binaries: a copy of this machine's is enough).
  local q
  q=$(tgw_cross_qemu "$arch")
  if [ -n "$q" ] && [ -x "/usr/bin/$q" ]; then cp -u "/usr/bin/$q" "$c/usr/bin/$q"; fi
  echo "$c"
}

tgw_in_chroot() {
  local c=$1 repo
  shift
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  mkdir -p "$c$repo"
  # TGW_CHROOT_BIND="HOSTDIR:DIR": one more bind mount (DIR inside the chroot).
  local extra=${TGW_CHROOT_BIND:-}
  [ -n "$extra" ] && mkdir -p "$c${extra#*:}"
  unshare --mount --propagation private /bin/sh -c '
    c=$1; repo=$2; extra=$3; shift 3
    mount --bind "$repo" "$c$repo" && mount -t proc proc "$c/proc" && mount --rbind /dev "$c/dev" || exit 125
    if [ -n "$extra" ]; then mount --bind "${extra%%:*}" "$c${extra#*:}" || exit 125; fi
    exec chroot "$c" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"
  ' sh "$c" "$repo" "$extra" "$@"
}
