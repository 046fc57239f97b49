# Makefile — a thin front door to gomem's CMake build.  CMake does the work;
# this file only names the steps.  Every target first runs scripts/deps.sh,
# which installs missing Debian packages (as root) or says how to.
#
#   make               build the library, tests and gomem-bench (Release) in build/
#   make test          build, run every suite with ctest, then build the same
#                      suites with AddressSanitizer + UBSan in build-asan/ and
#                      run them again; both must pass
#   make bench         build, run the allocation benchmarks with gomem-bench;
#                      results go to results/<timestamp>/
#   make install       install into $(PREFIX) (default /usr/local); DESTDIR honoured
#   make clean         remove build/ and build-asan/
#   make test-release  only the first half of make test; make test-asan the second
#
# Variables (on the command line, e.g. make bench BENCH_ARGS=--benchmark_filter=tiny):
#   PREFIX      install prefix                    (/usr/local)
#   DESTDIR     staging root for make install     (empty)
#   BUILD_TYPE  CMake build type of build/        (Release)
#   ASAN_BUILD_TYPE  build type of build-asan/    (Debug: asserts stay on)
#   BENCH_ARGS  extra arguments for gomem-bench run, e.g. --benchmark_filter=tiny
#   PEERS=1     also install the peer allocators (libgc, jemalloc, mimalloc,
#               tcmalloc, Go) that the benchmarks can compare against
#   JOBS        parallel build and test jobs      (2)
#   WERROR      ON/OFF: warnings are errors       (ON when CI=true, else OFF)

PREFIX          ?= /usr/local
DESTDIR         ?=
BUILD_TYPE      ?= Release
ASAN_BUILD_TYPE ?= Debug
SANITIZE        ?= address,undefined
BENCH_ARGS      ?=
PEERS           ?=
JOBS            ?= 2
WERROR          ?= $(if $(filter true,$(CI)),ON,OFF)

BUILD      := build
BUILD_ASAN := build-asan
DEPS_FLAGS := $(if $(filter 1 yes true on ON,$(PEERS)),--peers)

CMAKE_COMMON := -DGOMEM_WERROR=$(WERROR) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
# --no-tests=error: a build that registered no test fails instead of passing.
CTEST_FLAGS  := --output-on-failure --no-tests=error -j$(JOBS)

# The steps run in the order written; the parallelism is inside cmake and ctest.
.NOTPARALLEL:
MAKEFLAGS += --no-print-directory
.PHONY: all deps build test test-release test-asan bench install clean

all: build

deps:
	@bash scripts/deps.sh $(DEPS_FLAGS)

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_COMMON)
	cmake --build $(BUILD) -j$(JOBS)

test: test-release test-asan

test-release: build
	ctest --test-dir $(BUILD) $(CTEST_FLAGS)

test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=$(ASAN_BUILD_TYPE) \
	      -DGOMEM_SANITIZE=$(SANITIZE) $(CMAKE_COMMON)
	cmake --build $(BUILD_ASAN) -j$(JOBS)
	ctest --test-dir $(BUILD_ASAN) $(CTEST_FLAGS)

bench: build
	@test -x $(BUILD)/gomem-bench || { echo "make bench: $(BUILD)/gomem-bench was not built" \
	  "(is GOMEM_BUILD_BENCH off in $(BUILD)/CMakeCache.txt?)" >&2; exit 1; }
	./$(BUILD)/gomem-bench run $(BENCH_ARGS)

install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

clean: deps
	rm -rf $(BUILD) $(BUILD_ASAN)
