"""The audit chain's anchor, in the spirit of RFC 6962's signed tree heads: an Ed25519 key kept outside the
database signs heads, and every signed head is also appended to a file beside the key.

A head says "the lines after `first` up to `count` were written by Tessera, and the chain then ended on `hash`"
(a seal, with `first == count`, says only where the chain ended). Someone who can write the database but not
these files can neither forge a head (no key) nor make a signed head disappear (it is in the file), so a
truncated, rewritten, reordered or padded log no longer matches what was signed.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DOMAIN = "tessera-audit-head/v1"  # signed bytes start with this, so a head signature means nothing elsewhere


class AnchorError(RuntimeError):
    """The signing key cannot be used as it is (unreadable, open to other users, not an Ed25519 key)."""


@dataclass(frozen=True)
class SignedHead:
    """Lines `first`+1..`count` were written by one signing transaction and the chain then ended on `hash`; signed
    by key `key_id` at `signed_at` (UTC). A seal has `first == count`."""

    first: int
    count: int
    hash: str
    signed_at: dt.datetime
    key_id: str
    signature: str  # base64 of the 64-byte Ed25519 signature

    def message(self) -> bytes:
        return message(self.first, self.count, self.hash, self.signed_at)

    def to_line(self) -> str:
        data = asdict(self) | {"signed_at": self.signed_at.isoformat(timespec="microseconds")}
        return json.dumps(data, separators=(",", ":")) + "\n"

    @classmethod
    def from_line(cls, line: str) -> SignedHead:
        data = json.loads(line)
        return cls(first=int(data["first"]), count=int(data["count"]), hash=str(data["hash"]),
                   key_id=str(data["key_id"]), signed_at=dt.datetime.fromisoformat(data["signed_at"]),
                   signature=str(data["signature"]))

    def stamp(self) -> dict:
        """What the transaction's last line keeps (its own seq and hash are the count and hash)."""
        return {"from": self.first, "at": self.signed_at.isoformat(timespec="microseconds"), "key": self.key_id,
                "sig": self.signature}

    @classmethod
    def from_stamp(cls, seq: int, line_hash: str, stamp: dict) -> SignedHead:
        return cls(first=int(stamp["from"]), count=seq, hash=line_hash, key_id=str(stamp["key"]),
                   signed_at=dt.datetime.fromisoformat(stamp["at"]), signature=str(stamp["sig"]))


def message(first: int, count: int, head_hash: str, signed_at: dt.datetime) -> bytes:
    return f"{DOMAIN}\n{first}\n{count}\n{head_hash}\n{signed_at.isoformat(timespec='microseconds')}\n".encode()


