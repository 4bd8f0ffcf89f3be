#!/bin/sh
# Builds and runs the consumer with CMake (add_subdirectory) and with Meson
# (lockcore as a subproject found through dependency('lockcore')).
# usage: check-build-integration.sh cmake|meson SRCROOT WORKDIR
set -eu
kind=$1
src=$(cd "$2" && pwd)
work=$3
rm -rf "$work"
mkdir -p "$work"
case $kind in
cmake)
    command -v cmake >/dev/null || { echo "FAIL: cmake not installed" >&2; exit 1; }
    cmake -S "$src/tests/integration/cmake-consumer" -B "$work" -DLOCKCORE_DIR="$src" >/dev/null
    cmake --build "$work" >/dev/null
    "$work/consumer"
    ;;
meson)
    # a copy of the consumer with lockcore linked in as its subproject
    cp -r "$src/tests/integration/meson-consumer" "$work/project"
    cp "$src/tests/integration/consumer.c" "$work/consumer.c"
    mkdir -p "$work/project/subprojects"
    ln -s "$src" "$work/project/subprojects/lockcore"
    meson setup "$work/build" "$work/project" >/dev/null
    ninja -C "$work/build" >/dev/null
    "$work/build/consumer"
    ;;
*)
    echo "usage: $0 cmake|meson SRCROOT WORKDIR" >&2
    exit 2
    ;;
esac
