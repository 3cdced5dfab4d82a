"""The Y.js sync protocol between a node and the centre over a websocket, with the node's reconnect loop.

Each websocket message is one frame: a varuint shard index, then a y-protocol message:
    [0, 0, state vector]   SYNC_STEP1   what I have              (pycrdt.create_sync_message)
    [0, 1, update]         SYNC_STEP2   what you lack            (pycrdt.handle_sync_message's reply to step 1)
    [0, 2, update]         SYNC_UPDATE  a live change            (pycrdt.create_update_message)
    [0x10, state vector]   STATE        what I now hold durably  (not Y.js: lets a peer see it is fully synced)
On connect both sides send step 1 for every shard and answer the other's with step 2; then changes flow as
updates. After a cut, the next connect's step 1/2 resends whatever either side lacks; duplicated and reordered
updates are harmless to the CRDT, and every update is logged before it is applied (persistence.py).

A stock Y.js provider (y-websocket) syncs one document per connection and knows nothing of shards: `ShardPeer`
speaks to it on one shard, named in the room (`/v1/edge/sync/<node>/<shard>`), with plain y-protocol messages.
"""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from pycrdt import (
    Decoder,
    YMessageType,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    read_message,
    write_message,
    write_var_uint,
)

from edge_agent.persistence import DocSet

STATE = 0x10
MAX_QUEUED = 5_000  # frames waiting for a slow link before they are replaced by one diff per shard
log = logging.getLogger("edge_agent.sync")


def frame(shard: int, message: bytes) -> bytes:
    return write_var_uint(shard) + message


def parse_frame(data: bytes) -> tuple[int, bytes]:
    decoder = Decoder(data)
    shard = decoder.read_var_uint()
    return shard, data[decoder.i0:]


def state_message(state: bytes) -> bytes:
    return bytes([STATE]) + write_message(state)


def decode_state(state: bytes) -> dict[int, int]:
    """A Y.js state vector as {client id: clock}."""
    decoder = Decoder(state)
    count = decoder.read_var_uint()
    return {decoder.read_var_uint(): decoder.read_var_uint() for _ in range(count)}


def encode_state(state: dict[int, int]) -> bytes:
    return write_var_uint(len(state)) + b"".join(write_var_uint(c) + write_var_uint(k) for c, k in sorted(state.items()))


async def _receive_into(handle: Callable[[bytes], None], receive: Callable[[], Awaitable[bytes | str]]) -> None:
    """Hand every binary frame the other side sends to `handle` (text frames carry nothing of the protocol)."""
    while True:
        data = await receive()
        if isinstance(data, bytes):
            handle(data)


async def _until_either_ends(*loops) -> None:
    """Run the loops until one ends; cancel the others; its error, if any, propagates."""
    tasks = [asyncio.ensure_future(loop) for loop in loops]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()


