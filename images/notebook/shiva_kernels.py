"""Jupyter's own view of its kernels, kept reliable for the hub's idle culling.

The hub counts a kernel whose `execution_state` is `busy` in GET /api/kernels as activity, so
that a long cell that prints nothing keeps its sandbox (docs/culling.md). Notebook 6 learns that
state from an IOPub subscriber it opens per kernel at start (MappingKernelManager.
start_watching_activity) and never checks. With Debian 12's notebook 6.4.12, jupyter_client 7.4.9,
ipykernel 6.17 and pyzmq 24 that subscriber hears nothing from half of new kernels (5 of 10, each
in a fresh server) although ZeroMQ reports it connected: their listing says `starting` for ever,
and a kernel busy for hours looks idle. Why is not known; a subscriber connected later hears.

So this manager checks its subscriber as Notebook's WebSocket handler checks its own ("nudge"):
it sends kernel_info requests on the kernel's control channel every half second until the
subscriber hears the status they cause, and replaces the subscriber after every four unheard
requests. Control, because the kernel answers it even while a cell runs. The statuses the
requests cause are neither activity nor the kernel's state: they are told apart by their parent
message. Starting or restarting a kernel through the REST API waits (up to ten seconds) until the
subscriber hears, so no client can start a cell the subscriber would miss.

Notebook takes the state of the last status message for the kernel's, but ipykernel 6 also
reports busy and idle around each control request, from another thread, in the middle of a cell:
a client's kernel_info on control made a running cell read `idle` (1 of 10 here). This manager
counts a kernel busy while any request it said busy for has not been said idle.

A kernel that dies in the middle of a cell is restarted by jupyter_client's restarter, and
Notebook keeps the state it last heard: `busy`, for ever, when no client is connected to make
the new kernel speak (4 of 4 here; jupyter_server issue 1395 reports the same). Such a sandbox
would never look idle. This manager marks a restarted kernel `starting` and watches it afresh,
as the restart may have moved the kernel to new ports.
"""
import asyncio

from jupyter_client.session import Session
from notebook._tz import utcnow
from notebook.services.kernels.kernelmanager import MappingKernelManager
from tornado.ioloop import IOLoop

#: Seconds between kernel_info requests until the subscriber hears the kernel (Notebook's nudge).
NUDGE_SECONDS = 0.5
#: Unheard requests after which the subscriber is replaced by a new one.
RESUBSCRIBE_AFTER = 4
#: Requests after which the kernel is given up on (a minute, Notebook's kernel_info_timeout).
GIVE_UP_AFTER = 120
#: Seconds a REST start or restart waits for the subscriber to hear before answering anyway.
START_WAIT_SECONDS = 10


class ActivityKernelManager(MappingKernelManager):
    """MappingKernelManager whose per-kernel activity subscriber is known to hear its kernel."""

    async def start_kernel(self, kernel_id=None, path=None, **kwargs):
        new = kernel_id is None
        kernel_id = await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        if new:
            await self._heard(kernel_id)
        return kernel_id

    async def restart_kernel(self, kernel_id, now=False):
        restarted = await super().restart_kernel(kernel_id, now=now)
        if kernel_id in self._kernels:
            self._watch(kernel_id)
            await self._heard(kernel_id)
        return restarted

    def start_watching_activity(self, kernel_id):
        kernel = self._kernels[kernel_id]
        kernel.add_restart_callback(lambda: self._restarted(kernel_id), "restart")
        self._watch(kernel_id)

    def _restarted(self, kernel_id):
        """The restarter replaced a dead kernel: whatever it was doing, it no longer is."""
        if kernel_id in self._kernels:
            self._watch(kernel_id)

    async def _heard(self, kernel_id):
        kernel = self._kernels.get(kernel_id)
        if kernel is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(kernel._shiva_heard), START_WAIT_SECONDS)
        except asyncio.TimeoutError:
            self.log.warning("Kernel %s not heard on IOPub in %d s; still trying", kernel_id, START_WAIT_SECONDS)

    def _watch(self, kernel_id):
        """Subscribes to the kernel's IOPub and nudges until heard; a later _watch ends this one."""
        kernel = self._kernels[kernel_id]
        kernel.execution_state = "starting"
        kernel.last_activity = utcnow()
        kernel._shiva_heard = asyncio.get_event_loop().create_future()
        # msg_ids of this watch's requests: the statuses they cause are not the kernel's work.
        kernel._shiva_nudges = set()
        kernel._shiva_busy = set()
        self._subscribe(kernel)
        watch = kernel._shiva_heard
        control = kernel.connect_control()
        control.on_recv(lambda _: None)
        sent = 0

        def nudge():
            nonlocal sent
            if kernel_id not in self._kernels or kernel._shiva_heard is not watch or watch.done():
                control.close()
                return
            sent += 1
            if sent > GIVE_UP_AFTER:
                self.log.warning("Kernel %s was not heard on IOPub in a minute; its activity is unknown", kernel_id)
                watch.set_result(False)
                control.close()
                return
            if sent % RESUBSCRIBE_AFTER == 0:
                self._subscribe(kernel)
            request = kernel.session.send(control, "kernel_info_request")
            kernel._shiva_nudges.add(request["header"]["msg_id"])
            IOLoop.current().call_later(NUDGE_SECONDS, nudge)

        IOLoop.current().add_callback(nudge)

    def _subscribe(self, kernel):
        """Opens a new IOPub subscriber for `kernel` that records Notebook's two facts from it."""
        if getattr(kernel, "_activity_stream", None) is not None:
            kernel._activity_stream.close()
        # stop_watching_activity (Notebook's) closes it when the kernel goes.
        stream = kernel._activity_stream = kernel.connect_iopub()
        session = Session(config=kernel.session.config, key=kernel.session.key)

        def record(parts):
            if kernel._activity_stream is not stream:
                return
            _, fed = session.feed_identities(parts)
            message = session.deserialize(fed)
            if not kernel._shiva_heard.done():
                kernel._shiva_heard.set_result(True)
            if message["parent_header"].get("msg_id") in kernel._shiva_nudges:
                return
            self.last_kernel_activity = kernel.last_activity = utcnow()
            if message["header"]["msg_type"] == "status":
                kernel.execution_state = _state_after(kernel._shiva_busy, message)

        stream.on_recv(record)


#: Requests that may come on the control channel (Jupyter messaging protocol, "Control channel").
CONTROL_REQUESTS = frozenset(
    ["kernel_info_request", "shutdown_request", "interrupt_request", "debug_request", "usage_request"]
)


def _state_after(busy, message):
    """The kernel's state after the status `message`, given the requests it is `busy` with (updated).

    A status message's parent is the request it is about (Jupyter messaging protocol, "Kernel
    status"): busy and idle come in pairs per request, on whichever channel it came. The shell
    channel runs one request at a time, so a shell request's idle also ends any other whose idle
    was lost (ZeroMQ drops messages for a subscriber that falls too far behind).
    """
    state = message["content"]["execution_state"]
    parent = message["parent_header"]
    if state == "busy":
        busy.add(parent.get("msg_id"))
    elif state == "idle" and parent.get("msg_type") in CONTROL_REQUESTS:
        busy.discard(parent.get("msg_id"))
    elif state in ("idle", "starting"):
        busy.clear()
    return "busy" if busy else state
