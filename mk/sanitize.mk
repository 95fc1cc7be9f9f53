# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# SANITIZE=1 builds into build-san/ (the top Makefile picks OUT), so plain
# and sanitized objects never mix. Tests find the tree they should run
# through LP_BUILD; ./latprobe, linked from whichever tree was built last,
# is removed when the tree changes so that it is relinked from the right one.

export LP_BUILD := $(abspath $(OUT))

LP_TREE_STAMP := build/.latprobe-linked-from
ifneq ($(shell cat $(LP_TREE_STAMP) 2>/dev/null),$(OUT))
$(shell mkdir -p build && rm -f latprobe && echo '$(OUT)' > $(LP_TREE_STAMP))
endif
