# Cross build for armhf (32-bit Raspberry Pi OS, ARMv7 gateways) with Debian's
# cross toolchain and multiarch -dev packages:
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm-linux-gnueabihf.cmake
# scripts/cross installs what it needs (crossbuild-essential-armhf, lib*-dev:armhf).
# Debian armhf is ARMv7 + VFPv3-D16 (gcc's default for this triplet): it runs
# on a Pi 2/3/4/5 and Zero 2, not on ARMv6 boards (Pi 1, Zero/Zero W).
set(TGW_CROSS_TRIPLET arm-linux-gnueabihf)
set(TGW_CROSS_PROCESSOR arm)
set(TGW_CROSS_QEMU qemu-arm-static)
# GCC's -Wpsabi notes ("parameter passing ... changed in GCC 7.1") are about
# an ABI change of 2017 that does not concern a program built as a whole.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
