# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make deb: build/deb/latprobe_VERSION_amd64.deb with dpkg-buildpackage
# (debian/, debhelper compat 13) and lintian's verdict in
# build/deb/lintian.txt. It builds in a copy of the tree's files (git
# ls-files: committed or not, ignored ones left out) under build/deb/, so
# nothing of the Debian build lands in the tree. Always a release build:
# the caller's make variables (make test SANITIZE=1) are not passed on.

DEB_DIR := build/deb
DEB_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version)

.PHONY: deb

deb:
	$(call msg,DEB,$(DEB_DIR))
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	$(Q)git ls-files -z --cached --others --exclude-standard | \
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null | \
		tar -xf - -C $(DEB_DIR)/src
	$(Q)cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MAKEOVERRIDES -u MAKELEVEL \
		-u SANITIZE dpkg-buildpackage -us -uc -b \
		-j$(shell nproc) >../build.log 2>&1 || \
		{ tail -30 ../build.log; exit 1; }
	$(Q)lintian --info $(DEB_DIR)/latprobe_$(DEB_VERSION)_amd64.deb \
		>$(DEB_DIR)/lintian.txt 2>&1; \
		if grep -q '^E:' $(DEB_DIR)/lintian.txt; then \
			cat $(DEB_DIR)/lintian.txt; exit 1; fi
	$(Q)echo "  $(DEB_DIR)/latprobe_$(DEB_VERSION)_amd64.deb" \
		"(lintian: $$(grep -c '^W:' $(DEB_DIR)/lintian.txt) warning(s)," \
		"see $(DEB_DIR)/lintian.txt)"
