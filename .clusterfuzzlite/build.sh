#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build step, run in the image of ./Dockerfile with $CC, $CXX, $CFLAGS,
# $CXXFLAGS, $LIB_FUZZING_ENGINE, $OUT, $SRC and $WORK set by the builder. fuzz/build.sh does the
# work: the targets, their .options and .dict files, <target>_seed_corpus.zip and the shared
# libraries they need go to $OUT.
#
# OSS-Fuzz builds C++ against its own libc++ (-stdlib=libc++ in $CXXFLAGS); yaml-cpp (for
# workload_spec_fuzzer) comes from Ubuntu, built against libstdc++, so heapstore is built against
# libstdc++ too or it would not link. The cost: the standard library is not instrumented, which
# matters only for MemorySanitizer, which the workflows do not use.
export CXXFLAGS="${CXXFLAGS//-stdlib=libc++/}"
"$SRC/heapstore/fuzz/build.sh"
