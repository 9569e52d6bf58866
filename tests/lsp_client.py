"""A small Language Server Protocol client over stdio, for the tests and the benchmark of ``guidegraph lsp``:
requests with ids, notifications, and the server's notifications queued for :meth:`Client.diagnostics`."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 10.0


class Client:
    """Just enough of an LSP client: requests with ids, notifications, and the server's notifications queued."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.next_id = 0
        self.responses: dict[int, Any] = {}
        self.notes: queue.Queue[dict[str, Any]] = queue.Queue()
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while (line := out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            msg = json.loads(out.read(length))
            if "id" in msg and "method" not in msg:
                with self.cond:
                    self.responses[msg["id"]] = msg
                    self.cond.notify_all()
            elif "method" in msg and "id" in msg:  # a request from the server (e.g. registerCapability)
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            else:
                self.notes.put(msg)

    def _send(self, msg: dict[str, Any]) -> None:
        body = json.dumps(msg).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        rid = self.next_id
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        with self.cond:
            assert self.cond.wait_for(lambda: rid in self.responses, TIMEOUT), f"no answer to {method}"
            msg = self.responses.pop(rid)
        assert "error" not in msg, msg
        return msg["result"]

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, uri: str, want: Any = lambda ds: True) -> list[dict[str, Any]]:
        """The first diagnostics published for ``uri`` that satisfy ``want``."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                msg = self.notes.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if msg["method"] == "textDocument/publishDiagnostics" and msg["params"]["uri"] == uri \
                    and want(msg["params"]["diagnostics"]):
                return list(msg["params"]["diagnostics"])
        raise AssertionError(f"no matching diagnostics for {uri}")

    def open(self, uri: str, text: str) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "guidegraph-rules",
                                                              "version": 1, "text": text}})
