"""A small Language Server Protocol client for ``yaml-language-server`` (the server behind
VS Code's YAML extension, Neovim's, Helix's, Zed's...), to test the schema as authors' editors
use it: the real server, over stdio, with the settings ``studyapp init`` writes.

The server is an npm package, installed outside the repository (``.ci/run`` does it)::

    npm install --prefix ~/.cache/studyapp-node yaml-language-server@1.25.0

:func:`find_server` looks there, or at ``$STUDYAPP_YAML_LANGUAGE_SERVER`` (the path of the
``yaml-language-server`` executable).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["Diagnostic", "YamlLanguageServer", "find_server", "install_hint"]

SERVER_VERSION = "1.25.0"
NODE_PREFIX = Path(os.environ.get("STUDYAPP_NODE_PREFIX", Path.home() / ".cache/studyapp-node"))


def install_hint() -> str:
    return (
        "yaml-language-server is not installed; install it outside the repository with "
        f"'npm install --prefix {NODE_PREFIX} yaml-language-server@{SERVER_VERSION}' "
        "(.ci/run does this), or set STUDYAPP_YAML_LANGUAGE_SERVER to its executable"
    )


def find_server() -> list[str] | None:
    """The command that starts the server on stdio, or None if it is not installed."""
    node = shutil.which("node")
    explicit = os.environ.get("STUDYAPP_YAML_LANGUAGE_SERVER")
    candidates = [Path(explicit)] if explicit else []
    candidates.append(
        NODE_PREFIX / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
    )
    for candidate in candidates:
        if candidate.is_file() and node:
            return [node, str(candidate), "--stdio"]
    return None


class Diagnostic:
    """One diagnostic, 1-based like the validator's ``file:line:column``."""

    def __init__(self, raw: dict[str, Any]) -> None:
        start = raw["range"]["start"]
        self.line = int(start["line"]) + 1
        self.column = int(start["character"]) + 1
        self.message = str(raw["message"])
        self.severity = int(raw.get("severity", 1))  # 1 error, 2 warning

    def __repr__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


class YamlLanguageServer:
    """The server process, initialised with ``settings`` (the ``yaml`` section of an
    editor's settings, e.g. ``{"schemas": {...}, "yamlVersion": "1.1"}``)."""

    def __init__(self, command: list[str], root: Path, settings: dict[str, Any]) -> None:
        self._settings = {"yaml": {"validate": True, "hover": True, "completion": True, **settings}}
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._diagnostics: dict[str, list[dict[str, Any]]] = {}
        self._versions: dict[str, int] = {}
        self._next_id = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": {
                    "workspace": {"configuration": True, "didChangeConfiguration": {}},
                    "textDocument": {
                        "publishDiagnostics": {},
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "completion": {"completionItem": {"documentationFormat": ["markdown"]}},
                    },
                },
                "initializationOptions": self._settings,
            },
        )
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": self._settings})

    # -- the protocol ----------------------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self._process.stdin is not None
        with self._lock:
            self._process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            self._process.stdin.flush()

    def _read(self) -> None:
        stream = self._process.stdout
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            message = json.loads(body)
            if message.get("method") == "workspace/configuration":
                items = message["params"]["items"]
                self._send(
                    {
                        "id": message["id"],
                        "result": [self._section(i.get("section", "")) for i in items],
                    }
                )
            elif "method" in message and "id" in message:  # another request: accept it
                self._send({"id": message["id"], "result": None})
            elif message.get("method") == "textDocument/publishDiagnostics":
                params = message["params"]
                self._diagnostics[params["uri"]] = params["diagnostics"]
                self._messages.put(message)
            else:
                self._messages.put(message)

    def _section(self, section: str) -> Any:
        value: Any = self._settings
        for part in filter(None, section.split(".")):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any], timeout: float = 30) -> Any:
        self._next_id += 1
        ident = self._next_id
        self._send({"id": ident, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._messages.get(timeout=max(0.01, deadline - time.monotonic()))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result")

    # -- documents -------------------------------------------------------------------------
    def diagnostics(
        self, path: Path, text: str | None = None, timeout: float = 30
    ) -> list[Diagnostic]:
        """Open (or change) ``path`` and wait for the server's diagnostics of it."""
        uri = path.resolve().as_uri()
        content = path.read_text(encoding="utf-8") if text is None else text
        self._diagnostics.pop(uri, None)
        if uri in self._versions:
            self._versions[uri] += 1
            self.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": self._versions[uri]},
                    "contentChanges": [{"text": content}],
                },
            )
        else:
            self._versions[uri] = 1
            self.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": content}},
            )
        deadline = time.monotonic() + timeout
        while uri not in self._diagnostics:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no diagnostics for {path} within {timeout} s")
            try:
                self._messages.get(timeout=0.1)
            except queue.Empty:
                pass
        return [Diagnostic(d) for d in self._diagnostics[uri]]

    def hover(self, path: Path, line: int, column: int) -> str:
        """The hover text at 1-based ``line``:``column`` of an opened document."""
        result = self.request(
            "textDocument/hover",
            {
                "textDocument": {"uri": path.resolve().as_uri()},
                "position": {"line": line - 1, "character": column - 1},
            },
        )
        if not result:
            return ""
        contents = result["contents"]
        if isinstance(contents, dict):
            return str(contents.get("value", ""))
        if isinstance(contents, list):
            return "\n".join(c if isinstance(c, str) else c.get("value", "") for c in contents)
        return str(contents)

    def completion(self, path: Path, line: int, column: int) -> list[str]:
        result = self.request(
            "textDocument/completion",
            {
                "textDocument": {"uri": path.resolve().as_uri()},
                "position": {"line": line - 1, "character": column - 1},
            },
        )
        items = result.get("items", []) if isinstance(result, dict) else (result or [])
        return [str(item["label"]) for item in items]

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=5)
            self.notify("exit", {})
            self._process.wait(timeout=5)
        except Exception:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=5)
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()