class SyncPeer:
    """One side of one connection: answers the other side and forwards this side's changes."""

    def __init__(self, docset: DocSet, send: Callable[[bytes], Awaitable[None]], name: str = "peer"):
        self.docset = docset
        self.name = name
        self._send = send
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._dirty: set[int] = set(range(len(docset.docs)))
        self.remote_state: dict[int, dict[int, int]] = {}  # what the other side holds, as far as we have heard
        self.frames_in = 0

    async def run(self, receive: Callable[[], Awaitable[bytes | str]]) -> None:
        """Exchange until the connection ends (its error propagates)."""
        unsubscribe = self.docset.subscribe(self._on_change)
        try:
            for shard, doc in enumerate(self.docset.docs):
                self._queue.put_nowait(frame(shard, create_sync_message(doc)))
            await _until_either_ends(self._send_loop(), _receive_into(self.handle, receive))
        finally:
            unsubscribe()

    def handle(self, data: bytes) -> None:
        """Process one frame from the other side."""
        self.frames_in += 1
        shard, message = parse_frame(data)
        if not 0 <= shard < len(self.docset.docs):
            raise ValueError(f"frame for shard {shard}; this side has {len(self.docset.docs)} shards")
        if message[0] == STATE:
            self._heard_state(shard, read_message(message[1:]))
            return
        if message[0] != YMessageType.SYNC:
            return  # awareness and other y-protocol messages carry nothing an edge record needs
        if message[1] == YSyncMessageType.SYNC_STEP1:
            self._heard_state(shard, read_message(message[2:]))
            reply = handle_sync_message(message[1:], self.docset.docs[shard])
            if reply is not None:
                self._queue.put_nowait(frame(shard, reply))
        elif message[1] in (YSyncMessageType.SYNC_STEP2, YSyncMessageType.SYNC_UPDATE):
            self.docset.apply_remote(shard, read_message(message[2:]), source=self)

    def synced(self) -> bool:
        """Both sides hold the same state in every shard, as far as this side has heard."""
        return all(self.remote_state.get(shard) == decode_state(self.docset.state(shard)) for shard in range(len(self.docset.docs)))

    def _heard_state(self, shard: int, state: bytes) -> None:
        # states only grow, and reordered frames may bring an older one late: keep the componentwise maximum
        known = self.remote_state.setdefault(shard, {})
        for client, clock in decode_state(state).items():
            if clock > known.get(client, 0):
                known[client] = clock

    def _on_change(self, shard: int, update: bytes, source: object | None) -> None:
        if source is not self:
            if self._queue.qsize() >= MAX_QUEUED:
                self._replace_queue_with_diffs()
            else:
                self._queue.put_nowait(frame(shard, create_update_message(update)))
        if not self._dirty:
            self._queue.put_nowait(b"")  # wake the sender so it reports the new state
        self._dirty.add(shard)

    def _replace_queue_with_diffs(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
        for shard, doc in enumerate(self.docset.docs):
            diff = doc.get_update(encode_state(self.remote_state.get(shard, {})))
            self._queue.put_nowait(frame(shard, create_update_message(diff)))

    async def _send_loop(self) -> None:
        while True:
            message = await self._queue.get()
            if message:
                await self._send(message)
            if self._queue.empty() and self._dirty:
                dirty, self._dirty = sorted(self._dirty), set()
                for shard in dirty:
                    await self._send(frame(shard, state_message(self.docset.state(shard))))


class ShardPeer:
    """A stock Y.js provider (y-websocket) on one shard document, the shard named in the room: plain y-protocol
    messages with no shard number in front and no STATE frames. Awareness and other message types are ignored."""

    def __init__(self, docset: DocSet, shard: int, send: Callable[[bytes], Awaitable[None]], name: str = "yjs"):
        self.docset, self.shard, self.name = docset, shard, name
        self._send = send
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.remote_state: dict[int, int] = {}
        self.frames_in = 0

    async def run(self, receive: Callable[[], Awaitable[bytes | str]]) -> None:
        unsubscribe = self.docset.subscribe(self._on_change)
        try:
            self._queue.put_nowait(create_sync_message(self.docset.docs[self.shard]))
            await _until_either_ends(self._send_loop(), _receive_into(self.handle, receive))
        finally:
            unsubscribe()

    def handle(self, message: bytes) -> None:
        self.frames_in += 1
        if len(message) < 2 or message[0] != YMessageType.SYNC:
            return  # awareness, auth, queries: nothing an edge record needs
        if message[1] == YSyncMessageType.SYNC_STEP1:
            state = read_message(message[2:])
            self.remote_state = decode_state(state)
            self._queue.put_nowait(handle_sync_message(message[1:], self.docset.docs[self.shard]))
        elif message[1] in (YSyncMessageType.SYNC_STEP2, YSyncMessageType.SYNC_UPDATE):
            self.docset.apply_remote(self.shard, read_message(message[2:]), source=self)

    def synced(self) -> bool:
        return self.remote_state == decode_state(self.docset.state(self.shard))

    def _on_change(self, shard: int, update: bytes, source: object | None) -> None:
        if shard == self.shard and source is not self:
            self._queue.put_nowait(create_update_message(update))

    async def _send_loop(self) -> None:
        while True:
            await self._send(await self._queue.get())


class SyncClient:
    """The node's side: connect to the centre, sync, and when the link drops, retry with backoff, forever."""

    def __init__(self, docset: DocSet, url: str, *, credential: str = "", min_backoff: float = 0.2, max_backoff: float = 5.0):
        self.docset = docset
        self.url = url
        self.headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self.peer: SyncPeer | None = None
        self.connects = 0
        self.last_error = ""
        self.wake = asyncio.Event()

    async def run(self) -> None:
        from websockets.asyncio.client import connect  # imported here: the centre never needs the client

        backoff = self.min_backoff
        while True:
            try:
                async with connect(self.url, additional_headers=self.headers, compression=None, max_size=None, open_timeout=5,
                                   ping_interval=5, ping_timeout=10, close_timeout=1) as ws:
                    self.connects += 1
                    backoff = self.min_backoff
                    self.peer = SyncPeer(self.docset, ws.send, name="central")
                    log.info("connected to %s", self.url)
                    await self.peer.run(ws.recv)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure of the link: note it and try again
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.info("link to %s down: %s; retrying in %.1fs", self.url, self.last_error, backoff)
            finally:
                self.peer = None
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=backoff * random.uniform(0.5, 1.0))
            except asyncio.TimeoutError:
                pass
            backoff = min(backoff * 2, self.max_backoff)

    def status(self) -> dict:
        return {
            "central": self.url,
            "connected": self.peer is not None,
            "synced": self.peer is not None and self.peer.synced(),
            "connects": self.connects,
            "last_error": self.last_error,
        }
