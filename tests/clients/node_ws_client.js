// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A node client (node 20's built-in WebSocket, behind --experimental-websocket):
// node links OpenSSL into its own binary and exports SSL_read itself.
//   node --experimental-websocket node_ws_client.js URL COUNT JSON [WAIT_FILE]
// Prints "ready", waits (<= 30 s) for WAIT_FILE, receives COUNT messages and
// writes its ground truth {messages, message_bytes} to JSON.
const fs = require('fs');
const [url, count, out, waitFile] = process.argv.slice(2);
let got = 0, bytes = 0;

function start() {
	const ws = new WebSocket(url);
	const timer = setTimeout(() => finish(1), 20000);
	ws.onmessage = (e) => {
		got++;
		bytes += Buffer.byteLength(e.data);
		if (got >= +count) {
			clearTimeout(timer);
			ws.close();
			finish(0);
		}
	};
	ws.onerror = (e) => {
		console.error('node_ws_client:', e.message);
		finish(1);
	};
}

function finish(rc) {
	fs.writeFileSync(out, JSON.stringify({ pid: process.pid, messages: got,
					       message_bytes: bytes }));
	process.exit(rc);
}

console.log('ready');
let tries = 0;
(function wait() {
	if (!waitFile || fs.existsSync(waitFile))
		return start();
	if (++tries > 300)
		return finish(1);
	setTimeout(wait, 100);
})();
