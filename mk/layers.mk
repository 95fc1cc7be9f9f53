# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The layer rule of src/ (src/layers.txt: what each folder may include),
# checked before the tests of make test; tests/it_layers.sh shows that a
# forbidden include fails it. `make layers-graph` prints the measures
# docs/design.md's Layout quotes (include arrows, call circles from nm).

.PHONY: check-layers layers-graph

check-layers:
	$(call msg,LAYERS,src/layers.txt)
	$(Q)scripts/layers.py check

layers-graph: latprobe tools
	$(Q)scripts/layers.py graph --build $(OUT)
