#!/usr/bin/env bash
# Builds every fuzz target the OSS-Fuzz / ClusterFuzzLite way (.clusterfuzzlite/build.sh calls it
# in the builder image): compiler $CXX with $CXXFLAGS (the sanitizer and -fsanitize=fuzzer-no-link
# flags), linked with $LIB_FUZZING_ENGINE, into $OUT with each target's .options, .dict and
# <target>_seed_corpus.zip (its corpus and regressions); CMake builds in $WORK. heapstore has no C
# sources, so $CC and $CFLAGS are not used. Defaults make it work on a Debian machine with clang-14
# (ci/install-deps.sh):
#
#   fuzz/build.sh                               # into build/fuzz-out/
#   OUT=/tmp/out CXX=clang++-15 fuzz/build.sh
#   CMAKE_BUILD_PARALLEL_LEVEL=1 fuzz/build.sh  # one compile at a time
#
# The engine's page checksum check is skipped (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION). Shared
# libraries a target needs beyond glibc, libstdc++ and libgcc (yaml-cpp and SQLite, for
# workload_spec_fuzzer) are copied into $OUT/lib, where the targets' RUNPATH ($ORIGIN/lib) finds
# them: the machines that run OSS-Fuzz and ClusterFuzzLite targets have only what is in $OUT.
set -euo pipefail
fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(dirname "$fuzz_dir")"

: "${CXX:=clang++-14}"
: "${CXXFLAGS:=-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -fsanitize=fuzzer-no-link}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=$src/build/fuzz-out}"
: "${WORK:=$src/build/fuzz-work}"
mkdir -p "$OUT" "$WORK"
OUT="$(cd "$OUT" && pwd)"
WORK="$(cd "$WORK" && pwd)"

# CMAKE_CXX_FLAGS_RELWITHDEBINFO is emptied so that $CXXFLAGS alone sets optimisation and debug
# information; sanitizers come from $CXXFLAGS too, so HEAPSTORE_SANITIZE stays empty.
cmake -S "$src" -B "$WORK" -G Ninja \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO= \
  -DCMAKE_BUILD_RPATH='$ORIGIN/lib' \
  -DHEAPSTORE_BUILD_FUZZERS=ON -DHEAPSTORE_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DHEAPSTORE_SANITIZE= -DHEAPSTORE_WERROR=OFF \
  -DHEAPSTORE_BUILD_TESTS=OFF -DHEAPSTORE_BUILD_PROPS=OFF -DHEAPSTORE_BUILD_BENCHMARKS=OFF
cmake --build "$WORK" --target heapstore_fuzzers

# Copies the shared libraries `binary` loads, but for those every Linux machine has, to $OUT/lib.
bundle_shared_libraries() {
  local lib
  mkdir -p "$OUT/lib"
  for lib in $(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
    case "$(basename "$lib")" in
      ld-linux* | libc.so* | libm.so* | libdl.so* | libpthread.so* | librt.so* | libresolv.so* | \
        libstdc++.so* | libgcc_s.so*) ;;
      *) cp -L "$lib" "$OUT/lib/" ;;
    esac
  done
}

for source in "$fuzz_dir"/*_fuzzer.cc; do
  target="$(basename "$source" .cc)"
  cp "$WORK/fuzz/$target" "$OUT/"
  bundle_shared_libraries "$OUT/$target"
  [[ -f "$fuzz_dir/$target.options" ]] && cp "$fuzz_dir/$target.options" "$OUT/"
  [[ -f "$fuzz_dir/$target.dict" ]] && cp "$fuzz_dir/$target.dict" "$OUT/"
  # The seed corpus: the committed corpus and the regressions, flat (CMake writes the zip).
  seeds="$WORK/seeds/$target"
  rm -rf "$seeds" "$OUT/${target}_seed_corpus.zip"
  mkdir -p "$seeds"
  for dir in "$fuzz_dir/corpus/$target" "$fuzz_dir/regressions/$target"; do
    [[ -d "$dir" ]] && find "$dir" -type f ! -name '.*' -exec cp {} "$seeds/" \;
  done
  (cd "$seeds" && cmake -E tar cf "$OUT/${target}_seed_corpus.zip" --format=zip -- *)
  echo "built $OUT/$target"
done
