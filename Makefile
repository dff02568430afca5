# nadzor - supervision of the legality of detention.
# A plain Makefile: pkg-config for the libraries, Debian packages installed on demand.

PKGS_DEV  = libsqlite3-dev libevent-dev libxml2-dev libsodium-dev libnotify-dev libjansson-dev \
	libxslt1-dev libsystemd-dev pkg-config gcc make tzdata
# The desktop side of alerts is tested on a private bus, display and
# notification server (tests/notify-env); systemd for systemd-analyze verify
# of the unit (nothing is started).
PKGS_TEST = python3 sqlite3 procps faketime dbus dbus-daemon dbus-bin xvfb dunst \
	notification-daemon libnotify-bin libglib2.0-bin systemd
PKGS_BENCH = wrk nginx-light
LIBS      = sqlite3 libevent libevent_pthreads libxml-2.0 libsodium jansson
# Only the daemon talks to systemd (sd_notify, daemon/sdnotify.c): the
# client and the unit tests never link libsystemd.
DAEMON_PKGS = libsystemd
# The client alone shows alerts on the desktop: libnotify (and GLib with it)
# never reaches the daemon; nor do cairo and pango, which draw the client's PDF.
CLIENT_PKGS = libnotify libxslt pangocairo
# The PDF's libraries and msgfmt; the tests read PDFs with poppler, and the
# PDF's font must have the Kazakh letters.
PKGS_DEV  += libpango1.0-dev libcairo2-dev gettext
PKGS_TEST += poppler-utils fonts-dejavu-core

BUILD    ?= build
BIN      ?= bin
SANITIZE ?=

