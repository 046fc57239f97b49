# Makefile — a thin front door to gomem's CMake build.  CMake does the work;
# this file only names the steps.  Every target first runs scripts/deps.sh,
# which installs missing Debian packages (as root) or says how to.
#
#   make               build the library, tests and gomem-bench (Release) in build/
#   make test          build, run every suite with ctest, then build the same
#                      suites with AddressSanitizer + UBSan in build-asan/ and
#                      with ThreadSanitizer in build-tsan/ and run them again;
#                      all three must pass
#   make bench         build, run the default suite with gomem-bench, draw the
#                      figures, write report.md and report.html, say where
#                      (results in results/<name>/, results/latest points
#                      there).  The suite is four configurations, GOGC=100,
#                      50, 200 and off (BENCH_GOGC), each a fresh process:
#                      binary_trees and steady_heap (BENCH_EVERY) run under
#                      all four, for the report's GOGC tables and figures;
#                      every other benchmark but the pointer-object size
#                      sweep (BENCH_FILTER) runs once, at GOGC=100, in a
#                      process of its own; 5 repetitions of 0.2 s
#                      (BENCH_MIN_TIME) each, 1 s (BENCH_EVERY_MIN_TIME)
#                      for the GOGC workloads.  Under 10 min on 2 cores
#   make bench QUICK=1 the same as a smoke test (< 1 min): 2 repetitions of
#                      0.05 s, and only steady_heap's one-thread benchmark
#                      under all four GOGC values (QUICK_EVERY)
#   make bench-modes   binary-trees, the steady heap, stack depth and the write
#                      barrier under each collector (hybrid, stw, dijkstra,
#                      yuasa) side by side in one results directory
#   make install       install into $(PREFIX) (default /usr/local); DESTDIR honoured
#   make clean         remove build/, build-asan/ and build-tsan/
#   make test-release, make test-asan, make test-tsan: one part of make test
#
# Variables (on the command line, e.g. make bench BENCH_ARGS=--benchmark_filter=tiny):
#   PREFIX      install prefix                    (/usr/local)
#   DESTDIR     staging root for make install     (empty)
#   BUILD_TYPE  CMake build type of build/        (Release)
#   ASAN_BUILD_TYPE  build type of build-asan/    (Debug: asserts stay on)
#   BENCH_ARGS  extra arguments for gomem-bench run, after the suite's, e.g.
#               --benchmark_repetitions=10 (not --out: see BENCH_NAME).
#               One that chooses its own benchmarks or GOGC values
#               (--benchmark_filter, --gogc, gogc_sweep or memlimit_sweep)
#               replaces the suite's choice (and BENCH_MIN_TIME):
#               --benchmark_filter=tiny runs what it matches once,
#               --gogc=50,100 every benchmark under each value,
#               BENCH_ARGS="gogc_sweep" the GOGC sweep
#   BENCH_FILTER make bench's benchmarks: a Google Benchmark filter
#               (default: leave out alloc_small_ptr's size sweep, which
#               would take the suite past its 10 minutes;
#               BENCH_FILTER=all runs everything)
#   BENCH_GOGC  the suite's GOGC values; the first is where the rest run
#               (100,50,200,off; one value: a single configuration)
#   BENCH_EVERY the benchmarks run under every GOGC value, a regular
#               expression for run --every-config-filter
#               (^(binary_trees|steady_heap)/)
#   BENCH_MIN_TIME  seconds per repetition (0.2: the "quick size")
#   BENCH_EVERY_MIN_TIME  seconds per repetition of BENCH_EVERY's
#               benchmarks (1: at 0.2 s steady_heap's 64 MiB heap saw 0-1
#               cycles per repetition at GOGC >= 100; not with QUICK=1)
#   BENCH_NAME  write results/$(BENCH_NAME) instead of results/<time>-<revision>
#   QUICK=1     make bench with --benchmark_min_time=$(QUICK_MIN_TIME), 2
#               repetitions and QUICK_EVERY for BENCH_EVERY: checks the
#               pipeline (GOGC tables and figures included), not the numbers
#   PEERS=1     also install the peers (libgc-dev, libjemalloc-dev,
#               libmimalloc-dev, libgoogle-perftools-dev, golang-go), build
#               them (the Go workloads with go build) and make bench runs
#               every runtime side by side: run --runtime=$(PEER_RUNTIMES)
#               --idle-mark=on (gomem with Go's idle mark workers, which Go
#               always runs; an --idle-mark in BENCH_ARGS replaces it)
#   JOBS        parallel build and test jobs      (2)
#   WERROR      ON/OFF: warnings are errors       (ON when CI=true, else OFF)

