# civseal — build, set up, test.  See README.md.
#
#   make            build build/bin/civseal{,-signd,-verifyd,-tsad} and
#                   the unit tests (no root, no package installs)
#   make deps       install the Debian packages (root)
#   make check      deps, build, set up the dev token/PKI, run every test
#   make dev        development SoftHSM2 token + PKI + config under var/dev/
#   make run        deps, build, dev, start the services on loopback, show them
#   make bench      benchmarks (ratios to the raw HSM and crypto limits)
#   make install    PREFIX=/usr/local DESTDIR=
#   make fmt        clang-format the C sources in place
#   SANITIZE=1      address + undefined behaviour sanitizers
#   PROFILE=1       keep frame pointers (perf --call-graph fp)
#   WERROR=         build without -Werror (packagers); CFLAGS/LDFLAGS are yours

CC       ?= gcc
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    := build

# Targets that need the Debian packages installed first (as root).  A plain
# `make` never installs anything: it says which library is missing.
DEPS_GOALS := deps check run dev bench
ifneq ($(filter $(DEPS_GOALS),$(MAKECMDGOALS)),)
ifneq ($(CIVSEAL_DEPS_CHECKED),1)
DEPS_STATUS := $(shell scripts/install-deps.sh --ensure >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error scripts/install-deps.sh failed; run it as root to install the Debian packages)
endif
export CIVSEAL_DEPS_CHECKED := 1
endif
endif

# The libraries each folder may use (pkg-config names).  A binary links the
# union for the folders on its link line, and nothing else.
PKG_core     := libxml-2.0 jansson libutf8proc openssl
PKG_store    := sqlite3
PKG_pkcs11   := libp11 p11-kit-1 openssl
PKG_signer   := xmlsec1-openssl
PKG_verifier := xmlsec1-openssl
PKG_render   := libxslt libqrencode cairo pangocairo fontconfig
PKG_service  := libmicrohttpd xmlsec1-openssl
PKG_tsa      := libcurl openssl
PKG_tsad     :=
PKG_signd    :=
PKG_verifyd  :=
PKG_cli      := zbar xmlsec1-openssl

# The folders (libraries) each program links, dependents first.  This is the
# layering: a call into a folder that is not on a program's line fails to
# link, and scripts/check-layers.sh refuses an #include across the rules.
LINK_civseal         := cli signer verifier render store tsa pkcs11 core
LINK_civseal-signd   := signd service signer render store pkcs11 core
LINK_civseal-verifyd := verifyd service verifier store core
LINK_civseal-tsad    := tsad service tsa pkcs11 core
MAIN_civseal         := cli/civseal_main.c
MAIN_civseal-signd   := signd/signd_main.c
MAIN_civseal-verifyd := verifyd/verifyd_main.c
MAIN_civseal-tsad    := tsad/tsad_main.c

LIBDIRS  := core store pkcs11 tsa signer verifier render service signd verifyd tsad cli
PROGRAMS := civseal civseal-signd civseal-verifyd civseal-tsad
PKGS_ALL := $(sort $(foreach d,$(LIBDIRS),$(PKG_$(d))))

pkgs_of   = $(sort $(foreach d,$(1),$(PKG_$(d))))
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS_ALL) 2>/dev/null)
ifeq ($(filter deps clean distclean help fmt,$(MAKECMDGOALS)),)
ifneq ($(shell pkg-config --exists $(PKGS_ALL) 2>/dev/null && echo ok),ok)
$(error missing libraries: $(shell for p in $(PKGS_ALL); do pkg-config --exists $$p || printf '%s ' $$p; done)— run `make deps` as root (or scripts/install-deps.sh))
endif
endif

WERROR  ?= -Werror
CFLAGS  ?= -O2 -g
CS_CFLAGS := -std=c17 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-Wall -Wextra -Wpedantic -Wshadow -Wformat=2 $(WERROR) \
	-I. $(PKG_CFLAGS) -MMD -MP
CS_LDLIBS := -lpthread -ldl -lm

ifeq ($(SANITIZE),1)
CS_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
endif
ifeq ($(PROFILE),1)
CS_CFLAGS += -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
endif

ALL_CFLAGS = $(CS_CFLAGS) $(CPPFLAGS) $(CFLAGS)

# Each folder is one archive; files named *_main.c are programs.
lib_srcs  = $(filter-out %_main.c,$(wildcard $(1)/*.c))
$(foreach d,$(LIBDIRS),$(eval OBJ_$(d) := $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,$(d)))))
$(foreach d,$(LIBDIRS),$(eval LIB_$(d) := $(BUILD)/lib/libcs$(d).a))
libs_of  = $(foreach d,$(1),$(LIB_$(d)))
LIBS_ALL := $(call libs_of,cli signd verifyd tsad service signer verifier render store tsa pkcs11 core)

BINS := $(patsubst %,$(BUILD)/bin/%,$(PROGRAMS))

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

.PHONY: all deps check dev run bench install clean distclean fmt fmt-check help layers
all: $(BINS) $(UNIT_BINS) $(FAULTP11) $(BUILD)/.layers-ok

help:
	@sed -n '2,15p' Makefile

deps:
	scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

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

define mkprog
$(BUILD)/bin/$(1): $(BUILD)/obj/$(patsubst %.c,%.o,$(MAIN_$(1))) $$(call libs_of,$(LINK_$(1)))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$< $$(call libs_of,$(LINK_$(1))) \
	    $$(shell pkg-config --libs $$(call pkgs_of,$(LINK_$(1)))) $$(CS_LDLIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call mkprog,$(p))))

# The include rules of the layering (who may include whom).
$(BUILD)/.layers-ok: scripts/check-layers.sh $(wildcard */*.c */*.h)
	@mkdir -p $(dir $@)
	scripts/check-layers.sh
	@touch $@
layers:
	scripts/check-layers.sh

TEST_LIBS = $(LIBS_ALL) $(shell pkg-config --libs $(PKGS_ALL)) $(CS_LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIBS) -lcmocka

$(FAULTP11): $(FAULTP11_SRCS) pkcs11/ckr.h
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fsanitize% -fno-sanitize% -MMD -MP,$(ALL_CFLAGS)) \
	    -fPIC -shared -fvisibility=hidden -Wl,-z,nodelete -o $@ $(FAULTP11_SRCS) \
	    $(FAULTP11_LIBS) -lpthread -ldl

$(BUILD)/bench/%: tests/bench/%.c $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIBS)

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

FMT_SRCS = $(wildcard $(addsuffix /*.c,$(LIBDIRS)) $(addsuffix /*.h,$(LIBDIRS)) tests/unit/*.c tests/bench/*.c)
fmt:
	clang-format -i $(FMT_SRCS)
fmt-check:
	clang-format --dry-run --Werror $(FMT_SRCS)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf var

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
