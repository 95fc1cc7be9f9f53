# Socket lab (issue 5): UDP burst, TCP feed server and client load generator,
# plus the three profiling targets. See docs/socket-profiling.md.
SOCKETLAB_TOOLS := $(OUT)/udp_burst $(OUT)/tcp_feed $(OUT)/conn_load
TOOLS += $(SOCKETLAB_TOOLS)

.PHONY: profile-io socket-stress socket-load

$(SOCKETLAB_TOOLS): $(OUT)/%: tools/%.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@ -lpthread

# latprobe is used when it exists (pass (c), kernel drop counts); these
# targets do not build it, so a broken latprobe build cannot block them.
profile-io: $(OUT)/tcp_feed $(OUT)/conn_load
	$(Q)scripts/profile_io.sh

socket-stress: $(OUT)/udp_burst
	$(Q)scripts/socket_stress.sh

socket-load: $(OUT)/tcp_feed $(OUT)/conn_load
	$(Q)scripts/socket_load.sh
