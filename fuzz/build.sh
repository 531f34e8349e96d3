#!/usr/bin/env bash
# Builds every fuzz target the OSS-Fuzz / ClusterFuzzLite way: compiler $CXX with $CXXFLAGS (the
# sanitizer and -fsanitize=fuzzer-no-link flags), linked with $LIB_FUZZING_ENGINE, into $OUT with
# each target's .options, .dict and <target>_seed_corpus.zip (its corpus and regressions).
# Defaults make it work on a Debian machine with clang-14 (ci/install-deps.sh):
#
#   fuzz/build.sh                               # into build/fuzz-out/
#   OUT=/tmp/out CXX=clang++-15 fuzz/build.sh
#
# Needs only what ci/install-deps.sh installs. The libraries and targets are built with CMake (HEAPSTORE_BUILD_FUZZERS=ON) in $WORK; the
# engine's page checksum check is skipped (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION).
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
  -DHEAPSTORE_BUILD_FUZZERS=ON -DHEAPSTORE_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DHEAPSTORE_SANITIZE= -DHEAPSTORE_WERROR=OFF \
  -DHEAPSTORE_BUILD_TESTS=OFF -DHEAPSTORE_BUILD_PROPS=OFF -DHEAPSTORE_BUILD_BENCHMARKS=OFF
cmake --build "$WORK" --target heapstore_fuzzers

for source in "$fuzz_dir"/*_fuzzer.cc; do
  target="$(basename "$source" .cc)"
  cp "$WORK/fuzz/$target" "$OUT/"
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
