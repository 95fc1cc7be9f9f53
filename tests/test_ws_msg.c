// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of tools/client/ws_msg.c: md_parse() gives the exact status for
 * each kind of good and bad market-data message (docs/bad-input.md, "Frames
 * and JSON"), fills the fields it forwards, and md_normalize() writes the
 * one line that wsclient publishes.
 */
#include <string.h>

#include "check.h"
#include "ws_msg.h"

#define TRADE_TAIL "\"t\":1,\"p\":\"1.0\",\"q\":\"2.0\",\"T\":1}"
#define TRADE(sym, e) "{\"e\":\"trade\",\"E\":" e ",\"s\":" sym "," TRADE_TAIL
#define TRADE_PQ(p, q)                                                \
	"{\"e\":\"trade\",\"E\":7,\"s\":\"BTCUSDT\",\"t\":1,\"p\":" p \
	",\"q\":" q ",\"T\":1}"
#define DEPTH(b, a)                                                         \
	"{\"e\":\"depthUpdate\",\"E\":7,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2," \
	"\"b\":" b ",\"a\":" a "}"
#define BOOK(b)                               \
	"{\"u\":5,\"s\":\"BTCUSDT\",\"b\":" b \
	",\"B\":\"1\",\"a\":\"2\",\"A\":\"3\"}"

struct pcase {
	const char *name;
	const char *in;
	enum md_status want;
	/* on MD_OK only */
	enum md_kind kind;
	const char *px, *px2; /* NULL: not forwarded */
	const char *stream;
};

static const struct pcase cases[] = {
	/* accepted */
	{"trade, E in ms", TRADE("\"BTCUSDT\"", "1700000000123"), .want = MD_OK,
	 .kind = MD_TRADE, .px = "1.0"},
	{"trade, E in us", TRADE("\"BTCUSDT\"", "1700000000123456"),
	 .want = MD_OK, .kind = MD_TRADE, .px = "1.0"},
	{"trade, E 1.8e13 ms (year 2540)",
	 TRADE("\"BTCUSDT\"", "18000000000000"), .want = MD_OK,
	 .kind = MD_TRADE, .px = "1.0"},
	{"trade, E 1.8e16 us", TRADE("\"BTCUSDT\"", "18000000000000000"),
	 .want = MD_OK, .kind = MD_TRADE, .px = "1.0"},
	{"trade, UTF-8 in a field not forwarded",
	 "{\"x\":\"\xe2\x82\xac\xf0\x9f\x98\x80\",\"e\":\"trade\",\"E\":7,"
	 "\"s\":\"BTCUSDT\"," TRADE_TAIL,
	 .want = MD_OK, .kind = MD_TRADE, .px = "1.0"},
	{"combined-stream wrapper",
	 "{\"stream\":\"btcusdt@trade\",\"data\":" TRADE("\"BTCUSDT\"",
							 "7") "}",
	 .want = MD_OK, .kind = MD_TRADE, .px = "1.0",
	 .stream = "btcusdt@trade"},
	{"aggTrade",
	 "{\"e\":\"aggTrade\",\"E\":7,\"s\":\"BTCUSDT\",\"a\":3,\"p\":\"1.5\","
	 "\"q\":\"2\",\"f\":1,\"l\":2,\"T\":7,\"m\":true}",
	 .want = MD_OK, .kind = MD_AGGTRADE, .px = "1.5"},
	{"depth", DEPTH("[[\"0.0024\",\"10\"]]", "[[\"0.0026\",\"100\"]]"),
	 .want = MD_OK, .kind = MD_DEPTH, .px = "0.0024", .px2 = "0.0026"},
	{"depth, empty sides", DEPTH("[]", "[]"), .want = MD_OK,
	 .kind = MD_DEPTH},
	/* a non-token level is not forwarded; the update still is */
	{"depth, level with quote (regress-depth-level-injection)",
	 DEPTH("[[\"1\",\"2\\\",\\\"s\\\":\\\"ETHUSDT\"]]", "[[\"3\",\"4\"]]"),
	 .want = MD_OK, .kind = MD_DEPTH, .px2 = "3"},
	{"depth, level with backslashes",
	 DEPTH("[[\"1\",\"\\\\\\\\\"]]", "[[\"1\",\"\"]]"), .want = MD_OK,
	 .kind = MD_DEPTH},
	{"spot bookTicker", BOOK("\"1.0\""), .want = MD_OK,
	 .kind = MD_BOOKTICKER, .px = "1.0", .px2 = "2"},
	{"futures bookTicker",
	 "{\"e\":\"bookTicker\",\"E\":7,\"T\":7,\"u\":5,\"s\":\"BTCUSDT\","
	 "\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}",
	 .want = MD_OK, .kind = MD_BOOKTICKER, .px = "1", .px2 = "2"},
	{"kline", "{\"e\":\"kline\",\"E\":7,\"s\":\"BTCUSDT\",\"k\":{}}",
	 .want = MD_OK, .kind = MD_OTHER},
	/* replies */
	{"reply result", "{\"result\":null,\"id\":1}", .want = MD_REPLY},
	{"reply error", "{\"error\":{\"code\":2,\"msg\":\"x\"},\"id\":\"u1\"}",
	 .want = MD_REPLY},
	/* missing or mistyped fields */
	{"missing s", "{\"e\":\"trade\",\"E\":7," TRADE_TAIL,
	 .want = MD_BAD_FIELDS},
	{"s a number", TRADE("1", "7"), .want = MD_BAD_FIELDS},
	{"s empty", TRADE("\"\"", "7"), .want = MD_BAD_FIELDS},
	{"E a string", TRADE("\"BTCUSDT\"", "\"x\""), .want = MD_BAD_FIELDS},
	{"E missing", "{\"e\":\"trade\",\"s\":\"BTCUSDT\"," TRADE_TAIL,
	 .want = MD_BAD_FIELDS},
	{"E zero", TRADE("\"BTCUSDT\"", "0"), .want = MD_BAD_FIELDS},
	{"E negative", TRADE("\"BTCUSDT\"", "-1"), .want = MD_BAD_FIELDS},
	{"E 1e19", TRADE("\"BTCUSDT\"", "1e19"), .want = MD_BAD_FIELDS},
	{"E 1e999", TRADE("\"BTCUSDT\"", "1e999"), .want = MD_BAD_FIELDS},
	{"E 2e16 us (ns wraps)", TRADE("\"BTCUSDT\"", "2e16"),
	 .want = MD_BAD_FIELDS},
	{"E 2e13 ms (ns wraps)", TRADE("\"BTCUSDT\"", "20000000000000"),
	 .want = MD_BAD_FIELDS},
	{"futures bookTicker, E a string",
	 "{\"e\":\"bookTicker\",\"E\":\"x\",\"u\":5,\"s\":\"BTCUSDT\","
	 "\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}",
	 .want = MD_BAD_FIELDS},
	{"trade, t missing",
	 "{\"e\":\"trade\",\"E\":7,\"s\":\"BTCUSDT\",\"p\":\"1\",\"q\":\"1\","
	 "\"T\":1}",
	 .want = MD_BAD_FIELDS},
	{"trade, q missing",
	 "{\"e\":\"trade\",\"E\":7,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"1\","
	 "\"T\":1}",
	 .want = MD_BAD_FIELDS},
	{"depth, b not an array", DEPTH("{}", "[]"), .want = MD_BAD_FIELDS},
	{"depth, u missing",
	 "{\"e\":\"depthUpdate\",\"E\":7,\"s\":\"BTCUSDT\",\"U\":1,\"b\":[],"
	 "\"a\":[]}",
	 .want = MD_BAD_FIELDS},
	{"spot bookTicker, u missing",
	 "{\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}",
	 .want = MD_BAD_FIELDS},
	{"wrapper without stream", "{\"data\":" TRADE("\"BTCUSDT\"", "7") "}",
	 .want = MD_BAD_FIELDS},
	{"JSON array", "[1,2]", .want = MD_BAD_FIELDS},
	{"JSON string", "\"BTCUSDT\"", .want = MD_BAD_FIELDS},
	{"empty object", "{}", .want = MD_BAD_FIELDS},
	/* non-token strings */
	{"s with a quote", TRADE("\"BTC\\\"USDT\"", "7"),
	 .want = MD_BAD_FIELDS},
	{"s with a backslash", TRADE("\"BTC\\\\USDT\"", "7"),
	 .want = MD_BAD_FIELDS},
	{"s with a space", TRADE("\"BTC USDT\"", "7"), .want = MD_BAD_FIELDS},
	{"s with a control character", TRADE("\"BTC\\u0001\"", "7"),
	 .want = MD_BAD_FIELDS},
	{"s with a newline", TRADE("\"BTC\\n\"", "7"), .want = MD_BAD_FIELDS},
	{"s non-ASCII", TRADE("\"BTC\xc3\xa9\"", "7"), .want = MD_BAD_FIELDS},
	{"e with a space", "{\"e\":\"tr ade\",\"E\":7,\"s\":\"BTCUSDT\"}",
	 .want = MD_BAD_FIELDS},
	{"p with a quote", TRADE_PQ("\"1\\\"\"", "\"2\""),
	 .want = MD_BAD_FIELDS},
	{"p with a space", TRADE_PQ("\"1 0\"", "\"2\""), .want = MD_BAD_FIELDS},
	{"p a number", TRADE_PQ("1.0", "\"2\""), .want = MD_BAD_FIELDS},
	{"p empty", TRADE_PQ("\"\"", "\"2\""), .want = MD_BAD_FIELDS},
	{"q with a backslash", TRADE_PQ("\"1\"", "\"2\\\\\""),
	 .want = MD_BAD_FIELDS},
	{"q with a control character", TRADE_PQ("\"1\"", "\"2\\t\""),
	 .want = MD_BAD_FIELDS},
	{"bookTicker b with a quote", BOOK("\"1\\\",\\\"s\\\":\\\"X\""),
	 .want = MD_BAD_FIELDS},
	{"stream with a quote",
	 "{\"stream\":\"a\\\"b\",\"data\":" TRADE("\"BTCUSDT\"", "7") "}",
	 .want = MD_BAD_FIELDS},
	/* not JSON */
	{"empty", "", .want = MD_BAD_JSON},
	{"plain text", "not json", .want = MD_BAD_JSON},
	{"truncated object", "{\"e\":\"trade\",\"E\":", .want = MD_BAD_JSON},
	{"single quotes", "{'s':'BTCUSDT'}", .want = MD_BAD_JSON},
	{"NaN", "{\"E\":NaN}", .want = MD_BAD_JSON},
	/* not UTF-8 */
	{"byte 0xff", TRADE("\"BTC\xff\"", "7"), .want = MD_BAD_UTF8},
	{"bad continuation", TRADE("\"BTC\xc3\x28USDT\"", "7"),
	 .want = MD_BAD_UTF8},
	{"overlong /", TRADE("\"BTC\xc0\xaf\"", "7"), .want = MD_BAD_UTF8},
	{"overlong 3 bytes", TRADE("\"BTC\xe0\x80\xaf\"", "7"),
	 .want = MD_BAD_UTF8},
	{"surrogate", TRADE("\"BTC\xed\xa0\x80\"", "7"), .want = MD_BAD_UTF8},
	{"above U+10FFFF", TRADE("\"BTC\xf4\x90\x80\x80\"", "7"),
	 .want = MD_BAD_UTF8},
	{"sequence cut at the end", "{}\xe2\x82", .want = MD_BAD_UTF8},
};

static void check_str(const char *name, const char *what, const char *got,
		      const char *want)
{
	if (!want)
		CHECK(!got, "%s: %s = \"%s\", expected none", name, what, got);
	else
		CHECK(got && !strcmp(got, want),
		      "%s: %s = \"%s\", expected \"%s\"", name, what,
		      got ?: "(none)", want);
}

static void check_ok_fields(const struct pcase *c, const struct md_msg *m)
{
	CHECK(m->kind == c->kind, "%s: kind %d, expected %d", c->name, m->kind,
	      c->kind);
	check_str(c->name, "sym", m->sym, "BTCUSDT");
	check_str(c->name, "px", m->px, c->px);
	check_str(c->name, "px2", m->px2, c->px2);
	check_str(c->name, "stream", m->stream, c->stream);
	CHECK(!m->px == !m->qty && !m->px2 == !m->qty2,
	      "%s: price and quantity forwarded together", c->name);
}

static void test_parse(const struct pcase *c)
{
	struct md_msg m;
	enum md_status st;

	st = md_parse(c->in, strlen(c->in), &m);
	CHECK(st == c->want, "%s: status %d, expected %d", c->name, st,
	      c->want);
	if (st == MD_OK || st == MD_REPLY) {
		CHECK(m.root, "%s: tree kept", c->name);
		if (st == MD_OK && c->want == MD_OK)
			check_ok_fields(c, &m);
		md_free(&m);
	}
	CHECK(!m.root, "%s: tree freed", c->name);
}

static void test_normalize(void)
{
	const char *in = TRADE("\"BTCUSDT\"", "1700000000123");
	char out[256], tiny[24];
	struct md_msg m;

	if (!CHECK(md_parse(in, strlen(in), &m) == MD_OK, "normalize input"))
		return;
	CHECK_EQ(md_exch_ns(m.e), 1700000000123000000ULL);
	CHECK_EQ(md_exch_ns(1700000000123456ULL), 1700000000123456000ULL);
	CHECK(md_normalize(&m, md_exch_ns(m.e), out, sizeof(out)) > 0 &&
		      !strcmp(out, "{\"s\":\"BTCUSDT\",\"type\":\"trade\","
				   "\"exch_ns\":1700000000123000000,\"id\":1,"
				   "\"px\":\"1.0\",\"qty\":\"2.0\"}"),
	      "normal form: %s", out);
	CHECK_EQ(md_normalize(&m, 1, tiny, sizeof(tiny)), -1);
	md_free(&m);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_parse(&cases[i]);
	test_normalize();
	return check_done("test_ws_msg");
}
