# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make install [PREFIX=/usr/local] [DESTDIR=/staging]: latprobe and
# latprobe-nic (sbin, they need root), wsfeed and wsclient (bin), man
# pages and bash completion. make uninstall removes the same files.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL ?= install

INSTALL_SBIN := latprobe $(OUT)/latprobe-nic
INSTALL_BIN := $(OUT)/wsfeed $(OUT)/wsclient
MAN1 := man/wsfeed.1 man/wsclient.1
MAN8 := man/latprobe.8 man/latprobe-nic.8

.PHONY: install uninstall

install: $(INSTALL_SBIN) $(INSTALL_BIN)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR)
	$(Q)$(INSTALL) -m 0755 $(INSTALL_SBIN) $(DESTDIR)$(SBINDIR)/
	$(Q)$(INSTALL) -m 0755 $(INSTALL_BIN) $(DESTDIR)$(BINDIR)/
	$(Q)$(INSTALL) -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	$(Q)$(INSTALL) -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	$(Q)$(INSTALL) -m 0644 completion/latprobe.bash \
		$(DESTDIR)$(BASHCOMPDIR)/latprobe

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(notdir $(INSTALL_SBIN))) \
		$(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(INSTALL_BIN))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8))) \
		$(DESTDIR)$(BASHCOMPDIR)/latprobe
