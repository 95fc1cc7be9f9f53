# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tools/feed/: wsfeed, the Binance-compatible feed emulator. Objects go to
# their own directory so the src/ pattern rule never matches them.

FEED_OUT := $(OUT)/feed
FEED_HDRS := $(wildcard tools/feed/*.h) $(LIB_HDRS)
WSFEED_OBJS := $(addprefix $(FEED_OUT)/,wsfeed.o feed_opts.o feed_streams.o \
	feed_limits.o feed_request_text.o \
	feed_request.o feed_session.o feed_replay.o feed_gen.o feed_fault.o \
	feed_market.o feed_book.o feed_scenario.o feed_stream.o feed_state.o \
	feed_rxcheck.o) \
	$(addprefix $(LIB_OUT)/,ws_common.o feed_tls.o)

TOOLS += $(OUT)/wsfeed

$(FEED_OUT):
	$(Q)mkdir -p $@

$(FEED_OUT)/%.o: tools/feed/%.c $(FEED_HDRS) | $(FEED_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/wsfeed: $(WSFEED_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lwebsockets -lcjson -lssl -lcrypto -lm
