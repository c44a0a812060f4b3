# Cross build for arm64 (Raspberry Pi 3/4/5 64-bit, ARMv8 gateways) with
# Debian's cross toolchain and multiarch -dev packages:
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# scripts/cross installs what it needs (crossbuild-essential-arm64, lib*-dev:arm64).
set(TGW_CROSS_TRIPLET aarch64-linux-gnu)
set(TGW_CROSS_PROCESSOR aarch64)
set(TGW_CROSS_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
