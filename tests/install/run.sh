#!/usr/bin/env bash
# tests/install/run.sh — the ctest test `install`: does an installed gomem
# work the way README.md says it does?
#
# 1. Install the build into a temporary prefix (cmake --install --prefix) and
#    check the file list: the header, both libraries, gomem.pc and the CMake
#    package, and nothing else (no gomem_internal, no test binaries).
# 2. Take the example program, the consumer CMakeLists.txt and the expected
#    output from README.md, between their marker comments, so that the README
#    and this test cannot drift apart.
# 3. Build the example with `cc ... $(pkg-config --cflags --libs gomem)` and
#    with find_package(gomem) (gomem::gomem, and gomem::gomem_static added by
#    this test); run each and compare its output with the README's.
# 4. Check that DESTDIR stages an install under its root.
#
# Usage: run.sh BUILD_DIR README LIBDIR
# Environment (set by tests/CMakeLists.txt): CC, CMAKE, PKG_CONFIG, and
# GOMEM_TEST_FLAGS, extra compile-and-link flags (the sanitizer flags in a
# sanitizer build, whose installed library needs their runtime).
set -euo pipefail

build_dir=$1
readme=$2
libdir=$3
: "${CC:=cc}" "${CMAKE:=cmake}" "${PKG_CONFIG:=pkg-config}"
read -r -a flags <<<"${GOMEM_TEST_FLAGS:-}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gomem-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

fail() {
	echo "install test: FAIL: $*" >&2
	exit 1
}
step() { echo "== $*"; }

# Print the lines of $readme between <!-- $1:begin --> and <!-- $1:end -->,
# leaving out the Markdown code fences.
from_readme() {
	local text
	text=$(awk -v b="<!-- $1:begin -->" -v e="<!-- $1:end -->" '
		$0 == e { inside = 0 }
		inside && !/^```/ { print }
		$0 == b { inside = 1; found = 1 }
		END { exit !found }' "$readme") || fail "README.md has no '<!-- $1:begin -->' marker"
	[[ -n "$text" ]] || fail "README.md's $1 block is empty"
	printf '%s\n' "$text"
}

step "install into $prefix"
"$CMAKE" --install "$build_dir" --prefix "$prefix" >"$tmp/install.log" ||
	{ cat "$tmp/install.log"; fail "cmake --install failed"; }
expected=$(printf '%s\n' \
	include/gomem.h \
	"$libdir/cmake/gomem/gomemConfig.cmake" \
	"$libdir/cmake/gomem/gomemConfigVersion.cmake" \
	"$libdir/cmake/gomem/gomemTargets.cmake" \
	"$libdir/libgomem.a" \
	"$libdir/libgomem.so" \
	"$libdir/libgomem.so.0" \
	"$libdir/pkgconfig/gomem.pc" | sort)
# gomemTargets-<config>.cmake and the fully versioned .so vary by build.
actual=$(cd "$prefix" && find . \( -type f -o -type l \) | sed 's|^\./||' |
	grep -Ev '/gomemTargets-[a-z]+\.cmake$|/libgomem\.so\.[0-9]+\.[0-9]+\.[0-9]+$' | sort)
[[ "$actual" == "$expected" ]] ||
	fail "installed files differ from the expected list:
$(diff <(echo "$expected") <(echo "$actual") || true)"
ls "$prefix/$libdir"/libgomem.so.*.*.* >/dev/null 2>&1 || fail "no versioned libgomem.so.X.Y.Z"

mkdir "$tmp/src"
from_readme example >"$tmp/src/example.c"
from_readme cmake >"$tmp/src/CMakeLists.txt"
from_readme output >"$tmp/expected.txt"

# Run $1 and compare what it prints with the README's output block.
check_run() {
	local exe=$1 rc=0
	LD_LIBRARY_PATH="$prefix/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
		"$exe" >"$tmp/out.txt" 2>"$tmp/err.txt" || rc=$?
	((rc == 0)) || { cat "$tmp/out.txt" "$tmp/err.txt"; fail "$exe exited with status $rc"; }
	diff -u "$tmp/expected.txt" "$tmp/out.txt" ||
		{ cat "$tmp/err.txt"; fail "$exe printed something else than README.md says"; }
	echo "   $(basename "$exe"): output as in README.md"
}

step "pkg-config: cc -o example example.c \$(pkg-config --cflags --libs gomem)"
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
pc_flags=$("$PKG_CONFIG" --cflags --libs gomem) || fail "pkg-config does not find gomem"
# shellcheck disable=SC2086 # the pkg-config output is meant to be split
(cd "$tmp/src" && "$CC" "${flags[@]}" -o example example.c $pc_flags) ||
	fail "the README example does not compile with pkg-config ($pc_flags)"
[[ "$(readelf -d "$tmp/src/example")" == *"(NEEDED)"*"[libgomem.so.0]"* ]] ||
	fail "the pkg-config build does not link libgomem.so.0"
check_run "$tmp/src/example"

step "CMake: find_package(gomem), gomem::gomem and gomem::gomem_static"
cat >>"$tmp/src/CMakeLists.txt" <<'EOF'
# added by tests/install/run.sh: the static library's target as well
add_executable(example_static example.c)
target_link_libraries(example_static PRIVATE gomem::gomem_static)
EOF
"$CMAKE" -S "$tmp/src" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="${flags[*]}" \
	-DCMAKE_EXE_LINKER_FLAGS="${flags[*]}" >"$tmp/cmake.log" 2>&1 ||
	{ cat "$tmp/cmake.log"; fail "configuring the README's CMake project failed"; }
found=$(sed -n 's/^gomem_DIR:PATH=//p' "$tmp/cmake-build/CMakeCache.txt")
[[ "$found" == "$prefix/"* ]] || fail "find_package(gomem) found '$found', not the temporary prefix"
"$CMAKE" --build "$tmp/cmake-build" >"$tmp/build.log" 2>&1 ||
	{ cat "$tmp/build.log"; fail "building the README's CMake project failed"; }
[[ "$(readelf -d "$tmp/cmake-build/example_static")" != *"[libgomem.so"* ]] ||
	fail "example_static needs libgomem.so: gomem::gomem_static is not the static library"
check_run "$tmp/cmake-build/example"
check_run "$tmp/cmake-build/example_static"

step "DESTDIR stages the install"
DESTDIR="$tmp/stage" "$CMAKE" --install "$build_dir" --prefix /opt/gomem >/dev/null
[[ -f "$tmp/stage/opt/gomem/include/gomem.h" && -f "$tmp/stage/opt/gomem/$libdir/pkgconfig/gomem.pc" ]] ||
	fail "DESTDIR=$tmp/stage did not stage under $tmp/stage/opt/gomem"

echo "install test: passed"
