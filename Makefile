# nadzor - supervision of the legality of detention.
# A plain Makefile: pkg-config for the libraries, Debian packages installed on demand.

PKGS_DEV  = libsqlite3-dev libevent-dev libxml2-dev libsodium-dev libnotify-dev libjansson-dev \
	libxslt1-dev pkg-config gcc make tzdata
# The desktop side of alerts is tested on a private bus, display and
# notification server (tests/notify-env).
PKGS_TEST = python3 sqlite3 procps faketime dbus dbus-daemon dbus-bin xvfb dunst \
	notification-daemon libnotify-bin libglib2.0-bin
PKGS_BENCH = wrk
LIBS      = sqlite3 libevent libevent_pthreads libxml-2.0 libsodium jansson
# The client alone shows alerts on the desktop: libnotify (and GLib with it)
# never reaches the daemon.
CLIENT_PKGS = libnotify libxslt

BUILD    ?= build
BIN      ?= bin
SANITIZE ?=

CC       ?= cc
OPT      ?= -O2
CFLAGS   += -std=c11 -Wall -Wextra -Werror -g $(OPT) -D_GNU_SOURCE -Iinclude -I$(BUILD)/gen
PKG_CFLAGS = $(shell pkg-config --cflags $(LIBS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(LIBS) 2>/dev/null) -lpthread
CLIENT_CFLAGS = $(shell pkg-config --cflags $(CLIENT_PKGS) 2>/dev/null)
CLIENT_LIBS   = $(shell pkg-config --libs $(CLIENT_PKGS) 2>/dev/null)
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
DAEMON_SRCS = daemon/nadzord.c daemon/config.c daemon/json.c daemon/workq.c \
	daemon/writer.c daemon/http.c daemon/scheduler.c daemon/events.c \
	daemon/hook.c \
	daemon/api-records.c daemon/api-health.c daemon/api-obligations.c \
	daemon/api-alerts.c daemon/api-reports.c daemon/report.c
CLIENT_SRCS = $(wildcard client/*.c)
GEN_SRCS    = $(BUILD)/gen/record-xsd.c

COMMON_OBJS = $(COMMON_SRCS:%.c=$(BUILD)/%.o) $(GEN_SRCS:%.c=%.o)
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
CLIENT_OBJS = $(CLIENT_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS   = $(wildcard tests/unit/test-*.c)
UNIT_BINS   = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BIN)/nadzord $(BIN)/nadzor $(UNIT_BINS)

$(BIN)/nadzord: $(DAEMON_OBJS) $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/nadzor: $(CLIENT_OBJS) $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CLIENT_LIBS)

$(BUILD)/tests/test-%: tests/unit/test-%.c tests/unit/unit.h $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON_OBJS) $(PKG_LIBS)

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
	    NADZOR_BIN=build/asan/bin NADZOR_BUILD=build/asan NADZOR_SANITIZED=1 sh tests/run

bench: deps-bench
	@$(MAKE) --no-print-directory all $(BUILD)/tests/bench-baseline
	@NADZOR_BIN=$(BIN) NADZOR_BUILD=$(BUILD) python3 tests/bench/bench.py
	@NADZOR_BIN=$(BIN) NADZOR_BUILD=$(BUILD) python3 tests/bench/engine.py

$(BUILD)/tests/bench-baseline: tests/bench/baseline.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

clean:
	rm -rf build bin

.PHONY: all deps deps-test deps-bench run test test-asan bench clean

# libFuzzer targets (clang), each run for FUZZ_SECONDS on its corpus.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
	-Iinclude -I$(BUILD)/gen $(PKG_CFLAGS)
FUZZ_TARGETS = record rules calendar
FUZZ_LINK = daemon/record.c daemon/iin.c daemon/timefmt.c daemon/log.c \
	daemon/rules.c daemon/tz.c daemon/calendar.c daemon/xmlsafe.c daemon/readfile.c \
	$(BUILD)/gen/record-xsd.c
fuzz: deps $(BUILD)/gen/record-xsd.c
	@sh tests/need-packages clang libclang-rt-14-dev
	@mkdir -p $(BUILD)/fuzz
	@for t in $(FUZZ_TARGETS); do \
	    clang $(FUZZ_CFLAGS) -o $(BUILD)/fuzz/fuzz-$$t tests/fuzz/fuzz-$$t.c \
	        $(FUZZ_LINK) $(PKG_LIBS) || exit 1; \
	    mkdir -p $(BUILD)/fuzz/corpus-$$t; \
	    dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	    $(BUILD)/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) $$dict \
	        $(BUILD)/fuzz/corpus-$$t tests/fuzz/corpus-$$t || exit 1; \
	done

.PHONY: fuzz
