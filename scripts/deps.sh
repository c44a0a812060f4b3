# Debian 12 packages the build, the demo and the tests need. Sourced by
# scripts/demo and scripts/test; installs only what is missing.
TGW_APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libpaho-mqttpp-dev libpaho-mqtt-dev libssl-dev libsqlite3-dev libspdlog-dev libfmt-dev
  libcli11-dev libyaml-cpp-dev libserialport-dev libsystemd-dev libgtest-dev libgmock-dev
  nlohmann-json3-dev libexpected-dev libmodbus-dev libbenchmark-dev
  mosquitto mosquitto-clients openssl sqlite3 dbus systemd procps python3 ca-certificates
  libglib2.0-bin util-linux
  clang-14 nftables iproute2
)

tgw_install_deps() {
  local missing=()
  local p
  for p in "${TGW_APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qE "(install|hold) ok installed"; then
      missing+=("$p")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
      echo "error: run as root (or install: apt-get install ${missing[*]})" >&2
      return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || apt-get update
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || \
      apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}
