# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tools/client/: wsclient, the market-data client that hands latprobe each
# message's stamps (lib/lp_stamps ring, else the latprobe:message USDT
# probe), and the unit test of its message parser. Objects go to their own
# directory so the src/ pattern rule never matches them.

CLIENT_OUT := $(OUT)/client
CLIENT_HDRS := $(wildcard tools/client/*.h) $(LIB_HDRS)
WSCLIENT_OBJS := $(addprefix $(CLIENT_OUT)/,wsclient.o wsclient_opts.o \
	wsclient_rx.o wsclient_report.o ws_msg.o msg_hist.o ws_publish.o) \
	$(addprefix $(LIB_OUT)/,ws_common.o lp_stamps.o out_file.o)

TOOLS += $(OUT)/wsclient
TESTS += $(OUT)/test_ws_msg

$(CLIENT_OUT):
	$(Q)mkdir -p $@

$(CLIENT_OUT)/%.o: tools/client/%.c $(CLIENT_HDRS) | $(CLIENT_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/wsclient: $(WSCLIENT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lwebsockets -lcjson -lzmq -lssl \
		-lcrypto -lm

# md_parse() status per kind of bad input (docs/bad-input.md)
$(OUT)/test_ws_msg: tests/test_ws_msg.c tests/check.h $(CLIENT_OUT)/ws_msg.o \
		tools/client/ws_msg.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/client -Itests $(LDFLAGS) $< \
		$(CLIENT_OUT)/ws_msg.o -o $@ -lcjson
