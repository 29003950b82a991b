# privfw — plain Makefile. `make`, `make check`, `make install DESTDIR=… PREFIX=…`.

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/privfw
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CC ?= cc
B ?= build
WERROR ?= 1
SANITIZE ?= 0
FUZZ_SECONDS ?= 60
SOAK_SECONDS ?= 600
BENCH_SECONDS ?= 5

PKGS := libnetfilter_queue libmnl libconfig jansson libseccomp libhs zlib nettle
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wpointer-arith -Wno-unused-parameter \
	-fstack-protector-strong -fno-strict-aliasing -MMD -MP \
	-Idaemon -Idaemon/inspect -Iproto $(shell $(PKG_CONFIG) --cflags $(PKGS))
CPPFLAGS += -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 \
	-DSYSCONFDIR='"$(SYSCONFDIR)"' -DLIBEXECDIR='"$(LIBEXECDIR)"'
LDFLAGS += -Wl,-z,relro,-z,now
LDLIBS += $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm
# privfwd scans with Vectorscan's runtime alone (no compiler, no C++ runtime): privfw-compile
# builds its database. Where the runtime library is missing, the full one serves.
HS_LIBDIR := $(shell $(PKG_CONFIG) --variable=libdir libhs)
HS_RUNTIME := $(if $(wildcard $(HS_LIBDIR)/libhs_runtime.so),-lhs_runtime,-lhs)
DAEMON_LDLIBS := $(shell $(PKG_CONFIG) --libs $(filter-out libhs,$(PKGS))) $(HS_RUNTIME) -lm
ifeq ($(WERROR),1)
CFLAGS += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
CPPFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(CPPFLAGS))
endif

ifneq ($(V),1)
Q = @
quiet = @printf '  %-6s %s\n' $(1) $(2);
endif

