# Shared part of the Debian multiarch cross toolchain files
# (aarch64-linux-gnu.cmake, arm-linux-gnueabihf.cmake). The including file sets
# TGW_CROSS_TRIPLET, TGW_CROSS_PROCESSOR and TGW_CROSS_QEMU first.
#
# Debian multiarch: the target's libraries and CMake package configs are
# installed by `apt-get install libfoo-dev:<arch>` into /usr/lib/<triplet>/
# and /usr/include/<triplet>/ of this machine, NOT into a separate sysroot.
# So CMAKE_FIND_ROOT_PATH stays unset (re-rooting /usr would find nothing),
# and CMAKE_LIBRARY_ARCHITECTURE makes find_library/find_package look in
# /usr/lib/<triplet> (and <prefix>/lib/<triplet>/cmake) before /usr/lib.
# Header-only packages (nlohmann-json3-dev, libexpected-dev, libcli11-dev)
# are architecture-independent and come from the native install.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${TGW_CROSS_PROCESSOR})
set(CMAKE_LIBRARY_ARCHITECTURE ${TGW_CROSS_TRIPLET})

set(CMAKE_C_COMPILER /usr/bin/${TGW_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER /usr/bin/${TGW_CROSS_TRIPLET}-g++)
# pkgconf:<arch> installs /usr/bin/<triplet>-pkg-config, which searches the
# target's .pc files only (/usr/lib/<triplet>/pkgconfig, /usr/share/pkgconfig).
set(PKG_CONFIG_EXECUTABLE /usr/bin/${TGW_CROSS_TRIPLET}-pkg-config CACHE FILEPATH "pkg-config for the target")

# Build tools run on this machine; everything else must be the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# Target executables (gtest discovery, ctest, try_run) run under qemu-user
# with -L /: the target's dynamic loader AND libc then both come from the
# multiarch libc6:<arch> (/lib/ld-linux-*.so, /lib/<triplet>/libc.so.6).
# Not -L /usr/<triplet>: that is the cross toolchain's libc6-<arch>-cross,
# a different glibc build than the libc6:<arch> the loader then finds, and
# the mix hangs in the first pthread_create. Children that the tests exec
# go through binfmt_misc (its default prefix is / as well).
find_program(TGW_CROSS_QEMU_BIN ${TGW_CROSS_QEMU} PATHS /usr/bin NO_CMAKE_FIND_ROOT_PATH)
if(TGW_CROSS_QEMU_BIN)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${TGW_CROSS_QEMU_BIN} -L /)
endif()
