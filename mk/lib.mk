# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# lib/: what the programs in tools/ share. LIB_OUT and LIB_HDRS are set in
# the top Makefile (the fragments that link these objects come first).
#   tool_num.h   the lab tools' strict number flags
#   ws_common.*  wsfeed and wsclient: clocks, flag parsing, lws logging
#   lp_stamps.*  the client stamps ring writer (wsclient, usdt_loop); its
#                header is the contract latprobe's reader includes
#   feed_tls.*   self-signed certificate (wsfeed --tls, ssl_read_loop)
#   out_file.*   the writer of reports, pictures and summaries (latprobe,
#                wsclient): through to pipes and terminals, else by rename

$(LIB_OUT):
	$(Q)mkdir -p $@

$(LIB_OUT)/%.o: lib/%.c $(LIB_HDRS) | $(LIB_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@