# Everything of the daemon but main() goes in a library the unit tests link against.
LIB_SRCS := $(filter-out daemon/main.c daemon/compiler.c,$(wildcard daemon/*.c daemon/inspect/*.c)) \
	$(wildcard proto/*.c)
DAEMON_SRCS := daemon/main.c
COMPILER_SRCS := daemon/compiler.c
CTL_SRCS := ctl/privfwctl.c proto/varlink.c
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))

LIB_OBJS := $(patsubst %.c,$(B)/%.o,$(LIB_SRCS))
DAEMON_OBJS := $(patsubst %.c,$(B)/%.o,$(DAEMON_SRCS))
COMPILER_OBJS := $(patsubst %.c,$(B)/%.o,$(COMPILER_SRCS))
CTL_OBJS := $(patsubst %.c,$(B)/%.o,$(CTL_SRCS))

all: $(B)/privfwd $(B)/privfw-compile $(B)/privfwctl

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libprivfwd.a: $(LIB_OBJS)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(B)/privfwd: $(DAEMON_OBJS) $(B)/libprivfwd.a
	$(call quiet,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DAEMON_LDLIBS)

$(B)/privfw-compile: $(COMPILER_OBJS) $(B)/libprivfwd.a
	$(call quiet,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/privfwctl: $(CTL_OBJS)
	$(call quiet,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(shell $(PKG_CONFIG) --libs jansson)

$(B)/tests/test_%: tests/unit/test_%.c $(B)/libprivfwd.a
	@mkdir -p $(dir $@)
	$(call quiet,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(B)/libprivfwd.a $(LDLIBS) -lcunit

unit-build: $(UNIT_BINS)

# Test tiers; each runs alone. `make check` installs what the tests need, then runs them all
# against an ASan+UBSan build.
check:
	$(Q)scripts/deps.sh test
	$(Q)$(MAKE) --no-print-directory B=build/asan SANITIZE=1 all unit-build
	$(Q)$(MAKE) --no-print-directory B=build/plain all
	$(Q)PLAIN_B=build/plain tests/run.sh build/asan

unit: unit-build
	$(Q)tests/run.sh $(B) unit

e2e: all
	$(Q)tests/run.sh $(B) e2e

# Sets up and runs the firewall in the foreground (root): see scripts/run.sh.
run:
	$(Q)scripts/run.sh

# Longer runs, not part of `make check`: 1000 rounds of the fault tests; a soak with RSS and fd
# sampling (SOAK_SECONDS, default 600).
stress: all
	$(Q)STRESS=1 ROUNDS=1000 tests/run.sh $(B) e2e

soak: all
	$(Q)SOAK_SECONDS=$(SOAK_SECONDS) sh tests/soak/soak.sh $(B)

# Benchmarks: no firewall, OpenSnitch and privfwd in one run, reported as ratios (BENCH_SECONDS).
bench: all
	$(Q)scripts/deps.sh bench
	$(Q)BENCH_SECONDS=$(BENCH_SECONDS) sh bench/bench.sh $(B)

# Detection quality over a generated, labelled corpus: recall and precision per type, encoding
# and carrier, and flow-level F1 (privfwd --replay).
eval: all
	$(Q)scripts/deps.sh test
	$(Q)/usr/bin/python3 tests/corpus/gen.py $(B)/corpus
	$(Q)/usr/bin/python3 tests/corpus/eval.py --privfwd $(B)/privfwd $(B)/corpus

# Inspection throughput against memcpy, database compile time, instructions per byte.
bench-scan: all
	$(Q)scripts/deps.sh test
	$(Q)sh bench/scan.sh $(B)

# libFuzzer targets: `make fuzz FUZZ_SECONDS=N` runs each for N seconds.
fuzz:
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh fuzz

lint-man:
	$(Q)mandoc -Tlint -W warning man/*.[0-9]

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/privfw \
		$(DESTDIR)$(UNITDIR)
	install -m 0755 $(B)/privfwd $(DESTDIR)$(SBINDIR)/privfwd
	install -m 0755 $(B)/privfwctl $(DESTDIR)$(BINDIR)/privfwctl
	install -m 0755 scripts/privfw-rules $(DESTDIR)$(LIBEXECDIR)/privfw-rules
	install -m 0755 $(B)/privfw-compile $(DESTDIR)$(LIBEXECDIR)/privfw-compile
	install -m 0644 man/privfwd.8 man/privfwctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/privfw.conf.5 $(DESTDIR)$(MANDIR)/man5/
	# privfw-safe-mode.service is not enabled: privfwd.service starts it through OnFailure=.
	for u in privfwd privfw-safe-mode; do \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
			-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' systemd/$$u.service.in > $(DESTDIR)$(UNITDIR)/$$u.service && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.service || exit 1; \
	done
	test -e $(DESTDIR)$(SYSCONFDIR)/privfw/privfw.conf || \
		install -m 0644 policy/privfw.conf $(DESTDIR)$(SYSCONFDIR)/privfw/privfw.conf
	install -m 0644 policy/policy.conf $(DESTDIR)$(SYSCONFDIR)/privfw/policy.conf
	@if [ -z "$(DESTDIR)" ]; then scripts/privfw-user.sh; fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/privfwd $(DESTDIR)$(BINDIR)/privfwctl \
		$(DESTDIR)$(LIBEXECDIR)/privfw-rules $(DESTDIR)$(LIBEXECDIR)/privfw-compile $(DESTDIR)$(MANDIR)/man8/privfwd.8 \
		$(DESTDIR)$(MANDIR)/man8/privfwctl.8 $(DESTDIR)$(MANDIR)/man5/privfw.conf.5 \
		$(DESTDIR)$(UNITDIR)/privfwd.service $(DESTDIR)$(UNITDIR)/privfw-safe-mode.service

clean:
	rm -rf build

.PHONY: eval bench-scan all run check fuzz stress soak bench unit unit-build e2e lint-man install uninstall clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)
