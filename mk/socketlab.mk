# Socket lab (issue 5): the three profiling targets over the UDP burst, TCP
# feed server and client load generator (tools/lab/, built by mk/lab.mk).
# See docs/socket-profiling.md.

.PHONY: profile-io socket-stress socket-load

# latprobe is used when it exists (pass (c), kernel drop counts); these
# targets do not build it, so a broken latprobe build cannot block them.
profile-io: $(OUT)/tcp_feed $(OUT)/conn_load
	$(Q)scripts/profile_io.sh

socket-stress: $(OUT)/udp_burst
	$(Q)scripts/socket_stress.sh

socket-load: $(OUT)/tcp_feed $(OUT)/conn_load
	$(Q)scripts/socket_load.sh
