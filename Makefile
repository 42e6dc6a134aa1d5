# bunryu — the one entry point: all check asan fuzz bench install clean deps
#
#   make            library (static + shared) and the bunryu command
#   make check      every test; ends with "N passed, N failed"
#   make asan       the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz       libFuzzer targets (clang)
#   make bench      the benchmark on ../shared/bench
#   make install PREFIX=/usr/local
#   make deps       install missing Debian packages (as root), else print the command

PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
PKGS     := lua5.4 libpcre2-8 libutf8proc
DEB_PKGS := liblua5.4-dev libpcre2-dev libutf8proc-dev pkg-config python3

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CWARNS  := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wundef -Wformat=2 -Wvla -Wpointer-arith
OPT     ?= -O2 -g
CFLAGS  ?=
CFLAGS  += -std=c11 $(OPT) $(CWARNS) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
           -fPIC -fvisibility=hidden -Iinclude -iquote core -iquote lua -iquote cli $(PKG_CFLAGS) \
           -DPCRE2_CODE_UNIT_WIDTH=8
LDLIBS  += $(PKG_LIBS) -lpthread -lm

LIB_SRC := $(wildcard core/*.c) $(wildcard lua/*.c)
CLI_SRC := $(wildcard cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

STATIC := $(BUILD)/libbunryu.a
SHARED := $(BUILD)/libbunryu.so
BIN    := $(BUILD)/bunryu
UNIT   := $(BUILD)/unit_tests

.PHONY: all check asan fuzz bench install uninstall clean deps
all: $(STATIC) $(SHARED) $(BIN)

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(SHARED): $(LIB_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BIN): $(CLI_OBJ) $(STATIC)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(STATIC) $(LDFLAGS) $(LDLIBS)

$(UNIT): $(UNIT_OBJ) $(STATIC)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $(UNIT_OBJ) $(STATIC) $(LDFLAGS) $(LDLIBS)

check: all $(UNIT)
	@BUILD=$(BUILD) CC="$(CC)" EMBED_FLAGS="$(LDFLAGS)" sh tests/run.sh

asan:
	$(MAKE) BUILD=build-asan CC=clang OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" check

FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
	  LDFLAGS="-fsanitize=address,undefined" fuzz-targets
fuzz-targets: $(STATIC) $(FUZZ_TARGETS)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(STATIC) $(LDFLAGS) $(LDLIBS)

bench: all
	@BUILD=$(BUILD) sh tests/bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/bunryu.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(STATIC) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(SHARED) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(shell sed -n 's/^#define BUNRYU_VERSION_STRING "\(.*\)"/\1/p' include/bunryu.h)|' \
	  bunryu.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/bunryu.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/bunryu.h $(DESTDIR)$(PREFIX)/lib/libbunryu.a \
	  $(DESTDIR)$(PREFIX)/lib/libbunryu.so $(DESTDIR)$(PREFIX)/bin/bunryu \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/bunryu.pc

deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "deps: all present"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "deps: missing$$missing; run: sudo apt-get install$$missing"; exit 1; fi

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)

# The main job on the bundled examples: classify examples/articles with the
# default rules and print one JSON record per article.
.PHONY: demo
demo: all
	$(BIN) classify -r rules examples/articles
