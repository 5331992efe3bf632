"""A TCP proxy on 127.0.0.1 that can play a sick database: down, restarted, or silent.

The fault tests point the app at the proxy instead of at PostgreSQL, so an outage is simulated
here, never by stopping the shared server.
"""
import select
import socket
import threading


class TcpProxy:
    """Forward a free port of 127.0.0.1 to `target`; `down()`, `restart()` and `silence()` break it."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = None
        self.silent = False
        self._listener = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def up(self) -> "TcpProxy":
        """Listen (again, on the same port) and forward every connection; stop being silent."""
        self.silent = False
        if self._listener is not None:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port or 0))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def down(self) -> None:
        """The database is down: new connections are refused and open ones are cut."""
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would leave the port
            # listening until that accept returned.
            close_quietly(listener)
        self.restart()

    def restart(self) -> None:
        """The database restarted: every open connection is cut, new ones are served."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                close_quietly(sock)

    def silence(self) -> None:
        """The database stops answering without closing anything (a hung server, a lost network)."""
        self.silent = True

    def close(self) -> None:
        """Stop for good."""
        self._stopping.set()
        self.down()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        """Connect to the target and copy bytes both ways until either side closes."""
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            close_quietly(client)
            return
        with self._lock:
            self._pairs.append((client, server))
        sockets = [client, server]
        try:
            while not self._stopping.is_set():
                if self.silent:  # hold everything: the client waits for an answer that never comes
                    self._stopping.wait(0.05)
                    continue
                readable, _, _ = select.select(sockets, [], [], 0.05)
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (server if source is client else client).sendall(data)
        except (OSError, ValueError):
            return
        finally:
            close_quietly(client)
            close_quietly(server)


def close_quietly(sock: socket.socket) -> None:
    """Close a socket at once (with a reset-free shutdown first), ignoring one already closed."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
