"""Reference results kept across submissions, so fixed inputs are not run again.

Most of an exercise's calls have fixed inputs (the course's visible cases, the stability
probes, the large input of the speed check); only the hidden random ones change with
every submission. The reference's answer to a fixed call never changes, so a worker
process keeps it, keyed by the reference code and the call's full content, and the
reference child runs only the calls it has not seen. The cache lives in the trusted
process: nothing here is visible to a sandbox child.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from graders.sandbox.wire import encode_tree

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult

# Enough for every fixed call of the whole catalog, large inputs included.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


def call_key(reference_code: str, framework: str, call: Call) -> str:
    """A digest of everything that decides the reference's answer to ``call``.

    reference_code: the reference module's source; framework: "numpy" or "torch";
    call: the sandbox Call. Returns a hex digest.
    """
    buffers: list[memoryview] = []
    # Not the name: it only labels the answer, and the same input under two tests is
    # the same question.
    fields = [getattr(call, f.name) for f in dataclasses.fields(call) if f.name != "name"]
    tree = encode_tree(fields, buffers)
    digest = hashlib.blake2b(digest_size=32)
    digest.update(reference_code.encode("utf-8"))
    digest.update(framework.encode("utf-8"))
    digest.update(json.dumps(tree, sort_keys=True).encode("utf-8"))
    for buffer in buffers:
        digest.update(buffer)
    return digest.hexdigest()


def _size(result: CallResult) -> int:
    total = 0
    stack: list[object] = [result.value, result.grads, result.args_after, result.parameters]
    while stack:
        item = stack.pop()
        if isinstance(item, np.ndarray):
            total += item.nbytes
        elif isinstance(item, (tuple, list)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return total + 1024  # the small fields, roughly


class ReferenceCache:
    """Least-recently-used reference CallResults, bounded in bytes."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[CallResult, int]] = OrderedDict()
        self._bytes = 0

    @property
    def bytes_held(self) -> int:
        """The approximate size of the kept results, in bytes."""
        return self._bytes

    def lookup(
        self, reference_code: str, framework: str, calls: tuple[Call, ...]
    ) -> tuple[dict[str, CallResult], tuple[Call, ...], dict[str, str]]:
        """Split ``calls`` into those answered from the cache and those still to run.

        Returns ``(cached results by call name, calls to run, key by name of each call
        to run)``; pass the keys back to ``store`` with the fresh results.
        """
        cached: dict[str, CallResult] = {}
        missing: list[Call] = []
        keys: dict[str, str] = {}
        for call in calls:
            try:
                key = call_key(reference_code, framework, call)
            except ValueError:  # a value the wire format refuses: run it, never cache it
                missing.append(call)
                continue
            entry = self._entries.get(key)
            if entry is None:
                missing.append(call)
                keys[call.name] = key
                continue
            self._entries.move_to_end(key)
            # The key covers the call's content, not its name: answer under this name.
            cached[call.name] = dataclasses.replace(entry[0], name=call.name)
        return cached, tuple(missing), keys

    def store(self, keys: dict[str, str], results: tuple[CallResult, ...]) -> None:
        """Keep each successful result whose call was looked up with a key."""
        for result in results:
            key = keys.get(result.name)
            if key is None or not result.ok:
                continue
            if key in self._entries:
                # The same call twice in one job (the speed check's repeat): keep the
                # faster timing, since every later job is judged against it.
                kept, size = self._entries[key]
                if result.seconds < kept.seconds:
                    self._entries[key] = (dataclasses.replace(kept, seconds=result.seconds), size)
                continue
            size = _size(result)
            if size > self.max_bytes:
                continue
            self._entries[key] = (result, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted
