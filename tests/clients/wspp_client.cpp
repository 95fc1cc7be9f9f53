// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A market-data client latprobe did not build: websocketpp + boost.asio +
// simdjson, the stack the seed documents describe. Its handler,
// md::Handler::on_message(const char *, size_t), is what
// `latprobe --callback` probes in tests/it_callback_clients.sh and
// make demo-anyclient. It keeps its own ground truth and writes it at exit:
//   {"messages": N, "handler_p50_us": ..., "now_minus_E_p50_us": ...}
// handler_p50_us: its own clock around the handler body; now_minus_E: the
// handler's end (CLOCK_REALTIME) minus the message's "E" (microseconds:
// subscribe with ?timeUnit=MICROSECOND).
//
//   wspp_client URL COUNT OUT.json
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>
#include <simdjson.h>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

namespace md {
class Handler {
public:
	void on_message(const char *data, size_t len);
	uint64_t messages = 0, bad = 0;
	std::vector<uint64_t> handler_ns, age_ns;

private:
	simdjson::dom::parser parser_;
	double volume_ = 0;
};

// noinline: one real call per message, as in a larger client
__attribute__((noinline)) void Handler::on_message(const char *data,
						   size_t len)
{
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC), e_us = 0;
	simdjson::dom::element doc;
	std::string_view qty;

	if (parser_.parse(data, len).get(doc) || doc["E"].get(e_us) ||
	    doc["q"].get(qty)) {
		bad++;
		return;
	}
	volume_ += std::strtod(std::string(qty).c_str(), nullptr);
	messages++;
	handler_ns.push_back(clock_ns(CLOCK_MONOTONIC) - t0);
	age_ns.push_back(clock_ns(CLOCK_REALTIME) - e_us * 1000);
}
} // namespace md

static double p50_us(std::vector<uint64_t> v)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	return v[v.size() / 2] / 1e3;
}

int main(int argc, char **argv)
{
	typedef websocketpp::client<websocketpp::config::asio_client> client;
	client c;
	md::Handler h;
	websocketpp::lib::error_code ec;
	unsigned long count;

	if (argc != 4) {
		fprintf(stderr, "usage: wspp_client URL COUNT OUT.json\n");
		return 2;
	}
	count = strtoul(argv[2], nullptr, 10);
	c.clear_access_channels(websocketpp::log::alevel::all);
	c.clear_error_channels(websocketpp::log::elevel::all);
	c.init_asio();
	c.set_message_handler([&](websocketpp::connection_hdl hdl,
				  client::message_ptr msg) {
		const std::string &p = msg->get_payload();

		h.on_message(p.data(), p.size());
		if (h.messages + h.bad == count)
			c.close(hdl, websocketpp::close::status::normal, "done",
				ec);
	});
	client::connection_ptr con = c.get_connection(argv[1], ec);
	if (ec) {
		fprintf(stderr, "wspp_client: %s: %s\n", argv[1],
			ec.message().c_str());
		return 1;
	}
	c.connect(con);
	c.run(); // returns when the connection is closed (either side)

	FILE *f = fopen(argv[3], "w");
	if (!f)
		return 1;
	fprintf(f,
		"{\"messages\": %llu, \"bad\": %llu, \"handler_p50_us\": %.3f, \"now_minus_E_p50_us\": %.3f}\n",
		(unsigned long long)h.messages, (unsigned long long)h.bad,
		p50_us(h.handler_ns), p50_us(h.age_ns));
	fclose(f);
	printf("wspp_client: %llu messages\n", (unsigned long long)h.messages);
	return h.messages ? 0 : 1;
}
