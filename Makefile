# pauditd: plain GNU make. See README.md for the targets.
CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wcast-qual -Wformat=2 -Wsign-compare -Wno-unused-parameter
BASE     := -std=c17 -D_GNU_SOURCE -DPAUDITD_VERSION_STR='"$(VERSION)"' -pthread -MMD -MP $(WARN)
ifeq ($(WERROR),1)
BASE     += -Werror
endif
# Link-time optimisation lets the per-record path (sink, parser, tracker,
# reassembler, event, escaper) inline across modules: 6% fewer
# instructions and 7% less CPU on the replay benchmark.
OPT      ?= -O2 -g -flto=auto
LIBS     := -lyaml -laudit -lpcre2-8 -lcap-ng -lz -lm -ldl -pthread
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCS     := $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
TESTS    := $(basename $(notdir $(wildcard tests/unit/test_*.c)))
BENCHES  := $(basename $(notdir $(wildcard bench/bench_*.c)))
TOOLS    := $(basename $(notdir $(wildcard tools/*.c)))

# Three flavours of the same objects: release, sanitized (tests), coverage.
obj = $(patsubst %.c,build/$(1)/%.o,$(2))
REL_OBJS  := $(call obj,rel,$(LIB_SRCS))
ASAN_OBJS := $(call obj,asan,$(LIB_SRCS))
COV_OBJS  := $(call obj,cov,$(LIB_SRCS))

# A fourth for the libFuzzer harnesses (make fuzz): clang, coverage-guided,
# ASan + UBSan, in build/fuzz/. FUZZ names the harnesses to run
# (tests/fuzz/fuzz_NAME.c; default all), each for FUZZ_SECONDS; an input
# may take FUZZ_TIMEOUT seconds; FUZZ_FLAGS are more libFuzzer options.
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=undefined
FUZZERS      := $(patsubst fuzz_%,%,$(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c))))
FUZZ         ?= $(FUZZERS)
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 30
FUZZ_FLAGS   ?=
FUZZ_OBJS    := $(call obj,fuzz,$(LIB_SRCS))

.SECONDARY:

.PHONY: all deps run test unit golden integration asan valgrind bench bench-live \
        bench-cpu bench-cpulong test-cov-html fuzz check-style install clean tools

all: pauditd tools

pauditd: $(call obj,rel,src/main.c) $(REL_OBJS)
	$(CC) $(OPT) -o $@ $^ $(LIBS)

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(OPT) -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O1 -g $(SAN) -c -o $@ $<

build/cov/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O0 -g --coverage -c -o $@ $<

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE) $(FUZZ_NOWARN) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

# Warnings clang gives and gcc does not, in code that src/ cannot change:
# a format passed on with its va_list to vsnprintf (gcc exempts that), and
# the casts and compares inside <linux/netlink.h>'s NLMSG_* macros (gcc
# exempts system headers' macros).
build/fuzz/src/log.o build/fuzz/src/config/cfgmap.o: FUZZ_NOWARN := -Wno-format-nonliteral
build/fuzz/src/source/nl_audit.o: FUZZ_NOWARN := -Wno-cast-qual -Wno-sign-compare

build/asan/pauditd: build/asan/src/main.o $(ASAN_OBJS)
	$(CC) $(SAN) -o $@ $^ $(LIBS)

build/cov/pauditd: build/cov/src/main.o $(COV_OBJS)
	$(CC) --coverage -o $@ $^ $(LIBS)

build/asan/tests/%: build/asan/tests/unit/%.o $(ASAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $(LIBS)

build/cov/tests/%: build/cov/tests/unit/%.o $(COV_OBJS)
	@mkdir -p $(dir $@)
	$(CC) --coverage -o $@ $^ $(LIBS)

build/rel/bench/%: build/rel/bench/%.o $(REL_OBJS)
	$(CC) $(OPT) -o $@ $^ $(LIBS)

build/fuzz/fuzz_%: build/fuzz/tests/fuzz/fuzz_%.o $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# Seed corpora and dictionaries, from the golden logs and the example config.
build/fuzz/seeds/.stamp: tests/fuzz/seeds.sh $(wildcard tests/fuzz/*.dict \
    tests/golden/*.log tests/golden/*.yaml examples/*.yaml examples/*.yaml.example)
	@sh tests/fuzz/seeds.sh build/fuzz
	@touch $@

build/rel/tools/%: build/rel/tools/%.o
	$(CC) $(OPT) -o $@ $^ $(LIBS)

tools: $(addprefix build/rel/tools/,$(TOOLS))

deps:
	@sh tools/deps.sh

run: deps pauditd
	./pauditd

# make test: unit tests, golden tests and integration tests, all against
# the AddressSanitizer + UndefinedBehaviorSanitizer build.
test: build/asan/pauditd $(addprefix build/asan/tests/,$(TESTS)) tools pauditd
	@PAUDITD=$(CURDIR)/build/asan/pauditd PAUDITD_REL=$(CURDIR)/pauditd \
	  TESTBIN=$(CURDIR)/build/asan/tests TOOLBIN=$(CURDIR)/build/rel/tools \
	  sh tests/run.sh $(TESTS)

unit: $(addprefix build/asan/tests/,$(TESTS))
	@TESTBIN=$(CURDIR)/build/asan/tests sh tests/run.sh --unit-only $(TESTS)

golden: build/asan/pauditd
	@PAUDITD=$(CURDIR)/build/asan/pauditd sh tests/golden/run.sh

# The integration tests alone, in the environment make test gives them.
integration: build/asan/pauditd tools pauditd
	@PAUDITD=$(CURDIR)/build/asan/pauditd PAUDITD_REL=$(CURDIR)/pauditd \
	  TOOLBIN=$(CURDIR)/build/rel/tools sh tests/run.sh --integration-only

# make fuzz: every libFuzzer harness for FUZZ_SECONDS (FUZZ=replay: one);
# a crash fails it and names the reproducer in build/fuzz/artifacts/.
fuzz: $(addprefix build/fuzz/fuzz_,$(FUZZ)) build/fuzz/seeds/.stamp
	@FUZZBIN=$(CURDIR)/build/fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  FUZZ_TIMEOUT=$(FUZZ_TIMEOUT) FUZZ_FLAGS="$(FUZZ_FLAGS)" sh tests/fuzz/run.sh $(FUZZ)

asan: test

valgrind: pauditd $(addprefix build/rel/tests/,$(TESTS))
	@for t in $(TESTS); do valgrind -q --error-exitcode=1 --leak-check=full build/rel/tests/$$t || exit 1; done

build/rel/tests/%: build/rel/tests/unit/%.o $(REL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(OPT) -o $@ $^ $(LIBS)

test-cov-html: build/cov/pauditd $(addprefix build/cov/tests/,$(TESTS)) tools
	@rm -f build/cov/*/*.gcda build/cov/*/*/*.gcda
	@PAUDITD=$(CURDIR)/build/cov/pauditd PAUDITD_REL=$(CURDIR)/build/cov/pauditd \
	  TESTBIN=$(CURDIR)/build/cov/tests TOOLBIN=$(CURDIR)/build/rel/tools \
	  sh tests/run.sh $(TESTS) || true
	lcov -q --capture --directory build/cov --output-file build/cov/coverage.info
	lcov -q --remove build/cov/coverage.info '*/tests/*' '/usr/*' -o build/cov/coverage.info
	genhtml -q build/cov/coverage.info --output-directory build/coverage
	@echo "coverage report: build/coverage/index.html"
	@(command -v xdg-open >/dev/null && xdg-open build/coverage/index.html) || true

bench: pauditd $(addprefix build/rel/bench/,$(BENCHES)) tools
	@PAUDITD=$(CURDIR)/pauditd BENCHBIN=$(CURDIR)/build/rel/bench TOOLBIN=$(CURDIR)/build/rel/tools \
	  sh bench/run.sh

bench-cpu: pauditd tools
	@PAUDITD=$(CURDIR)/pauditd TOOLBIN=$(CURDIR)/build/rel/tools sh bench/profile.sh 5

bench-cpulong: pauditd tools
	@PAUDITD=$(CURDIR)/pauditd TOOLBIN=$(CURDIR)/build/rel/tools sh bench/profile.sh 60

bench-live: pauditd tools
	@PAUDITD=$(CURDIR)/pauditd TOOLBIN=$(CURDIR)/build/rel/tools sh bench/live.sh

check-style:
	clang-format --dry-run $(SRCS) 2>&1 | head -50
	cppcheck -q --std=c11 --enable=warning,portability -Isrc src

install: pauditd
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
	  $(DESTDIR)$(PREFIX)/share/doc/pauditd $(DESTDIR)/lib/systemd/system
	install -m 0755 pauditd $(DESTDIR)$(PREFIX)/sbin/pauditd
	install -m 0644 docs/pauditd.8 $(DESTDIR)$(PREFIX)/share/man/man8/pauditd.8
	install -m 0644 examples/pauditd.yaml.example $(DESTDIR)$(PREFIX)/share/doc/pauditd/
	sed 's|/usr/sbin/pauditd|$(PREFIX)/sbin/pauditd|' examples/pauditd.service \
	  >$(DESTDIR)/lib/systemd/system/pauditd.service
	chmod 0644 $(DESTDIR)/lib/systemd/system/pauditd.service
	install -D -m 0644 examples/pauditd.logrotate $(DESTDIR)/etc/logrotate.d/pauditd

clean:
	rm -rf build pauditd

-include $(shell find build -name '*.d' 2>/dev/null)
