# SPDX-License-Identifier: ISC
# getawslog - pull AWS CloudTrail logs out of S3 into a local log file.
#
#   make            build ./getawslog
#   make check      install missing Debian packages, build, run every test
#   make asan       the test suite again, built with ASan + UBSan
#   make valgrind   the unit tests and test_integration/test_hostile with the
#                   binary under valgrind memcheck
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (clang)
#   make demo       a local S3 on 127.0.0.1 with a sample trail, and a run
#   make bench      the benchmark of bench/ (see README, Performance)
#   make install    PREFIX=/usr/local, DESTDIR honoured
#   make dist       getawslog-VERSION.tar.gz of the committed tree (git archive)

VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
CC      ?= cc
PKG_CONFIG ?= pkg-config
# Where objects and test programs go; the sanitizer build uses its own.
B       ?= .

# The inflate engine: ISA-L (Debian's libisal-dev) where pkg-config finds
# it, else zlib; INFLATE=zlib or INFLATE=isal to choose (objects do not
# record which: build the other way in its own B=, or make clean first).
# Debian 12 has ISA-L on 8 of its architectures, not i386 nor riscv64.
# zlib is linked either way: the tests make their gzip with it, the fuzz
# target compares the two engines, and libcurl needs it anyway.
INFLATE ?= $(shell $(PKG_CONFIG) --exists libisal 2>/dev/null && echo isal || \
	   echo zlib)