PREFIX          ?= /usr/local
DESTDIR         ?=
BUILD_TYPE      ?= Release
ASAN_BUILD_TYPE ?= Debug
SANITIZE        ?= address,undefined
BENCH_ARGS      ?=
BENCH_FILTER    ?= -^alloc_small_ptr/[a-z]+/(16|64|256|1024|4096|16384|32768)/
BENCH_GOGC      ?= 100,50,200,off
BENCH_EVERY     ?= ^(binary_trees|steady_heap)/
BENCH_MIN_TIME  ?= 0.2
BENCH_EVERY_MIN_TIME ?= 1
BENCH_NAME      ?=
QUICK           ?=
PEERS           ?=
JOBS            ?= 2
WERROR          ?= $(if $(filter true,$(CI)),ON,OFF)

BUILD      := build
BUILD_ASAN := build-asan
BUILD_TSAN := build-tsan
DEPS_FLAGS := $(if $(filter 1 yes true on ON,$(PEERS)),--peers)

# make bench: QUICK=1 goes first so that BENCH_ARGS can override it.
# 0.05 s per repetition, 2 repetitions (the fewest that give a median and a
# range): about 5 s for the allocation suite on 2 cores.  Under every GOGC
# value only steady_heap with one thread (about a second per
# configuration; both thread counts take twice that): binary_trees takes
# 2-4 s per repetition whatever the minimum time, and at GOGC=off over a
# GB of memory per repetition.
QUICK_MIN_TIME := 0.05
QUICK_ARGS := --benchmark_min_time=$(QUICK_MIN_TIME) --benchmark_repetitions=2
QUICK_EVERY := ^steady_heap/.*/threads:1$$
# PEERS=1: the same workloads on Go, Boehm GC and the malloc family,
# interleaved by repetition (README: Peers), gomem configured as Go runs:
# with idle mark workers (Go always marks on idle Ps; gomem's default,
# off, measures the 25% utilisation goal alone).
PEER_RUNTIMES := gomem,go,boehm,glibc,jemalloc,mimalloc,tcmalloc
PEER_IDLE_MARK := $(if $(findstring --idle-mark,$(BENCH_ARGS)),,--idle-mark=on)
BENCH_RUN_ARGS := $(if $(filter 1 yes true on ON,$(PEERS)),--runtime=$(PEER_RUNTIMES) $(PEER_IDLE_MARK)) \
                  $(if $(filter 1 yes true on ON,$(QUICK)),$(QUICK_ARGS)) \
                  $(if $(BENCH_NAME),--name $(BENCH_NAME)) $(BENCH_ARGS)
# The default suite (README: Benchmarks): BENCH_FILTER's benchmarks at
# BENCH_MIN_TIME, BENCH_EVERY's under each of BENCH_GOGC, the rest once
# under its first value.  BENCH_ARGS comes after, so its flags win; one that
# chooses benchmarks or GOGC values itself drops the minimum time, the GOGC
# list and the split, and runs as gomem-bench run would (a --gogc would be
# given twice, a sweep refuses the split, and a filter of its own may leave
# BENCH_EVERY nothing to match).
BENCH_OWN := $(strip $(foreach w,--benchmark_filter --gogc gogc_sweep memlimit_sweep,\
                 $(findstring $(w),$(BENCH_ARGS))))
