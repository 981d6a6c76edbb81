# civseal — build, set up, test.  See README.md.
#
#   make            build build/bin/{civseal,civseal-signd,civseal-verifyd}
#   make check      install deps, build, set up the dev token/PKI, run every test
#   make dev        development SoftHSM2 token + PKI + config under var/dev/
#   make run        build, dev, start the services on loopback, show how to use them
#   make bench      benchmarks (ratios to the raw HSM limit)
#   make install    PREFIX=/usr/local DESTDIR=
#   SANITIZE=1      address + undefined behaviour sanitizers

CC       ?= gcc
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    := build

PKGS := libxml-2.0 libxslt xmlsec1-openssl libp11 jansson libutf8proc \
	sqlite3 libmicrohttpd libqrencode openssl p11-kit-1 zbar cairo pangocairo fontconfig

# Dependencies first: nothing below works without the Debian packages.
ifeq ($(filter deps clean distclean help,$(MAKECMDGOALS)),)
ifneq ($(CIVSEAL_DEPS_CHECKED),1)
DEPS_STATUS := $(shell scripts/install-deps.sh --ensure >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error scripts/install-deps.sh failed; run it as root to install the Debian packages)
endif
export CIVSEAL_DEPS_CHECKED := 1
endif
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Werror \
	-I. $(PKG_CFLAGS) -MMD -MP
LDLIBS  += $(PKG_LIBS) -lpthread -ldl -lm

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# Each folder is one library; files named *_main.c are programs.
LIBDIRS  := core pkcs11 signer verifier cli
lib_srcs  = $(filter-out %_main.c,$(wildcard $(1)/*.c))
OBJ_core     := $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,core))
OBJ_pkcs11   := $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,pkcs11))
OBJ_signer   := $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,signer))
OBJ_verifier := $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,verifier))
OBJ_cli      := $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,cli))

LIB_core     := $(BUILD)/lib/libcscore.a
LIB_pkcs11   := $(BUILD)/lib/libcspkcs11.a
LIB_signer   := $(BUILD)/lib/libcssigner.a
LIB_verifier := $(BUILD)/lib/libcsverifier.a
LIB_cli      := $(BUILD)/lib/libcscli.a
# Link order: dependents before dependencies.
LIBS_ALL := $(LIB_cli) $(LIB_signer) $(LIB_verifier) $(LIB_pkcs11) $(LIB_core)

BINS := $(BUILD)/bin/civseal
ifneq ($(wildcard signer/signd_main.c),)
BINS += $(BUILD)/bin/civseal-signd
endif
ifneq ($(wildcard verifier/verifyd_main.c),)
BINS += $(BUILD)/bin/civseal-verifyd
endif

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

# tests/faultp11: a PKCS#11 module that forwards to SoftHSM2 and injects
# faults for the tests.  Built without sanitizers even under SANITIZE=1: it
# is also loaded by programs built without them (pkcs11-tool), and an
# ASan-instrumented module cannot be loaded there.  -z nodelete: its rules
# and counts outlive a client that unloads and reloads it (a reconnect).
FAULTP11 := $(BUILD)/tests/libfaultp11.so
FAULTP11_SRCS := tests/faultp11/faultp11.c pkcs11/ckr.c
FAULTP11_LIBS := $(shell pkg-config --libs libp11 libcrypto 2>/dev/null)

.PHONY: all deps check dev run bench install clean distclean fmt help
all: $(BINS) $(UNIT_BINS) $(FAULTP11)

help:
	@sed -n '2,11p' Makefile

deps:
	scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

define mklib
$$(LIB_$(1)): $$(OBJ_$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	$$(AR) rcs $$@ $$(OBJ_$(1)) $$(if $$(OBJ_$(1)),,$(BUILD)/obj/empty.o)
endef
$(foreach d,$(LIBDIRS),$(eval $(call mklib,$(d))))

# An archive may be empty while a folder has no code yet.
$(BUILD)/obj/empty.o:
	@mkdir -p $(dir $@)
	echo 'typedef int cs_empty_unit;' | $(CC) -x c -c -o $@ -
$(LIBS_ALL): | $(BUILD)/obj/empty.o

$(BUILD)/bin/civseal: $(BUILD)/obj/cli/civseal_main.o $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS_ALL) $(LDLIBS)

$(BUILD)/bin/civseal-signd: $(BUILD)/obj/signer/signd_main.o $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS_ALL) $(LDLIBS)

$(BUILD)/bin/civseal-verifyd: $(BUILD)/obj/verifier/verifyd_main.o $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS_ALL) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS_ALL) $(LDLIBS) -lcmocka

$(FAULTP11): $(FAULTP11_SRCS) pkcs11/ckr.h
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fsanitize% -fno-sanitize% -MMD -MP,$(CFLAGS)) \
	    -fPIC -shared -fvisibility=hidden -Wl,-z,nodelete -o $@ $(FAULTP11_SRCS) \
	    $(FAULTP11_LIBS) -lpthread -ldl

$(BUILD)/bench/%: tests/bench/%.c $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS_ALL) $(LDLIBS)

dev: $(BINS)
	certs/dev-setup.sh
	certs/dev-clients.sh

check: all dev
	tests/run.sh

run: all dev
	scripts/run-dev.sh

bench: all dev $(BUILD)/bench/bench_p11 $(BUILD)/bench/bench_issue
	tests/bench/run.sh

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/civseal/templates
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	cp -R templates/. $(DESTDIR)$(PREFIX)/share/civseal/templates/

fmt:
	clang-format -i $(wildcard */*.c */*.h tests/unit/*.c)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf var

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