ifeq ($(INFLATE),zlib)
INFLATE_DEF = -DINFLATE_ZLIB
INFLATE_PKG =
else
INFLATE_DEF =
INFLATE_PKG = libisal
endif
PKGS     = libcurl openssl zlib libcjson inih expat sqlite3 $(INFLATE_PKG)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	   -Wmissing-prototypes
# CPPFLAGS, CFLAGS and LDFLAGS are the caller's (dpkg-buildflags' in the
# package); these defaults harden a plain build. FORTIFY needs -O1 or more:
# with CFLAGS=-O0, set CPPFLAGS= too. The sanitizer, valgrind and fuzz
# builds below set all three, without FORTIFY: its checks would abort a
# run before ASan or memcheck could say where the bad access was.
CPPFLAGS ?= -D_FORTIFY_SOURCE=2
CFLAGS  ?= -O2 -g -fstack-protector-strong
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE \
	   -DGETAWSLOG_VERSION='"$(VERSION)"' $(INFLATE_DEF) $(WARN) $(PKG_CFLAGS) \
	   $(CPPFLAGS) $(CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm

SRCS     = getawslog.c options.c engine.c s3.c sigv4.c flatten.c pyjson.c pyfloat.c \
	   pyunicode.c spool.c ini.c creds.c http.c msg.c util.c sig.c progress.c \
	   fileutil.c lock.c state.c inflate.c convert.c logfile.c layout.c \
	   object.c fetch.c walk.c notify.c discard.c metrics.c sqs.c drain.c \
	   linefit.c takeover.c check.c digest.c proof.c endpoint.c pace.c
OBJS     = $(SRCS:%.c=$(B)/%.o)
LIBOBJS  = $(filter-out $(B)/getawslog.o,$(OBJS))
UNITS    = $(B)/tests/test_sigv4 $(B)/tests/test_flatten $(B)/tests/test_s3xml \
	   $(B)/tests/test_layout $(B)/tests/test_notify $(B)/tests/test_sqsparse \
	   $(B)/tests/test_ini $(B)/tests/test_credsutil $(B)/tests/test_fuzz \
	   $(B)/tests/test_util $(B)/tests/test_http $(B)/tests/test_metrics \
	   $(B)/tests/test_discard $(B)/tests/test_spool $(B)/tests/test_convert \
	   $(B)/tests/test_linefit $(B)/tests/test_inflate \
	   $(B)/tests/test_digest $(B)/tests/test_pace
# The ISA-L build tests the zlib engine too: test_inflate_zlib is
# test_inflate over inflate.c built with INFLATE=zlib.
ifneq ($(INFLATE),zlib)
UNITS   += $(B)/tests/test_inflate_zlib
endif

# The fuzz targets (tests/fuzz/). For the replay test (test_fuzz) each is
# built with the project's compiler, its entry point renamed fuzz_TARGET;
# for `make fuzz`, with clang and libFuzzer in build/fuzz.
FUZZ_TARGETS = flatten_flat flatten_json flatten_wazuh s3_list s3_error ini \
	   inflate notify sqs_receive convert digest
FUZZ_OBJS = $(FUZZ_TARGETS:%=$(B)/tests/fuzz/%.o)
FUZZ_RENAME = -DLLVMFuzzerTestOneInput=fuzz_$(notdir $(basename $@))
FUZZ_SECONDS ?= 60
FUZZ_CC  ?= clang-14
FUZZ_SAN = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=all
FZ       = build/fuzz
VALGRIND = valgrind --error-exitcode=99 --leak-check=full \
	   --errors-for-leak-kinds=definite,indirect --quiet

SAN      = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=all

.PHONY: all check check-build asan valgrind fuzz fuzz-build deps demo \
	bench install uninstall clean lint dist

all: $(B)/getawslog

$(B)/getawslog: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(B)/%.o: %.c $(wildcard *.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/test_%: tests/test_%.c $(LIBOBJS) tests/unit.h tests/capture.h \
	    tests/gz.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

$(B)/tests/inflate_zlib.o: inflate.c inflate.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DINFLATE_ZLIB -c -o $@ inflate.c

$(B)/tests/test_inflate_zlib: tests/test_inflate.c $(B)/tests/inflate_zlib.o \
	    $(LIBOBJS) tests/unit.h tests/gz.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(LDFLAGS) -o $@ $< \
	    $(B)/tests/inflate_zlib.o $(filter-out $(B)/inflate.o,$(LIBOBJS)) \
	    $(LDLIBS)

$(B)/tests/flatten_cli: tests/flatten_cli.c $(LIBOBJS) flatten.h tests/capture.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

$(B)/tests/fuzz/flatten_flat.o: tests/fuzz/fuzz_flatten.c flatten.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(FUZZ_RENAME) -DFUZZ_FORMAT=FLATTEN_FLAT \
	    -c -o $@ $<

$(B)/tests/fuzz/flatten_json.o: tests/fuzz/fuzz_flatten.c flatten.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(FUZZ_RENAME) -DFUZZ_FORMAT=FLATTEN_JSON \
	    -c -o $@ $<

$(B)/tests/fuzz/flatten_wazuh.o: tests/fuzz/fuzz_flatten.c flatten.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(FUZZ_RENAME) \
	    -DFUZZ_FORMAT=FLATTEN_WAZUH -c -o $@ $<

$(B)/tests/fuzz/%.o: tests/fuzz/fuzz_%.c $(wildcard *.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(FUZZ_RENAME) -c -o $@ $<

$(B)/tests/test_fuzz: tests/test_fuzz.c $(FUZZ_OBJS) $(LIBOBJS) tests/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(LDFLAGS) -o $@ $< $(FUZZ_OBJS) \
	    $(LIBOBJS) $(LDLIBS)

# A libFuzzer binary (in $(FZ), built by fuzz-build).
$(B)/fuzz_%: $(B)/tests/fuzz/%.o $(LIBOBJS)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(LIBOBJS) \
	    $(LDLIBS)

# The queue message parser as a filter, for the tests against moto's
# notifications and the differential test.
$(B)/tests/notify_cli: tests/notify_cli.c $(LIBOBJS) notify.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# pyfloat.c as a filter, for the differential test against Python.
$(B)/tests/pyfloat_cli: tests/pyfloat_cli.c $(LIBOBJS) pyfloat.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# pyunicode.c for every code point, for the test against Python 3.10.
$(B)/tests/pyunicode_cli: tests/pyunicode_cli.c $(LIBOBJS) pyunicode.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# endpoint.c as a filter, for the differential test against botocore.
$(B)/tests/endpoint_cli: tests/endpoint_cli.c $(LIBOBJS) endpoint.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# The signer as a filter, for the differential test against botocore.
$(B)/tests/sigv4_cli: tests/sigv4_cli.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# The build and the tests need Debian packages; deps.sh installs what is
# missing (as root) and says what to install otherwise.
deps:
	@sh scripts/deps.sh

check-build: $(B)/getawslog $(UNITS) $(B)/tests/flatten_cli \
	     $(B)/tests/sigv4_cli $(B)/tests/notify_cli $(B)/tests/pyfloat_cli \
	     $(B)/tests/pyunicode_cli $(B)/tests/endpoint_cli

check: deps
	@$(MAKE) --no-print-directory check-build
	@sh tests/run.sh $(B)

asan: deps
	@$(MAKE) --no-print-directory B=build/asan CPPFLAGS= CFLAGS='$(SAN)' \
	    LDFLAGS='-fsanitize=address,undefined' check-build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tests/run.sh build/asan

# Memcheck over the unit tests and the integration suites that run the
# binary (tests/valgrind.sh says which and why).
valgrind: deps
	@$(MAKE) --no-print-directory B=build/valgrind CPPFLAGS= \
	    CFLAGS='-O1 -g' LDFLAGS= \
	    check-build
	@VALGRIND='$(VALGRIND)' sh tests/valgrind.sh build/valgrind

# libFuzzer: every target for FUZZ_SECONDS each; a crash fails the run and
# leaves its input in $(FZ)/artifacts/ (add it to tests/fuzz/regress/).
fuzz-build: deps
	@$(MAKE) --no-print-directory B=$(FZ) CC=$(FUZZ_CC) FUZZ_RENAME= \
	    CPPFLAGS= CFLAGS='$(FUZZ_SAN) -fsanitize=fuzzer-no-link' \
	    LDFLAGS='-fsanitize=address,undefined' \
	    $(FUZZ_TARGETS:%=$(FZ)/fuzz_%)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

demo: deps
	@$(MAKE) --no-print-directory $(B)/getawslog
	@sh scripts/demo.sh $(B)/getawslog

# Figures for the README's performance section (a few minutes).
bench:
	@sh scripts/deps.sh bench
	@sh bench/run.sh

lint:
	mandoc -Tlint -Wwarning getawslog.1

install: $(B)/getawslog
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(B)/getawslog $(DESTDIR)$(BINDIR)/getawslog
	install -m 0644 getawslog.1 $(DESTDIR)$(MANDIR)/man1/getawslog.1

# The committed tree (HEAD), as getawslog-VERSION/ in a tarball.
dist:
	git archive --format=tar.gz --prefix=getawslog-$(VERSION)/ \
	    -o getawslog-$(VERSION).tar.gz HEAD
	@echo getawslog-$(VERSION).tar.gz

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/getawslog $(DESTDIR)$(MANDIR)/man1/getawslog.1

clean:
	rm -f getawslog *.o tests/test_sigv4 tests/test_flatten tests/test_s3xml \
	    tests/test_ini tests/test_credsutil tests/test_layout tests/sigv4_cli \
	    tests/flatten_cli tests/test_fuzz tests/test_util tests/test_http \
	    tests/test_notify tests/notify_cli tests/test_metrics tests/test_discard \
	    tests/pyfloat_cli tests/pyunicode_cli tests/test_spool tests/test_sqsparse \
	    tests/fuzz/*.o tests/test_linefit \
	    tests/test_convert tests/test_inflate tests/test_inflate_zlib \
	    tests/inflate_zlib.o tests/test_digest \
	    tests/endpoint_cli
	rm -rf build getawslog-$(VERSION).tar.gz