BENCH_SUITE_EVERY := $(if $(filter 1 yes true on ON,$(QUICK)),$(QUICK_EVERY),$(BENCH_EVERY))
BENCH_SUITE_ARGS := $(if $(BENCH_OWN),,--benchmark_min_time=$(BENCH_MIN_TIME) \
                      --gogc=$(BENCH_GOGC) '--every-config-filter=$(BENCH_SUITE_EVERY)' \
                      $(if $(filter 1 yes true on ON,$(QUICK)),,--every-config-min-time=$(BENCH_EVERY_MIN_TIME)))
# BENCH_FILTER: alloc.h's GMB_ALLOC_DEFAULT_FILTER; a --benchmark_filter in
# BENCH_ARGS comes after it and wins.
BENCH_DEFAULT_ARGS := '--benchmark_filter=$(BENCH_FILTER)' $(BENCH_SUITE_ARGS)
GOMEM_BENCH := ./$(BUILD)/gomem-bench

CMAKE_COMMON := -DGOMEM_WERROR=$(WERROR) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
# --no-tests=error: a build that registered no test fails instead of passing.
CTEST_FLAGS  := --output-on-failure --no-tests=error -j$(JOBS)

# The steps run in the order written; the parallelism is inside cmake and ctest.
.NOTPARALLEL:
MAKEFLAGS += --no-print-directory
.PHONY: all deps build test test-release test-asan test-tsan bench bench-modes install clean

all: build

deps:
	@bash scripts/deps.sh $(DEPS_FLAGS)

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_COMMON)
	cmake --build $(BUILD) -j$(JOBS)

test: test-release test-asan test-tsan

test-release: build
	ctest --test-dir $(BUILD) $(CTEST_FLAGS)

test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=$(ASAN_BUILD_TYPE) \
	      -DGOMEM_SANITIZE=$(SANITIZE) $(CMAKE_COMMON)
	cmake --build $(BUILD_ASAN) -j$(JOBS)
	ctest --test-dir $(BUILD_ASAN) $(CTEST_FLAGS)

# ThreadSanitizer: the library, its tests and the collector's stress suites
# (gomem-bench is left out: Debian's Google Benchmark is not instrumented).
test-tsan: deps
	cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	      -DGOMEM_SANITIZE=thread -DGOMEM_BUILD_BENCH=OFF $(CMAKE_COMMON)
	cmake --build $(BUILD_TSAN) -j$(JOBS)
	ctest --test-dir $(BUILD_TSAN) $(CTEST_FLAGS)

bench: build
	@test -x $(BUILD)/gomem-bench || { echo "make bench: $(BUILD)/gomem-bench was not built" \
	  "(is GOMEM_BUILD_BENCH off in $(BUILD)/CMakeCache.txt?)" >&2; exit 1; }
	$(GOMEM_BENCH) run $(BENCH_DEFAULT_ARGS) $(BENCH_RUN_ARGS)
	@dir=results/$(or $(BENCH_NAME),$$(readlink results/latest)) && \
	echo "$(GOMEM_BENCH) plot $$dir" && $(GOMEM_BENCH) plot "$$dir" && \
	echo "$(GOMEM_BENCH) report $$dir" && $(GOMEM_BENCH) report "$$dir" && \
	echo && echo "make bench: the report is $$dir/report.html (and report.md;" \
	  "figures in $$dir/plots/)"

# the four collectors side by side: one configuration (fresh process) each
MODES_FILTER := ^(binary_trees|steady_heap|stack_depth|barrier)/
bench-modes: build
	$(GOMEM_BENCH) run --collector=hybrid,stw,dijkstra,yuasa \
	  --benchmark_filter='$(MODES_FILTER)' $(BENCH_RUN_ARGS)
	@dir=results/$(or $(BENCH_NAME),$$(readlink results/latest)) && \
	echo "$(GOMEM_BENCH) plot $$dir" && $(GOMEM_BENCH) plot "$$dir" && \
	echo "$(GOMEM_BENCH) report $$dir" && $(GOMEM_BENCH) report "$$dir" && \
	echo && echo "make bench-modes: the report is $$dir/report.html"

install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

clean: deps
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN)
