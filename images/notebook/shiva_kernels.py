"""Jupyter's own view of its kernels, kept reliable for the hub's idle culling.

The hub counts a kernel whose `execution_state` is `busy` in GET /api/kernels as activity, so
that a long cell that prints nothing keeps its sandbox (docs/culling.md). Notebook 6 learns that
state from an IOPub subscriber it opens per kernel at start (MappingKernelManager.
start_watching_activity). With Debian 12's notebook 6.4.12, jupyter_client 7.4.9 and pyzmq 24,
that subscriber receives nothing for some kernels (5 of 14 in a row here, each started over the
REST API and running a cell through its WebSocket): their listing then says `starting` for
ever, and a kernel busy for hours looks idle.

This manager opens the subscriber itself, a plain SUB socket on the process-wide ZeroMQ context,
and records the same two facts from it as Notebook does: the time of every message and the state
of every status message. Opened only at the kernel's start it still left 8 of 20 kernels stuck;
opened again when a client connects (as the WebSocket handler opens its own, which always hears)
it left 0 of 20 in the same test minutes later. Why the first one stays deaf is not known.
"""
import zmq
from jupyter_client.session import Session
from notebook._tz import utcnow
from notebook.services.kernels.kernelmanager import MappingKernelManager
from zmq.eventloop.zmqstream import ZMQStream


class ActivityKernelManager(MappingKernelManager):
    """MappingKernelManager whose per-kernel activity watcher is its own SUB socket."""

    def notify_connect(self, kernel_id):
        """A client connected: subscribe again, now that the kernel surely listens on IOPub.

        The subscriber opened at the kernel's start is the one that stays deaf; the WebSocket
        handler's, opened at this moment, always hears. The kernel's state is kept.
        """
        super().notify_connect(kernel_id)
        kernel = self._kernels.get(kernel_id)
        if kernel is None:
            return
        state = kernel.execution_state
        if kernel._activity_stream is not None:
            kernel._activity_stream.close()
        self._subscribe(kernel)
        kernel.execution_state = state

    def start_watching_activity(self, kernel_id):
        kernel = self._kernels[kernel_id]
        kernel.execution_state = "starting"
        kernel.last_activity = utcnow()
        self._subscribe(kernel)

    def _subscribe(self, kernel):
        socket = zmq.Context.instance().socket(zmq.SUB)
        socket.setsockopt(zmq.SUBSCRIBE, b"")
        socket.connect(kernel._make_url("iopub"))
        # stop_watching_activity (Notebook's) closes it, as it closes its own.
        kernel._activity_stream = ZMQStream(socket)
        session = Session(config=kernel.session.config, key=kernel.session.key)

        def record(parts):
            self.last_kernel_activity = kernel.last_activity = utcnow()
            _, fed = session.feed_identities(parts)
            message = session.deserialize(fed)
            if message["header"]["msg_type"] == "status":
                kernel.execution_state = message["content"]["execution_state"]

        kernel._activity_stream.on_recv(record)
