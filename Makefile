# getawslog - pull AWS CloudTrail logs out of S3 into a local log file.
#
#   make            build ./getawslog
#   make check      install missing Debian packages, build, run every test
#   make asan       the test suite again, built with ASan + UBSan
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

PKGS     = libcurl openssl zlib libcjson inih expat sqlite3
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	   -Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE \
	   -DGETAWSLOG_VERSION='"$(VERSION)"' $(WARN) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm

SRCS     = getawslog.c s3.c sigv4.c flatten.c ini.c creds.c
OBJS     = $(SRCS:%.c=$(B)/%.o)
LIBOBJS  = $(filter-out $(B)/getawslog.o,$(OBJS))
UNITS    = $(B)/tests/test_sigv4 $(B)/tests/test_flatten $(B)/tests/test_s3xml \
	   $(B)/tests/test_ini $(B)/tests/test_credsutil

SAN      = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=all

.PHONY: all check check-build asan deps demo bench install uninstall clean lint \
	dist

all: $(B)/getawslog

$(B)/getawslog: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(B)/%.o: %.c $(wildcard *.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/test_%: tests/test_%.c $(LIBOBJS) tests/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -iquote . $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

$(B)/tests/flatten_cli: tests/flatten_cli.c $(LIBOBJS) flatten.h
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
	     $(B)/tests/sigv4_cli

check: deps
	@$(MAKE) --no-print-directory check-build
	@sh tests/run.sh $(B)

asan: deps
	@$(MAKE) --no-print-directory B=build/asan CFLAGS='$(SAN)' \
	    LDFLAGS='-fsanitize=address,undefined' check-build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tests/run.sh build/asan

demo: deps
	@$(MAKE) --no-print-directory $(B)/getawslog
	@sh scripts/demo.sh $(B)/getawslog

# Figures for the README's performance section (a few minutes).
bench: deps
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
	    tests/test_ini tests/test_credsutil tests/sigv4_cli tests/flatten_cli
	rm -rf build getawslog-$(VERSION).tar.gz