def key_id_of(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class ChainAnchor:
    """The key file (0600, created on first use), the public keys ever used (`public-keys.jsonl` beside it), and
    the append-only heads file. Verifying needs only the public keys and the heads file."""

    def __init__(self, key_file: Path, heads_file: Path | None = None):
        self.key_file = Path(key_file)
        self.heads_file = Path(heads_file) if heads_file else self.key_file.parent / "heads.jsonl"
        self.keyring_file = self.key_file.parent / "public-keys.jsonl"
        self._key: Ed25519PrivateKey | None = None
        self._key_id: tuple[Ed25519PrivateKey, str] | None = None

    # -- the key -------------------------------------------------------------------------------------------
    @property
    def key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = self._load() if self.key_file.exists() else self._create()
            self._remember(self._key.public_key())
        return self._key

    @property
    def key_id(self) -> str:
        if self._key_id is None or self._key_id[0] is not self.key:
            self._key_id = (self.key, key_id_of(self.key.public_key()))
        return self._key_id[1]

    def public_pem(self) -> str:
        return self.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def _load(self) -> Ed25519PrivateKey:
        mode = stat.S_IMODE(self.key_file.stat().st_mode)
        if mode & 0o077:
            raise AnchorError(f"the audit signing key {self.key_file} is open to other users (mode {mode:04o}); "
                              f"run: chmod 600 {self.key_file}")
        try:
            key = serialization.load_pem_private_key(self.key_file.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise AnchorError(f"the audit signing key {self.key_file} cannot be read ({exc}); restore it from "
                              "your backup, or move it away to start a new key (old heads stay checkable only "
                              "while public-keys.jsonl keeps the old public key)") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise AnchorError(f"the audit signing key {self.key_file} is not an Ed25519 key")
        return key

    def _create(self) -> Ed25519PrivateKey:
        """A new key, written atomically with mode 0600; if another process won the race, its key is used."""
        self.key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        tmp = self.key_file.with_name(f".{self.key_file.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, self.key_file)  # fails if the file appeared meanwhile: never overwrite a key
        except FileExistsError:
            return self._load()
        finally:
            tmp.unlink()
        return key

    def rotate(self) -> str:
        """Replace the signing key; its public part stays in the keyring so older heads remain checkable."""
        self.key  # noqa: B018 -- make sure the current public key is in the keyring before it goes
        fresh = Ed25519PrivateKey.generate()
        pem = fresh.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
        tmp = self.key_file.with_name(f".{self.key_file.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.key_file)
        self._key = fresh
        self._remember(fresh.public_key())
        return key_id_of(fresh.public_key())

    # -- the keyring: every public key that ever signed a head -------------------------------------------------
    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        found: dict[str, Ed25519PublicKey] = {}
        if self.keyring_file.exists():
            for line in self.keyring_file.read_text().splitlines():
                try:
                    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(json.loads(line)["public_key"]))
                    found[key_id_of(public)] = public  # the id is the key's own hash, never what the line says
                except (ValueError, KeyError, TypeError):
                    continue  # a torn line; the key it held is still the current one or in an earlier line
        if self.key_file.exists():
            found.setdefault(self.key_id, self.key.public_key())
        return found

    def _remember(self, public: Ed25519PublicKey) -> None:
        kid = key_id_of(public)
        if self.keyring_file.exists() and f'"key_id":"{kid}"' in self.keyring_file.read_text():
            return
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        entry = {"key_id": kid, "public_key": base64.b64encode(raw).decode(),
                 "added_at": _utcnow().isoformat(timespec="seconds")}
        _append(self.keyring_file, json.dumps(entry, separators=(",", ":")) + "\n", mode=0o644)

    # -- heads ---------------------------------------------------------------------------------------------
    def sign(self, first: int, count: int, head_hash: str, signed_at: dt.datetime | None = None) -> SignedHead:
        at = signed_at or _utcnow()
        signature = self.key.sign(message(first, count, head_hash, at))
        return SignedHead(first, count, head_hash, at, self.key_id, base64.b64encode(signature).decode())

    def check(self, head: SignedHead, keys: dict[str, Ed25519PublicKey] | None = None) -> str:
        """'' when the signature is good; otherwise what is wrong with it."""
        public = (keys if keys is not None else self.public_keys()).get(head.key_id)
        if public is None:
            return f"signed by unknown key {head.key_id}"
        try:
            public.verify(base64.b64decode(head.signature), head.message())
        except (InvalidSignature, ValueError):
            return "bad signature (forged or altered)"
        return ""

    def publish(self, head: SignedHead) -> None:
        """Append the head to the heads file: one write of one line, safe between processes (O_APPEND)."""
        _append(self.heads_file, head.to_line(), mode=0o600)

    def heads(self) -> tuple[list[tuple[int, SignedHead]], list[str]]:
        """Every head in the file with its line number, and the lines that are not a head (a torn last line
        after a crash is skipped silently: it was never complete)."""
        if not self.heads_file.exists():
            return [], []
        found, bad = [], []
        text = self.heads_file.read_text(errors="replace")
        lines = text.split("\n")
        torn_last = not text.endswith("\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                found.append((number, SignedHead.from_line(line)))
            except (ValueError, KeyError, TypeError):
                if not (torn_last and number == len(lines)):
                    bad.append(f"line {number} of {self.heads_file} is not a signed head")
        return found, bad


def _append(path: Path, text: str, *, mode: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    except FileNotFoundError:  # the folder first (once: every signed head is appended here)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
