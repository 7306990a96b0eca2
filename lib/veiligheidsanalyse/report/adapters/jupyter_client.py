"""jupyter_client's asynchronous client without its 0.2 s wait for silence (private:
``_handle_kernel_info_reply``, ``_async_is_alive``; a rewrite of ``_async_wait_for_ready``).

nbclient (under papermill) starts its own client on our kernel and calls ``wait_for_ready``: a
kernel_info reply on the shell channel, then one IOPub message to know IOPub is connected (a cell's
output published before that would be lost), then a wait until IOPub has been silent for 0.2 s.
That last wait only throws away earlier messages, which nbclient ignores anyway (it takes only
messages whose parent is its own request); it made every chapter's worker and kernel sit idle for
0.2 s. This client keeps the first two steps and drains what has arrived without waiting.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import time
from collections.abc import Callable

LIBRARY = "jupyter_client"
WRITTEN_FOR = "8.10.0"
# The method rewritten below, as it was in WRITTEN_FOR (sha256 of its source).
REWRITTEN_SOURCE_SHA256 = "0d732ad86fea311502a6bfc53d8b1be6055f3813ec4f13ef717f8adbbd37ec56"


def _rewritten_source_unchanged() -> bool:
    from jupyter_client.client import KernelClient

    source = inspect.getsource(KernelClient._async_wait_for_ready)
    return hashlib.sha256(source.encode("utf-8")).hexdigest() == REWRITTEN_SOURCE_SHA256


def _has_private_members() -> bool:
    from jupyter_client.asynchronous import AsyncKernelClient

    return all(
        callable(getattr(AsyncKernelClient, name, None)) for name in ("_handle_kernel_info_reply", "_async_is_alive")
    )


INTERNALS: dict[str, Callable[[], bool]] = {
    "KernelClient._async_wait_for_ready (rewritten without the wait for silence)": _rewritten_source_unchanged,
    "AsyncKernelClient._handle_kernel_info_reply, AsyncKernelClient._async_is_alive": _has_private_members,
}


@functools.lru_cache(maxsize=1)
def ready_client_class() -> type:
    """jupyter_client's asynchronous client, without the 0.2 s of silence it waits for when ready."""
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyKernelClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply":
                    try:
                        await self.iopub_channel.get_msg(timeout=0.2)  # the reply's status: IOPub is connected
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        break
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if deadline is not None and time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
            while await self.iopub_channel.msg_ready():  # what has arrived so far, without waiting for more
                await self.iopub_channel.get_msg(timeout=0)

    return ReadyKernelClient
