# crmsync - one non-recursive GNU Makefile (STYLE.md 2.11).
#
#   make            build ./crmsync (build/)
#   make check      install missing packages, build with -Werror, run every test
#   make asan       ASan+UBSan build in build-asan/, full test run
#   make valgrind   -O0 build in build-vg/, unit tests under valgrind
#   make fuzz       libFuzzer targets (tests/fuzz/fuzz_*.c) in build-fuzz/fuzz/
#   make fuzz-smoke those targets, FUZZ_SECONDS each on a copy of their corpus,
#                   plus a replay of the corpus and the regression inputs
#   make demo       install missing packages, build, run the demo
#   make format / format-check / check-symbols / banned / clean

PKGS := libetpan libcurl libical sqlite3 libxml-2.0 gnutls libidn2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Debian's libetpan.pc leaks a dpkg -specs= flag that forces a non-PIE link.
PKG_LIBS := $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS) 2>/dev/null))

CC ?= cc
BUILD ?= build
OPT ?= -O2 -g
WERROR ?= 1
WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wformat=2 -Wcast-qual -Wvla -Wundef -Wwrite-strings \
	-Wpointer-arith -Wimplicit-fallthrough -fno-common
ifeq ($(shell $(CC) -v 2>&1 | grep -c 'gcc version'),1)
WARN += -Wformat-signedness
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif
SAN ?=
CFLAGS_ALL := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) $(SAN) \
	-I. $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL := $(SAN) $(LDFLAGS)
LIBS := $(PKG_LIBS) -lm

LIB_DIRS := core parsers store match sync reports cli
LIB_SRC := $(filter-out cli/main.c,$(wildcard $(addsuffix /*.c,$(LIB_DIRS))))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/cli/main.o
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Small programs the integration tests drive (protocol probes and the like).
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
LIBA := $(BUILD)/libcrmsync.a
# libFuzzer targets; the library objects get -fsanitize=fuzzer-no-link from
# FUZZ_SAN, each target's link adds the fuzzer's main().
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_SECONDS ?= 4

.PHONY: all check test unit asan valgrind fuzz fuzz-targets fuzz-smoke demo bench format \
	format-check check-symbols banned clean deps

all: crmsync

crmsync: $(BUILD)/crmsync
	@if [ "$(BUILD)" = build ]; then cp $(BUILD)/crmsync crmsync; fi

$(BUILD)/crmsync: $(MAIN_OBJ) $(LIBA)
	$(CC) $(LDFLAGS_ALL) -o $@ $(MAIN_OBJ) $(LIBA) $(LIBS)

# rm first, so an object whose source was deleted does not survive in the archive.
$(LIBA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIBA) $(LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIBA) $(LIBS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(LIBA) $(LIBS)

deps:
	@sh scripts/deps.sh

# The binaries a test run needs, without the dependency check.
unit: $(BUILD)/crmsync $(TEST_BIN) $(TOOL_BIN)

test: unit
	@CRMSYNC_BIN=$(BUILD)/crmsync TEST_BIN_DIR=$(BUILD)/tests TOOL_BIN_DIR=$(BUILD)/tools \
		VALGRIND="$(VALGRIND)" \
		sh tests/run-all.sh

check: deps
	@$(MAKE) --no-print-directory test

asan: deps
	@$(MAKE) --no-print-directory test BUILD=build-asan CC=clang OPT="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

valgrind: deps
	@$(MAKE) --no-print-directory test BUILD=build-vg OPT="-O0 -g" \
		VALGRIND="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --suppressions=$(CURDIR)/tests/valgrind.supp"

fuzz:
	@$(MAKE) --no-print-directory fuzz-targets BUILD=build-fuzz CC=clang OPT="-O1 -g" \
		SAN="$(FUZZ_SAN)"

fuzz-targets: $(FUZZ_BIN)

fuzz-smoke: fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/smoke.sh build-fuzz/fuzz

demo:
	@sh scripts/deps.sh demo
	@$(MAKE) --no-print-directory $(BUILD)/crmsync
	@sh scripts/demo.sh $(BUILD)/crmsync

bench:
	@sh scripts/deps.sh isync vdirsyncer
	@$(MAKE) --no-print-directory $(BUILD)/crmsync $(BUILD)/tools/imap_floor \
		$(BUILD)/tests/test_report_activity
	@sh scripts/bench.sh $(BUILD)/crmsync $(BUILD)/tools/imap_floor \
		$(BUILD)/tests/test_report_activity

SRC_ALL := $(wildcard $(addsuffix /*.[ch],$(LIB_DIRS)) tests/unit/*.[ch] tests/tools/*.[ch] \
	tests/fuzz/*.[ch])
format:
	clang-format -i $(SRC_ALL)

format-check:
	clang-format --dry-run -Werror $(SRC_ALL)

# Our exported symbols must not collide with anything the libraries export.
check-symbols: $(LIBA)
	@sh scripts/check-symbols.sh $(LIBA)

banned:
	@! grep -nE '\b(strcpy|strcat|v?sprintf|gets|strtok|atoi|atol|strncpy|sscanf)[[:space:]]*\(' \
		$(wildcard $(addsuffix /*.c,$(LIB_DIRS))) cli/main.c

clean:
	rm -rf build build-asan build-vg build-fuzz crmsync

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
