"""WeCom's callback crypto on `cryptography`: SHA-1 signatures and AES-256-CBC with the EncodingAESKey.

Plaintext = 16 random bytes + 4-byte big-endian length + message + receive id (the CorpID), PKCS#7-padded to
32-byte blocks; key = base64(EncodingAESKey + "="); IV = the key's first 16 bytes.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class SignatureError(ValueError):
    """The msg_signature does not match: the request was not made with our Token."""


class DecryptError(ValueError):
    """The ciphertext does not decrypt to a message for us (wrong key, corrupted, or another receive id)."""


class WeComCrypto:
    def __init__(self, token: str, encoding_aes_key: str, receive_id: str):
        if len(encoding_aes_key) != 43:
            raise ValueError("the EncodingAESKey has 43 characters; copy it again from the WeCom admin console")
        self.token, self.receive_id = token, receive_id
        self.key = base64.b64decode(encoding_aes_key + "=")

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return hashlib.sha1("".join(sorted([self.token, timestamp, nonce, encrypted])).encode()).hexdigest()

    def check(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        expected = self.signature(timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected.encode(), (msg_signature or "").encode()):
            raise SignatureError("msg_signature does not match")

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptError("the ciphertext is not base64") from exc
        if not data or len(data) % 16:
            raise DecryptError("the ciphertext is not whole AES blocks")
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise DecryptError("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise DecryptError("the plaintext is too short")
        (length,) = struct.unpack(">I", plain[16:20])
        message, receive_id = plain[20:20 + length], plain[20 + length:]
        if len(message) != length or not hmac.compare_digest(receive_id, self.receive_id.encode()):
            raise DecryptError("the message is not addressed to this CorpID")
        return message.decode("utf-8")

    def encrypt(self, message: str, random16: bytes | None = None) -> str:
        body = message.encode("utf-8")
        plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + self.receive_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """URL verification: check the signature over echostr, answer with its plaintext."""
        self.check(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)

    def decrypt_message(self, encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        """A callback's inner XML, from the <Encrypt> value of its body."""
        self.check(msg_signature, timestamp, nonce, encrypted)
        return self.decrypt(encrypted)

    def encrypt_message(self, reply_xml: str, timestamp: str, nonce: str) -> dict:
        """A passive reply's envelope fields: Encrypt, MsgSignature, TimeStamp, Nonce."""
        encrypted = self.encrypt(reply_xml)
        return {"Encrypt": encrypted, "MsgSignature": self.signature(timestamp, nonce, encrypted),
                "TimeStamp": timestamp, "Nonce": nonce}
