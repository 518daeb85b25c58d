# wasmstore: one core library (lib/) and three thin front ends over it:
# the CLI (tools/), the HTTP daemon (daemon/) and the FUSE mount (fs/).
#
#   make            build everything into $(OUT)
#   make test       build, then run unit and shell tests (TAP, summary line)
#   make SAN=1 test the same under AddressSanitizer/UBSan (into build-san/)
#   make bench      benchmarks against same-run references (bench/)
#   make install    install binaries and man pages under $(PREFIX)

PREFIX ?= /usr/local
CC ?= cc
CXX ?= c++

ifeq ($(SAN),1)
OUT ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT = -O1 -g
else
OUT ?= build
SANFLAGS =
OPT = -O2 -g
endif

PKGS = libgit2 fuse3 libmicrohttpd libcjson openssl zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))

WARN = -Wall -Wextra -Werror
CPPFLAGS += -Iinclude -Ilib -D_GNU_SOURCE -DFUSE_USE_VERSION=314
CFLAGS += -std=c11 $(WARN) $(OPT) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
CXXFLAGS += -std=c++17 $(WARN) $(OPT) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS += $(PKG_LIBS) -lwabt -lwslay -lpthread

LIB_SRC := $(wildcard lib/*.c)
LIB_CXX := $(wildcard lib/*.cc)
DAEMON_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
TOOLS_SRC := $(wildcard tools/*.c)
FS_SRC := $(wildcard fs/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRC))

obj = $(patsubst %.c,$(OUT)/%.o,$(patsubst %.cc,$(OUT)/%.o,$(1)))

LIB_A := $(OUT)/libwasmstore.a
DAEMON_A := $(OUT)/libwasmstore-daemon.a
BINS := $(OUT)/wasmstore $(OUT)/wasmstore-server $(OUT)/wasmstore-fs
UNIT := $(OUT)/unit-tests

all: $(BINS)

$(LIB_A): $(call obj,$(LIB_SRC) $(LIB_CXX))
	ar rcs $@ $^

$(DAEMON_A): $(call obj,$(DAEMON_SRC))
	ar rcs $@ $^

$(OUT)/wasmstore: $(call obj,$(TOOLS_SRC)) $(DAEMON_A) $(LIB_A)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/wasmstore-server: $(call obj,daemon/main.c) $(DAEMON_A) $(LIB_A)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/wasmstore-fs: $(call obj,$(FS_SRC)) $(LIB_A)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT): $(call obj,$(UNIT_SRC)) $(LIB_A)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/bench/%: $(OUT)/bench/%.o $(LIB_A)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OUT)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

test: all $(UNIT)
	WS_BUILD=$(abspath $(OUT)) tests/run-tests

bench: all $(BENCH_BINS)
	WS_BUILD=$(abspath $(OUT)) bench/run-bench

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	-install -m644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/ 2>/dev/null

clean:
	rm -rf build build-san

.PHONY: all test bench install clean
-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
