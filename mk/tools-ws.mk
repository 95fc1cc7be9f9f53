# tools/: wsfeed (Binance-compatible feed emulator) and wsclient (market-data
# client with the latprobe:message USDT probe). Objects go to their own
# directory so the src/ pattern rule never matches them.

WS_OUT := $(OUT)/tools-ws
WS_HDRS := $(addprefix tools/,ws_common.h ws_msg.h ws_stats.h ws_publish.h \
	feed_gen.h feed_fault.h feed_tls.h feed_server.h \
	feed_request_text.h lp_stamps.h)
WS_COMMON := $(WS_OUT)/ws_common.o
WSFEED_OBJS := $(addprefix $(WS_OUT)/,wsfeed.o feed_opts.o feed_streams.o \
	feed_limits.o feed_request_text.o \
	feed_request.o feed_session.o feed_replay.o feed_gen.o feed_fault.o \
	feed_tls.o feed_market.o feed_scenario.o) $(WS_COMMON)
WSCLIENT_OBJS := $(addprefix $(WS_OUT)/,wsclient.o ws_msg.o ws_stats.o \
	ws_publish.o lp_stamps.o) $(WS_COMMON)

TOOLS += $(OUT)/wsfeed $(OUT)/wsclient
TESTS += $(OUT)/test_ws_msg

$(WS_OUT):
	$(Q)mkdir -p $@

$(WS_OUT)/%.o: tools/%.c $(WS_HDRS) | $(WS_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/wsfeed: $(WSFEED_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lwebsockets -lcjson -lssl -lcrypto -lm

$(OUT)/wsclient: $(WSCLIENT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lwebsockets -lcjson -lzmq -lssl \
		-lcrypto -lm

# md_parse() status per kind of bad input (docs/bad-input.md)
$(OUT)/test_ws_msg: tests/test_ws_msg.c tests/check.h $(WS_OUT)/ws_msg.o \
		tools/ws_msg.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools -Itests $(LDFLAGS) $< $(WS_OUT)/ws_msg.o \
		-o $@ -lcjson
