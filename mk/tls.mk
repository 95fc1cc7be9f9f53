# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# TLS probes: the tls_decrypt stage's unit test (built by the generic
# test_% rule in core-tests.mk).
TESTS += $(OUT)/test_corr_tls
# The SSL_read loop that scripts/bench_tls.sh probes: tools/lab/ssl_read_loop.c
# (mk/lab.mk).