CC       ?= cc
OPT      ?= -O2
CFLAGS   += -std=c11 -Wall -Wextra -Werror -g $(OPT) -D_GNU_SOURCE -Iinclude -I$(BUILD)/gen
PKG_CFLAGS = $(shell pkg-config --cflags $(LIBS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(LIBS) 2>/dev/null) -lpthread
DAEMON_CFLAGS = $(shell pkg-config --cflags $(DAEMON_PKGS) 2>/dev/null)
DAEMON_LIBS   = $(shell pkg-config --libs $(DAEMON_PKGS) 2>/dev/null)
CLIENT_CFLAGS = $(shell pkg-config --cflags $(CLIENT_PKGS) 2>/dev/null)
CLIENT_LIBS   = $(shell pkg-config --libs $(CLIENT_PKGS) 2>/dev/null)
# The report words' gettext catalogues, compiled into the build; the client
# looks there unless NADZOR_LOCALEDIR says otherwise.
REPORT_LANGS  = ru kk en
REPORT_MOS    = $(REPORT_LANGS:%=$(BUILD)/locale/%/LC_MESSAGES/nadzor.mo)
CLIENT_CFLAGS += -DNADZOR_LOCALEDIR='"$(abspath $(BUILD))/locale"'
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# Modules both programs link: the client works on the database file directly
# for user and audit commands.
COMMON_SRCS = daemon/log.c daemon/record.c daemon/iin.c daemon/timefmt.c \
	daemon/store.c daemon/migrate.c daemon/user.c daemon/audit.c daemon/token.c \
	daemon/ingest.c daemon/rules.c daemon/tz.c daemon/calendar.c \
	daemon/deadline.c daemon/law.c daemon/obligation.c daemon/periodic.c \
	daemon/alert.c daemon/xmlsafe.c daemon/readfile.c
DAEMON_SRCS = daemon/nadzord.c daemon/server.c daemon/config.c daemon/json.c daemon/workq.c \
	daemon/writer.c daemon/http.c daemon/scheduler.c daemon/events.c \
	daemon/hook.c daemon/privdrop.c daemon/sdnotify.c \
	daemon/api-records.c daemon/api-health.c daemon/api-obligations.c \
	daemon/api-alerts.c daemon/api-reports.c daemon/report.c \
	daemon/report-figures.c \
	daemon/api-submissions.c daemon/submission.c daemon/listcache.c \
	daemon/oblist.c
CLIENT_SRCS = $(wildcard client/*.c)
GEN_SRCS    = $(BUILD)/gen/record-xsd.c

COMMON_OBJS = $(COMMON_SRCS:%.c=$(BUILD)/%.o) $(GEN_SRCS:%.c=%.o)
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
CLIENT_OBJS = $(CLIENT_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS   = $(wildcard tests/unit/test-*.c)
UNIT_BINS   = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BIN)/nadzord $(BIN)/nadzor $(UNIT_BINS)

all: $(REPORT_MOS)

$(BUILD)/locale/%/LC_MESSAGES/nadzor.mo: reports/po/%.po
	@mkdir -p $(@D)
	msgfmt --check -o $@ $<

$(BIN)/nadzord: $(DAEMON_OBJS) $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(DAEMON_LIBS)

# The daemon's own objects see the daemon-only packages' headers.
$(DAEMON_OBJS): PKG_CFLAGS += $(DAEMON_CFLAGS)

$(BIN)/nadzor: $(CLIENT_OBJS) $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CLIENT_LIBS)

$(BUILD)/tests/test-%: tests/unit/test-%.c tests/unit/unit.h $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON_OBJS) $(PKG_LIBS)

# The catalogue lookup is the client's: its unit test links that object too,
# and reads the catalogues the build made.
$(BUILD)/tests/test-i18n: tests/unit/test-i18n.c tests/unit/unit.h $(COMMON_OBJS) \
    $(BUILD)/client/i18n.o $(REPORT_MOS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/client/i18n.o \
	    $(COMMON_OBJS) $(PKG_LIBS)

# The obligation list's SQL is the daemon's: its unit test (the plans of
# the lists) links that object.
$(BUILD)/tests/test-oblist: tests/unit/test-oblist.c tests/unit/unit.h \
    $(COMMON_OBJS) $(BUILD)/daemon/oblist.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(BUILD)/daemon/oblist.o $(COMMON_OBJS) $(PKG_LIBS)

# The list cache is the daemon's: its unit test links that object.
$(BUILD)/tests/test-listcache: tests/unit/test-listcache.c tests/unit/unit.h \
    $(COMMON_OBJS) $(BUILD)/daemon/listcache.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(BUILD)/daemon/listcache.o $(COMMON_OBJS) $(PKG_LIBS)

$(BUILD)/%.o: %.c $(wildcard include/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# Client objects: the same, with libnotify's and GLib's headers.
$(BUILD)/client/%.o: client/%.c $(wildcard include/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CLIENT_CFLAGS) -c -o $@ $<

# The record schema is compiled into the programs: nadzord never depends on
# finding it at run time.
$(BUILD)/gen/record-xsd.c: daemon/record.xsd
	@mkdir -p $(@D)
	{ echo '#include <stddef.h>'; echo 'const unsigned char record_xsd[] = {'; \
	  od -An -v -tx1 $< | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00};'; echo 'const size_t record_xsd_len = sizeof(record_xsd) - 1;'; } > $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CFLAGS) -c -o $@ $<

# Install the Debian packages a target needs, only those missing.
deps:
	@sh tests/need-packages $(PKGS_DEV)
deps-test: deps
	@sh tests/need-packages $(PKGS_TEST)
deps-bench: deps-test
	@sh tests/need-packages $(PKGS_BENCH)

# The daemon on its embedded default: var/nadzor.db, rules/, 127.0.0.1:8470.
run: deps
	@$(MAKE) --no-print-directory all
	@sh tests/run-default $(BIN)

test: deps-test
	@$(MAKE) --no-print-directory all
	@NADZOR_BIN=$(BIN) NADZOR_BUILD=$(BUILD) sh tests/run

# The whole suite again with AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps-test
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin SANITIZE=1 OPT=-O1 all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    NADZOR_BIN=build/asan/bin NADZOR_BUILD=build/asan NADZOR_SANITIZED=1 sh tests/run

# The integration suite with every nadzord and nadzor under valgrind's
# memcheck: no invalid access, no definite or indirect leak.
test-valgrind: deps-test
	@sh tests/need-packages valgrind
	@$(MAKE) --no-print-directory BUILD=build/vg BIN=build/vg/bin OPT=-O1 all
	@NADZOR_VALGRIND=1 NADZOR_BIN=build/vg/bin NADZOR_BUILD=build/vg \
	    python3 tests/integration/run.py $(VALGRIND_TESTS)

bench: deps-bench
	@$(MAKE) --no-print-directory all $(BUILD)/tests/bench-baseline \
	    $(BUILD)/tests/bench-gen-reports
	@NADZOR_BIN=$(BIN) NADZOR_BUILD=$(BUILD) python3 tests/bench/bench.py
	@NADZOR_BIN=$(BIN) NADZOR_BUILD=$(BUILD) python3 tests/bench/engine.py
	@NADZOR_BIN=$(BIN) NADZOR_BUILD=$(BUILD) python3 tests/bench/reports.py
	@NADZOR_BIN=$(BIN) NADZOR_BUILD=$(BUILD) python3 tests/bench/api.py

# The writer's instructions per stored record under callgrind (about a
# minute); NADZOR_BIN_BASE=DIR compares another build's nadzord.
bench-writer: all
	@sh tests/need-packages valgrind
	@NADZOR_BIN=$(BIN) NADZOR_BUILD=$(BUILD) python3 tests/bench/writer-cost.py

$(BUILD)/tests/bench-baseline: tests/bench/baseline.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

$(BUILD)/tests/bench-gen-reports: tests/bench/gen-reports.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS) -lm

# make install [PREFIX=/usr/local] [DESTDIR=]: the programs in PREFIX/bin,
# rules/ and reports/ in PREFIX/share/nadzor, the report words' catalogues
# in PREFIX/share/locale (nadzor finds them beside its bin/), the systemd
# unit (its paths made PREFIX's) in PREFIX/lib/systemd/system.  Creates no
# user and starts nothing.  See README, "Running as a service".
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
DATADIR  = $(PREFIX)/share/nadzor
DOCDIR   = $(PREFIX)/share/doc/nadzor
UNITDIR ?= $(PREFIX)/lib/systemd/system

install: $(BIN)/nadzord $(BIN)/nadzor $(REPORT_MOS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BIN)/nadzord $(BIN)/nadzor $(DESTDIR)$(BINDIR)
	rm -rf $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(DATADIR)/reports
	cp -R rules reports $(DESTDIR)$(DATADIR)
	chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)
	for l in $(REPORT_LANGS); do install -D -m 0644 \
	    $(BUILD)/locale/$$l/LC_MESSAGES/nadzor.mo \
	    $(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES/nadzor.mo || exit 1; done
	sed -e 's|/usr/local/bin/|$(BINDIR)/|g' \
	    -e 's|/usr/local/share/nadzor/|$(DATADIR)/|g' \
	    -e 's|/usr/local/share/doc/nadzor/|$(DOCDIR)/|g' \
	    daemon/nadzord.service > $(DESTDIR)$(UNITDIR)/nadzord.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/nadzord.service

clean:
	rm -rf build bin

.PHONY: all deps deps-test deps-bench run test test-asan test-valgrind bench bench-writer \
	clean install

# libFuzzer targets (clang), each run for FUZZ_SECONDS on its corpus.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-std=c11 -D_GNU_SOURCE \
	-Iinclude -I$(BUILD)/gen $(PKG_CFLAGS)
FUZZ_TARGETS = record rules calendar http
FUZZ_LINK = daemon/record.c daemon/iin.c daemon/timefmt.c daemon/log.c \
	daemon/rules.c daemon/tz.c daemon/calendar.c daemon/xmlsafe.c daemon/readfile.c \
	$(BUILD)/gen/record-xsd.c
# The HTTP target runs the whole daemon in-process: all of it but main().
FUZZ_LINK_http = $(filter-out daemon/nadzord.c,$(DAEMON_SRCS)) $(COMMON_SRCS) \
	$(GEN_SRCS)
FUZZ_LIBS_http = $(DAEMON_LIBS)
FUZZ_BINS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)
fuzz: deps $(BUILD)/gen/record-xsd.c
	@sh tests/need-packages clang libclang-rt-14-dev
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus-$$t; \
	    dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	    $(BUILD)/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) $$dict \
	        $(BUILD)/fuzz/corpus-$$t tests/fuzz/corpus-$$t || exit 1; \
	done

# Each target links FUZZ_LINK_name if it has one, else FUZZ_LINK, and
# FUZZ_LIBS_name besides the common libraries.
$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(wildcard daemon/*.c include/*.h) \
    $(BUILD)/gen/record-xsd.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(DAEMON_CFLAGS) -o $@ $< \
	    $(or $(FUZZ_LINK_$*),$(FUZZ_LINK)) $(PKG_LIBS) $(FUZZ_LIBS_$*)

.PHONY: fuzz
